// Package dashboard is the moderators' web interface under /admin/:
// server-rendered pages (html/template), embedded CSS and one small script,
// a strict Content-Security-Policy with no inline script, and a CSRF token
// on every form and state-changing request. Every route is listed in
// routes(); every one but the login page and the static assets needs a
// live session.
package dashboard

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/events"
	"github.com/parleyhq/parley/moderation"
	"github.com/parleyhq/parley/secret"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// CSP is the Content-Security-Policy of every dashboard response.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// API is what the dashboard needs from the JSON API's server
// (*httpapi.Server): its login throttling and sessions. Every change goes
// through Config.Desk.
type API interface {
	Login(ctx context.Context, name, password, ip string) (comment.Moderator, string, string, time.Time, error)
	SetSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time)
}

// Config is what a Handler needs.
type Config struct {
	API   API
	Store comment.Store
	// Desk makes every change (decisions, bans, article changes), so that
	// readers' cached threads and other dashboards hear of it.
	Desk   *desk.Desk
	Keys   *secret.Keyring
	Events events.Events // nil: no live updates
	Policy moderation.Policy
	Logger *slog.Logger
	Now    func() time.Time
	// ClientIP returns the address of a request, for login throttling.
	ClientIP func(*http.Request) string
	// Mail renders queued emails for the Mail page; nil: not shown.
	Mail MailPreviewer
}

// Handler serves the dashboard.
type Handler struct {
	Config
	pages map[string]*page
	mux   *http.ServeMux
	// closing is closed by CloseStreams, ending every event stream.
	closing   chan struct{}
	closeOnce sync.Once
	// streams counts each session's open event streams.
	streams streamCounter
}

// CloseStreams ends every open event stream, so that a graceful shutdown
// does not wait for dashboards that would otherwise listen forever.
// Register it with http.Server.RegisterOnShutdown.
func (h *Handler) CloseStreams() { h.closeOnce.Do(func() { close(h.closing) }) }

// Route is one method and pattern the dashboard serves.
type Route struct {
	Method  string
	Pattern string
	// Public routes answer without a session (the login page, assets).
	Public bool
	// Admin routes need the admin role.
	Admin   bool
	handler handlerFunc
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, s *session) error

// session is the moderator behind a request and their CSRF token.
type session struct {
	Moderator comment.Moderator
	CSRF      string
}

