package dashboard

import (
	"net/http"
	"strings"
)

// sameOrigin reports whether the browser says a request came from this
// server's own pages. A same-site page (www. beside comments.) can plant
// the login form's double-submit cookie, so the login also asks the
// browser: Sec-Fetch-Site, and Origin against the Host the request was
// sent to. Requests without either header (not from a browser) pass.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := strings.ToLower(r.Header.Get("Origin"))
	if o == "" {
		return true
	}
	host := strings.ToLower(r.Host)
	return o == "https://"+host || (r.TLS == nil && o == "http://"+host)
}
