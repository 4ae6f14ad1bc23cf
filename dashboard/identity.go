package dashboard

import (
	"net/http"
	"strings"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/identity"
)

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
		if msg := desk.CheckSSOSecret(secret); msg != "" {
			bad("sso_secret", msg)
		} else {
			sealed, err := h.Keys.Seal(identity.SealPurpose, []byte(secret))
			if err != nil {
				return err
			}
			id.SSO.SecretCipher, id.SSO.SecretHint = sealed, secret[len(secret)-4:]
		}
	}
	id.SSO.JWKSURL = strings.TrimSpace(r.PostFormValue("jwks_url"))
	id.StaffNames = splitLines(r.PostFormValue("staff_names"))
	errs = append(errs, desk.CheckIdentity(id)...)
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