// routes lists every dashboard route; the route-walk test reads it.
func (h *Handler) routes() []Route {
	return append([]Route{
		{Method: "GET", Pattern: "/admin/assets/{file}", Public: true, handler: h.asset},
		{Method: "GET", Pattern: "/admin/login", Public: true, handler: h.loginPage},
		{Method: "POST", Pattern: "/admin/login", Public: true, handler: h.login},
		{Method: "POST", Pattern: "/admin/logout", handler: h.logout},
		{Method: "GET", Pattern: "/admin/{$}", handler: h.home},
		{Method: "GET", Pattern: "/admin/queue/{status}", handler: h.queue},
		{Method: "POST", Pattern: "/admin/comments/{id}/approve", handler: h.approve},
		{Method: "POST", Pattern: "/admin/comments/{id}/reject", handler: h.reject},
		{Method: "POST", Pattern: "/admin/comments/{id}/ban", handler: h.ban},
		{Method: "POST", Pattern: "/admin/comments/{id}/trust", handler: h.trust},
		{Method: "POST", Pattern: "/admin/comments/{id}/untrust", handler: h.untrust},
		{Method: "POST", Pattern: "/admin/bulk", handler: h.bulk},
		{Method: "GET", Pattern: "/admin/reported", handler: h.reported},
		{Method: "GET", Pattern: "/admin/appeals", handler: h.appeals},
		{Method: "GET", Pattern: "/admin/comments/{id}", handler: h.commentPage},
		{Method: "POST", Pattern: "/admin/comments/{id}/remove", handler: h.remove},
		{Method: "POST", Pattern: "/admin/comments/{id}/feature", handler: h.feature},
		{Method: "POST", Pattern: "/admin/comments/{id}/unfeature", handler: h.unfeature},
		{Method: "POST", Pattern: "/admin/comments/{id}/reply", handler: h.staffReply},
		{Method: "POST", Pattern: "/admin/comments/{id}/restore", handler: h.restore},
		{Method: "POST", Pattern: "/admin/comments/{id}/reports/dismiss", handler: h.dismissReports},
		{Method: "POST", Pattern: "/admin/comments/{id}/appeal", handler: h.decideAppeal},
		{Method: "POST", Pattern: "/admin/comments/{id}/unban", handler: h.unban},
		{Method: "POST", Pattern: "/admin/comments/{id}/reject-pending", handler: h.rejectPending},
		{Method: "POST", Pattern: "/admin/comments/{id}/article-title", handler: h.articleTitle},
		{Method: "GET", Pattern: "/admin/events", handler: h.events},
		{Method: "GET", Pattern: "/admin/audit", handler: h.audit},
		{Method: "GET", Pattern: "/admin/stats", handler: h.stats},
		{Method: "GET", Pattern: "/admin/sites", Admin: true, handler: h.sites},
		{Method: "GET", Pattern: "/admin/sites/{site}", Admin: true, handler: h.sitePage},
		{Method: "POST", Pattern: "/admin/sites/{site}", Admin: true, handler: h.saveSite},
		{Method: "POST", Pattern: "/admin/sites/{site}/article", Admin: true, handler: h.articleState},
		{Method: "POST", Pattern: "/admin/sites/{site}/calibrate", Admin: true, handler: h.calibrate},
		{Method: "POST", Pattern: "/admin/sites/{site}/identity", Admin: true, handler: h.saveIdentity},
		{Method: "POST", Pattern: "/admin/sites/{site}/test", Admin: true, handler: h.testPolicy},
		{Method: "POST", Pattern: "/admin/sites/{site}/comment", Admin: true, handler: h.staffArticleComment},
		{Method: "GET", Pattern: "/admin/moderators", Admin: true, handler: h.moderators},
		{Method: "POST", Pattern: "/admin/moderators", Admin: true, handler: h.addModerator},
		{Method: "POST", Pattern: "/admin/moderators/{name}/disable", Admin: true, handler: h.disableModerator},
		{Method: "POST", Pattern: "/admin/moderators/{name}/enable", Admin: true, handler: h.enableModerator},
		{Method: "POST", Pattern: "/admin/moderators/{name}/password", Admin: true, handler: h.resetPassword},
		{Method: "POST", Pattern: "/admin/moderators/{name}/sites", Admin: true, handler: h.setModeratorSites},
		{Method: "POST", Pattern: "/admin/tokens", Admin: true, handler: h.createToken},
		{Method: "POST", Pattern: "/admin/tokens/{id}/revoke", Admin: true, handler: h.revokeToken},
		{Method: "GET", Pattern: "/admin/sites/{site}/webhooks", Admin: true, handler: h.webhooks},
		{Method: "POST", Pattern: "/admin/sites/{site}/webhooks", Admin: true, handler: h.createWebhook},
		{Method: "POST", Pattern: "/admin/sites/{site}/webhooks/{id}", Admin: true, handler: h.updateWebhook},
		{Method: "POST", Pattern: "/admin/sites/{site}/webhooks/{id}/delete", Admin: true, handler: h.deleteWebhook},
		{Method: "POST", Pattern: "/admin/sites/{site}/webhooks/{id}/test", Admin: true, handler: h.testWebhook},
		{Method: "POST", Pattern: "/admin/sites/{site}/data-requests", Admin: true, handler: h.dataRequest},
	}, h.mailRoutes()...)
}

// Routes returns every route, for tests.
func (h *Handler) Routes() []Route { return h.routes() }

