package mail

import (
	"encoding/hex"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
)

// Handler serves the pages that signed links lead to:
//
//	GET  /mail/unsubscribe?t=T  a page that confirms, with a button
//	POST /mail/unsubscribe?t=T  unsubscribes: the one-click POST of RFC 8058
//	                            (body List-Unsubscribe=One-Click) or the button
//	GET  /mail/appeal?t=T       the appeal form of a rejected comment
//	POST /mail/appeal?t=T       sends the appeal (form field message)
type Handler struct {
	Links  *Links
	Desk   *desk.Desk
	Store  comment.Store
	Logger *slog.Logger
}

// ServeHTTP serves the four routes (httpapi routes them here).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == UnsubscribePath && r.Method == http.MethodGet:
		h.unsubscribePage(w, r)
	case r.URL.Path == UnsubscribePath && r.Method == http.MethodPost:
		h.unsubscribe(w, r)
	case r.URL.Path == AppealPath && r.Method == http.MethodGet:
		h.appealPage(w, r)
	case r.URL.Path == AppealPath && r.Method == http.MethodPost:
		h.appeal(w, r)
	default:
		http.NotFound(w, r)
	}
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#111}
button{font:inherit;padding:.4rem 1rem}textarea{width:100%;font:inherit}</style></head>
<body><main><h1>{{.Title}}</h1>
{{range .Paras}}<p>{{.}}</p>{{end}}
{{if .Button}}<form method="post" action="{{.Action}}">
{{if .Textarea}}<label for="message">{{.Textarea}}</label>
<textarea id="message" name="message" rows="6" maxlength="2000" required></textarea>{{end}}
<p><button type="submit">{{.Button}}</button></p></form>{{end}}
</main></body></html>`))

type pageData struct {
	Lang, Title    string
	Paras          []string
	Action, Button string
	Textarea       string
	status         int
}

func (h *Handler) render(w http.ResponseWriter, d pageData) {
	if d.Lang == "" {
		d.Lang = "en"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	if d.status == 0 {
		d.status = http.StatusOK
	}
	w.WriteHeader(d.status)
	page.Execute(w, d)
}

func (h *Handler) bad(w http.ResponseWriter, status int, msg string) {
	h.render(w, pageData{Title: "This link does not work", Paras: []string{msg}, status: status})
}

func (h *Handler) scope(w http.ResponseWriter, r *http.Request, prefix string) (string, bool) {
	t := r.URL.Query().Get("t")
	if t == "" {
		h.bad(w, http.StatusBadRequest, "The link has no token (t): it may have been cut.")
		return "", false
	}
	scope, err := h.Links.Verify(t)
	if err != nil || !strings.HasPrefix(scope, prefix) {
		h.bad(w, http.StatusNotFound, "The link is not valid: it may have been cut or changed.")
		return "", false
	}
	return strings.TrimPrefix(scope, prefix), true
}

func (h *Handler) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.scope(w, r, "u:"); !ok {
		return
	}
	h.render(w, pageData{Title: "Unsubscribe", Paras: []string{"Stop every email from these comments to this address?"},
		Action: r.URL.RequestURI(), Button: "Unsubscribe"})
}

func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request) {
	rest, ok := h.scope(w, r, "u:")
	if !ok {
		return
	}
	var err error
	switch {
	case strings.HasPrefix(rest, "c:"):
		// u:c:<site>:<hex hmac>; a site ID holds no colon after the last.
		v := strings.TrimPrefix(rest, "c:")
		i := strings.LastIndexByte(v, ':')
		hm, herr := hex.DecodeString(v[i+1:])
		if i < 0 || herr != nil {
			h.bad(w, http.StatusNotFound, "The link is not valid.")
			return
		}
		err = h.Desk.Unsubscribe(r.Context(), v[:i], hm)
	case strings.HasPrefix(rest, "m:"):
		id, perr := strconv.ParseInt(strings.TrimPrefix(rest, "m:"), 10, 64)
		if perr != nil {
			h.bad(w, http.StatusNotFound, "The link is not valid.")
			return
		}
		err = h.Desk.UnsubscribeModerator(r.Context(), id)
		if comment.ErrorCode(err) == comment.CodeNotFound {
			err = nil // the account is gone: nothing is sent to it anyway
		}
	default:
		h.bad(w, http.StatusNotFound, "The link is not valid.")
		return
	}
	if err != nil {
		h.Logger.Error("unsubscribing failed", "err", err)
		h.bad(w, http.StatusServiceUnavailable, "Unsubscribing failed for a moment; please try again.")
		return
	}
	h.render(w, pageData{Title: "Unsubscribed", Paras: []string{"No more email will be sent to this address about these comments."}})
}

func (h *Handler) appealComment(w http.ResponseWriter, r *http.Request) (comment.Comment, bool) {
	rest, ok := h.scope(w, r, "a:")
	if !ok {
		return comment.Comment{}, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		h.bad(w, http.StatusNotFound, "The link is not valid.")
		return comment.Comment{}, false
	}
	c, err := h.Store.Comment(r.Context(), id)
	if err != nil {
		h.bad(w, http.StatusNotFound, "This comment no longer exists.")
		return c, false
	}
	return c, true
}

func (h *Handler) appealPage(w http.ResponseWriter, r *http.Request) {
	c, ok := h.appealComment(w, r)
	if !ok {
		return
	}
	if _, err := h.Store.AppealOf(r.Context(), c.ID); err == nil {
		h.render(w, pageData{Title: "Appeal sent", Paras: []string{"Your appeal of this decision was already sent; a moderator will decide it."}})
		return
	}
	if c.Status != comment.StatusRejected && c.Status != comment.StatusRemoved {
		h.render(w, pageData{Title: "Nothing to appeal", Paras: []string{"This comment is " + string(c.Status) + "; only a rejected or removed comment can be appealed."}})
		return
	}
	h.render(w, pageData{Title: "Appeal the decision", Paras: []string{"Your comment: " + Excerpt(c.Body, 400),
		"You may appeal once; another moderator will look at it where the site has one."},
		Action: r.URL.RequestURI(), Button: "Send appeal", Textarea: "Why should the decision change?"})
}

func (h *Handler) appeal(w http.ResponseWriter, r *http.Request) {
	c, ok := h.appealComment(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	msg := strings.TrimSpace(r.PostFormValue("message"))
	if msg == "" {
		h.render(w, pageData{Title: "Appeal the decision", Paras: []string{"Please say why the decision should change."},
			Action: r.URL.RequestURI(), Button: "Send appeal", Textarea: "Why should the decision change?", status: http.StatusUnprocessableEntity})
		return
	}
	if _, err := h.Desk.Appeal(r.Context(), c, msg); err != nil {
		var status int
		switch comment.ErrorCode(err) {
		case comment.CodeConflict:
			status = http.StatusConflict
		case comment.CodeInvalid:
			status = http.StatusUnprocessableEntity
		default:
			h.Logger.Error("appeal failed", "err", err)
			status = http.StatusServiceUnavailable
		}
		h.render(w, pageData{Title: "The appeal was not sent", Paras: []string{err.Error()}, status: status})
		return
	}
	h.render(w, pageData{Title: "Appeal sent", Paras: []string{"A moderator will decide your appeal."}})
}
