package dashboard

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/identity"
)

// MinSSOSecret is the shortest HS256 secret a site may set: as many
// characters as the hash has bytes.
const MinSSOSecret = 32

// saveIdentity saves a site's verification and sign-in settings. A new
// HS256 secret is sealed with the server's key and never shown again
// (only its last four characters); an empty field keeps the current one.
func (h *Handler) saveIdentity(w http.ResponseWriter, r *http.Request, s *session) error {
	site, err := h.Store.Site(r.Context(), r.PathValue("site"))
	if err != nil {
		return err
	}
	var errs []comment.FieldError
	bad := func(field, msg string) { errs = append(errs, comment.FieldError{Field: field, Message: msg}) }
	id := site.Identity
	id.Verify = r.PostFormValue("verify") == "1"
	id.SSO.Required = r.PostFormValue("sso_required") == "1"
	if r.PostFormValue("sso_secret_remove") == "1" {
		id.SSO.SecretCipher, id.SSO.SecretHint = nil, ""
	}
	if secret := r.PostFormValue("sso_secret"); secret != "" {
		switch {
		case len(secret) < MinSSOSecret:
			bad("sso_secret", "must be at least 32 characters (the bytes of an HS256 key)")
		case len(secret) > 512 || !utf8.ValidString(secret) || strings.TrimSpace(secret) != secret:
			bad("sso_secret", "must be at most 512 characters of text without surrounding spaces")
		default:
			sealed, err := h.Keys.Seal(identity.SealPurpose, []byte(secret))
			if err != nil {
				return err
			}
			id.SSO.SecretCipher, id.SSO.SecretHint = sealed, secret[len(secret)-4:]
		}
	}
	id.SSO.JWKSURL = strings.TrimSpace(r.PostFormValue("jwks_url"))
	if id.SSO.JWKSURL != "" {
		if msg := checkJWKSURL(id.SSO.JWKSURL); msg != "" {
			bad("jwks_url", msg)
		}
	}
	if id.SSO.Required && !id.SSO.Enabled() {
		bad("sso_required", "needs an HS256 secret or a JWKS URL: without one no token can be checked")
	}
	id.StaffNames = splitLines(r.PostFormValue("staff_names"))
	if len(id.StaffNames) > 100 {
		bad("staff_names", "must have at most 100 names")
	}
	for _, n := range id.StaffNames {
		if utf8.RuneCountInString(n) > 80 || !utf8.ValidString(n) {
			bad("staff_names", "names must be valid text of at most 80 characters")
			break
		}
	}
	site.Identity = id
	if len(errs) > 0 {
		f := newSiteForm(site)
		f.Errors = errs
		h.render(w, r, http.StatusUnprocessableEntity, "site", s, "Site "+site.ID, f)
		return nil
	}
	if err := h.Desk.UpdateSite(r.Context(), site); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/sites/"+site.ID+"?saved=1#identity", http.StatusSeeOther)
	return nil
}

// splitLines reads one entry per line, trimmed, dropping blanks and repeats
// (names may hold commas).
func splitLines(raw string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(raw, "\n") {
		v := strings.TrimSpace(line)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// checkJWKSURL says what is wrong with a JWKS URL, or "": https, or http on
// the loopback host (a newsroom's test setup).
func checkJWKSURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || len(raw) > 2048 {
		return "must be an absolute https URL"
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		if h := u.Hostname(); h == "localhost" || h == "127.0.0.1" || h == "::1" {
			return ""
		}
	}
	return "must be an https URL (http only on localhost)"
}
