package httpapi

import (
	"net/http"
	"strings"

	"github.com/parleyhq/parley/comment"
)

// errContentType refuses a JSON endpoint's body sent as anything but JSON:
// a cross-site HTML form cannot send application/json, so no form can
// reach a handler.
var errContentType = &httpError{status: http.StatusUnsupportedMediaType, detail: "Content-Type must be application/json.",
	fields: []comment.FieldError{{Field: "Content-Type", Message: "must be application/json"}}}

var errLoginOrigin = &comment.Error{Code: comment.CodeForbidden, Message: "Log in from this server's own pages.",
	Fields: []comment.FieldError{{Field: "Origin", Message: "must be this server's origin"}}}

// checkLoginOrigin refuses a login that a browser says came from another
// origin, same-site ones (www. beside comments.) included: such a page
// could otherwise log the browser into an attacker's account. Requests
// without the browser headers (curl, scripts) are judged by the password.
func (s *Server) checkLoginOrigin(r *http.Request) error {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return errLoginOrigin
	}
	if o := r.Header.Get("Origin"); o != "" && !s.ownOrigin(r, o) {
		return errLoginOrigin
	}
	return nil
}

// ownOrigin reports whether origin is this server's: its base URL's, or
// the Host the request was sent to (over https, or http when it came so).
func (s *Server) ownOrigin(r *http.Request, origin string) bool {
	origin = strings.ToLower(origin)
	if o, ok := originOf(s.BaseURL); ok && origin == o {
		return true
	}
	host := strings.ToLower(r.Host)
	return origin == "https://"+host || (r.TLS == nil && origin == "http://"+host)
}