// New builds the dashboard handler. Mount it at "/admin/".
func New(cfg Config) (*Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = func(r *http.Request) string { return r.RemoteAddr }
	}
	if cfg.Desk == nil {
		cfg.Desk = desk.New(desk.Config{Store: cfg.Store, Events: cfg.Events, Now: cfg.Now, Logger: cfg.Logger})
	}
	h := &Handler{Config: cfg, pages: map[string]*page{}, mux: http.NewServeMux(), closing: make(chan struct{})}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" || base == "parts" {
			continue
		}
		h.pages[base] = &page{file: name}
	}
	for _, rt := range h.routes() {
		h.mux.Handle(rt.Method+" "+rt.Pattern, h.wrap(rt))
	}
	h.mux.Handle("/admin/", h.wrap(Route{Pattern: "/admin/", handler: func(w http.ResponseWriter, r *http.Request, s *session) error {
		return errNotFound
	}}))
	return h, nil
}

// ServeHTTP serves one dashboard request with its security headers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Content-Type-Options", "nosniff")
	h.mux.ServeHTTP(w, r)
}

var (
	errNotFound  = &comment.Error{Code: comment.CodeNotFound, Message: "No such page."}
	errForbidden = &comment.Error{Code: comment.CodeForbidden, Message: "Only admins may do this."}
	errCSRF      = &comment.Error{Code: comment.CodeForbidden, Message: "The form has expired or the CSRF token is wrong; reload the page and try again."}
)

// wrap authenticates (unless public), checks the role and the CSRF token,
// and turns errors into pages.
func (h *Handler) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s *session
		if !rt.Public {
			w.Header().Set("Cache-Control", "no-store")
			var err error
			s, err = h.session(r)
			if err != nil {
				if comment.ErrorCode(err) == comment.CodeUnauthorized {
					h.unauthorized(w, r)
					return
				}
				h.fail(w, r, nil, err)
				return
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				// Bound the body before anything reads it, whether the
				// CSRF token comes in the header or the form.
				if err := limitForm(w, r); err != nil {
					h.fail(w, r, s, err)
					return
				}
				if !validCSRF(r, s.CSRF) {
					h.fail(w, r, s, errCSRF)
					return
				}
			}
			if rt.Admin && s.Moderator.Role != comment.RoleAdmin {
				h.fail(w, r, s, errForbidden)
				return
			}
		}
		if err := rt.handler(w, r, s); err != nil {
			h.fail(w, r, s, err)
		}
	})
}

func validCSRF(r *http.Request, want string) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf_token")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// session finds the live session of a request's cookie.
func (h *Handler) session(r *http.Request) (*session, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, comment.Errorf(comment.CodeUnauthorized, "Log in first.")
	}
	m, csrf, err := h.Store.SessionModerator(r.Context(), secret.TokenHash(ck.Value), h.Now())
	if err != nil {
		return nil, err
	}
	return &session{Moderator: m, CSRF: csrf}, nil
}

// sessionCookie is the API's session cookie (httpapi.SessionCookie): one
// login serves both the pages and the JSON API.
const sessionCookie = "parley_session"

