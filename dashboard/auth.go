package dashboard

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/secret"
)

// loginCSRFCookie carries the login form's CSRF token (double submit):
// there is no session yet to hold one.
const loginCSRFCookie = "parley_login_csrf"

type loginData struct {
	Next    string
	Name    string
	Message string
}

func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "/admin/login") {
		return "/admin/queue/pending"
	}
	return next
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request, _ *session) error {
	h.renderLogin(w, r, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))})
	return nil
}

func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	token := secret.NewToken()
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: token, Path: "/admin/login", MaxAge: 3600, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, r, status, "login", &session{CSRF: token}, "Log in", d)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request, _ *session) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.renderLogin(w, r, http.StatusBadRequest, loginData{Message: "The form could not be read."})
		return nil
	}
	d := loginData{Next: safeNext(r.PostFormValue("next")), Name: r.PostFormValue("name")}
	if !sameOrigin(r) {
		d.Message = "Log in from this server's own login page."
		h.renderLogin(w, r, http.StatusForbidden, d)
		return nil
	}
	ck, err := r.Cookie(loginCSRFCookie)
	if err != nil || ck.Value == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostFormValue("csrf_token"))) != 1 {
		d.Message = "The login form expired; please try again."
		h.renderLogin(w, r, http.StatusForbidden, d)
		return nil
	}
	password := r.PostFormValue("password")
	if d.Name == "" || password == "" {
		d.Message = "Name and password are required."
		h.renderLogin(w, r, http.StatusUnprocessableEntity, d)
		return nil
	}
	_, token, _, expires, err := h.API.Login(r.Context(), d.Name, password, h.ClientIP(r))
	if err != nil {
		status := statusOf[comment.ErrorCode(err)]
		if status == 0 {
			return err
		}
		d.Message = comment.ErrorMessage(err)
		h.renderLogin(w, r, status, d)
		return nil
	}
	h.API.SetSessionCookie(w, r, token, expires)
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: "", Path: "/admin/login", MaxAge: -1})
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
	return nil
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, _ *session) error {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if err := h.Store.DeleteSession(r.Context(), secret.TokenHash(ck.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, msg string, fields ...comment.FieldError) {
	writeJSON(w, status, map[string]any{"status": status, "detail": msg, "errors": fields})
}
