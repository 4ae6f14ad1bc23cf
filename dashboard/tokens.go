package dashboard

import (
	"net/http"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/secret"
)

// tokenExpiries are the choices the token form offers ("" never expires).
var tokenExpiries = []struct {
	Value, Label string
}{{"720h", "in 30 days"}, {"2160h", "in 90 days"}, {"8760h", "in a year"}, {"24h", "in a day"}, {"", "never"}}

// tokensData is the API tokens part of the moderators page.
type tokensData struct {
	Tokens   []comment.Token
	Now      time.Time
	Expiries []struct{ Value, Label string }
	// NewToken is shown once, right after it was made.
	NewToken      string
	NewTokenOwner string
}

func (h *Handler) renderModeratorsData(w http.ResponseWriter, r *http.Request, s *session, status int, d moderatorsData) error {
	toks, err := h.Store.Tokens(r.Context(), "")
	if err != nil {
		return err
	}
	d.Tokens, d.Now, d.Expiries = toks, h.Now(), tokenExpiries
	h.render(w, r, status, "moderators", s, "Moderators", d)
	return nil
}

// ownSession is the hash of the request's session when the account being
// changed is the one logged in, so that it survives its own password change.
func (h *Handler) ownSession(r *http.Request, s *session, name string) []byte {
	if s == nil || s.Moderator.Name != name {
		return nil
	}
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	return secret.TokenHash(ck.Value)
}

// createToken makes a bearer token for a moderator and shows it once.
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request, s *session) error {
	name := r.PostFormValue("moderator")
	var dur time.Duration
	valid := false
	for _, e := range tokenExpiries {
		if e.Value == r.PostFormValue("expires") {
			valid = true
			if e.Value != "" {
				dur, _ = time.ParseDuration(e.Value)
			}
		}
	}
	if !valid {
		return h.renderModerators(w, r, s, http.StatusUnprocessableEntity, "", []comment.FieldError{{Field: "expires", Message: "must be one of the offered choices"}})
	}
	m, err := h.Store.ModeratorByName(r.Context(), name)
	if comment.ErrorCode(err) == comment.CodeNotFound {
		return h.renderModerators(w, r, s, http.StatusUnprocessableEntity, "", []comment.FieldError{{Field: "moderator", Message: "is not an account"}})
	}
	if err != nil {
		return err
	}
	now := h.Now().UTC()
	var expires time.Time
	if dur > 0 {
		expires = now.Add(dur)
	}
	token := secret.NewToken()
	if err := h.Store.CreateExpiringToken(r.Context(), m.ID, secret.TokenHash(token), now, expires); err != nil {
		return err
	}
	ms, err := h.Store.Moderators(r.Context())
	if err != nil {
		return err
	}
	d := moderatorsData{Moderators: ms, Message: "Token made for " + name + ". Copy it now: it is not shown again."}
	d.NewToken, d.NewTokenOwner = token, name
	return h.renderModeratorsData(w, r, s, http.StatusCreated, d)
}

// revokeToken ends a token at once.
func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	if err := h.Store.RevokeToken(r.Context(), "", id); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/moderators?done="+urlQuery("Token "+id+" revoked."), http.StatusSeeOther)
	return nil
}