// unauthorized sends a page request to the login page and answers a script
// (or any non-GET) with 401.
func (h *Handler) unauthorized(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && !wantsJSON(r) && r.URL.Path != "/admin/events" {
		http.Redirect(w, r, "/admin/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	writeJSONError(w, http.StatusUnauthorized, "Your session has expired or you are not logged in.")
}

func wantsJSON(r *http.Request) bool {
	return r.Header.Get("X-Requested-With") == "parley" || strings.Contains(r.Header.Get("Accept"), "application/json")
}

// statusOf maps error codes to HTTP statuses for pages (as httpapi does for the API).
var statusOf = map[comment.Code]int{
	comment.CodeInvalid:      http.StatusUnprocessableEntity,
	comment.CodeNotFound:     http.StatusNotFound,
	comment.CodeConflict:     http.StatusConflict,
	comment.CodeUnauthorized: http.StatusUnauthorized,
	comment.CodeForbidden:    http.StatusForbidden,
	comment.CodeTooMany:      http.StatusTooManyRequests,
	comment.CodeUnavailable:  http.StatusServiceUnavailable,
}

// fail answers an error: JSON to the script, an error page to a browser.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status := statusOf[comment.ErrorCode(err)]
	msg := comment.ErrorMessage(err)
	var tl *tooLargeError
	if errors.As(err, &tl) {
		status, msg = http.StatusRequestEntityTooLarge, tl.Error()
	}
	if status == 0 {
		status = http.StatusInternalServerError
		msg = "Internal error."
		h.Logger.Error("dashboard", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var fields []comment.FieldError
	var ce *comment.Error
	if errors.As(err, &ce) {
		fields = ce.Fields
	}
	if wantsJSON(r) {
		writeJSONError(w, status, msg, fields...)
		return
	}
	h.render(w, r, status, "error", s, "Error", map[string]any{"Status": status, "Message": msg, "Fields": fields})
}

// view is what every page template receives.
type view struct {
	Title string
	Me    *comment.Moderator
	CSRF  string
	Path  string
	Data  any
}

// page is one page's template, parsed when first shown: parsing all of
// them (each with the layout and the shared parts) was a third of a
// server's start. TestEveryPageParses parses each one.
type page struct {
	file string
	once sync.Once
	t    *template.Template
	err  error
}

func (p *page) template() (*template.Template, error) {
	p.once.Do(func() {
		p.t, p.err = template.New("layout.html").Funcs(funcs).Funcs(lifecycleFuncs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", p.file)
	})
	return p.t, p.err
}

// render executes a page into a buffer first, so a template error never
// sends half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, s *session, title string, data any) {
	t, err := h.pages[page].template()
	if err != nil {
		h.Logger.Error("dashboard template", "page", page, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	v := view{Title: title, Path: r.URL.Path, Data: data}
	if s != nil {
		v.CSRF = s.CSRF
		// The login page has a CSRF token but nobody logged in.
		if s.Moderator.Name != "" {
			v.Me = &s.Moderator
		}
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		h.Logger.Error("dashboard template", "page", page, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (h *Handler) asset(w http.ResponseWriter, r *http.Request, _ *session) error {
	name := r.PathValue("file")
	var ctype string
	switch {
	case strings.HasSuffix(name, ".css"):
		ctype = "text/css; charset=utf-8"
	case strings.HasSuffix(name, ".js"):
		ctype = "text/javascript; charset=utf-8"
	default:
		return errNotFound
	}
	b, err := assetFS.ReadFile("assets/" + name)
	if err != nil {
		return errNotFound
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(b)
	return nil
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request, _ *session) error {
	http.Redirect(w, r, "/admin/queue/pending", http.StatusSeeOther)
	return nil
}

// errNotYourSite refuses a moderator a site they do not moderate.
var errNotYourSite = &comment.Error{Code: comment.CodeForbidden, Message: "You do not moderate this site.",
	Fields: []comment.FieldError{{Field: "site", Message: "is not one of your sites"}}}

// scopeSite returns the site a request may look at: the one asked for when
// the account may see it, and for a moderator limited to some sites, the
// first of them when none was asked for.
func scopeSite(s *session, requested string) (string, error) {
	m := s.Moderator
	if requested == "" && m.Role != comment.RoleAdmin && len(m.Sites) > 0 {
		return m.Sites[0], nil
	}
	if requested != "" && !m.MaySee(requested) {
		return "", errNotYourSite
	}
	return requested, nil
}

// visibleSites keeps the sites an account may see.
func visibleSites(s *session, sites []comment.Site) []comment.Site {
	var out []comment.Site
	for _, st := range sites {
		if s.Moderator.MaySee(st.ID) {
			out = append(out, st)
		}
	}
	return out
}

// back redirects a form post to where it came from (a /admin/ path only).
func back(w http.ResponseWriter, r *http.Request, def string) {
	to := r.PostFormValue("return")
	if !strings.HasPrefix(to, "/admin/") || strings.HasPrefix(to, "//") || strings.ContainsAny(to, "\\\r\n") {
		to = def
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
