package httpapi

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/secret"
)

// SessionCookie is the name of the moderator's session cookie.
const SessionCookie = "parley_session"

type ctxKey int

const moderatorKey ctxKey = 0

// ModeratorFrom returns the moderator authenticated for a request.
func ModeratorFrom(ctx context.Context) (comment.Moderator, bool) {
	m, ok := ctx.Value(moderatorKey).(comment.Moderator)
	return m, ok
}

// Authenticate finds the moderator behind a bearer token or a session
// cookie. For a session, unsafe methods must carry the session's CSRF token
// in the X-CSRF-Token header (never a form field: nothing is parsed first).
func (s *Server) Authenticate(r *http.Request) (comment.Moderator, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			return comment.Moderator{}, comment.Errorf(comment.CodeUnauthorized, "The Authorization header must be 'Bearer TOKEN'.")
		}
		return s.Store.TokenModerator(r.Context(), secret.TokenHash(token), s.Now())
	}
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return comment.Moderator{}, comment.Errorf(comment.CodeUnauthorized, "A valid bearer token or moderator session is required.")
	}
	m, csrf, err := s.Store.SessionModerator(r.Context(), secret.TokenHash(ck.Value), s.Now())
	if err != nil {
		return m, err
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// The header only: the API takes no forms, so nothing is parsed
		// before the token is checked.
		got := r.Header.Get("X-CSRF-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(csrf)) != 1 {
			return m, comment.Errorf(comment.CodeForbidden, "The CSRF token is missing or wrong.")
		}
	}
	return m, nil
}

// admin wraps a handler that needs a moderator.
func (s *Server) admin(fn handlerFunc) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		m, err := s.Authenticate(r)
		if err != nil {
			if comment.ErrorCode(err) == comment.CodeUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
			}
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return fn(w, r.WithContext(context.WithValue(r.Context(), moderatorKey, m)))
	})
}

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type moderatorJSON struct {
	Name string       `json:"name"`
	Role comment.Role `json:"role"`
}

type loginResponse struct {
	Moderator moderatorJSON `json:"moderator"`
	CSRFToken string        `json:"csrf_token"`
	ExpiresAt string        `json:"expires_at"`
}

// Login checks a moderator's name and password, throttled (login.go) per
// name and address together, per address and, by a delay only, per name,
// with a bounded number of hashes at once, and returns a new session token and its CSRF token.
func (s *Server) Login(ctx context.Context, name, password, ip string) (comment.Moderator, string, string, time.Time, error) {
	now := s.Now()
	if err := s.throttleLogin(ctx, name, ip); err != nil {
		return comment.Moderator{}, "", "", time.Time{}, err
	}
	bad := comment.Errorf(comment.CodeUnauthorized, "Wrong name or password.")
	m, err := s.Store.ModeratorByName(ctx, name)
	if comment.ErrorCode(err) == comment.CodeNotFound {
		// Spend the same time as a real check, so names cannot be probed by timing.
		if _, err := s.checkPassword(ctx, dummyHash(), password); comment.ErrorCode(err) == comment.CodeTooMany {
			return m, "", "", time.Time{}, err
		}
		return m, "", "", time.Time{}, bad
	}
	if err != nil {
		return m, "", "", time.Time{}, err
	}
	ok, err := s.checkPassword(ctx, m.PasswordHash, password)
	if comment.ErrorCode(err) == comment.CodeTooMany {
		return m, "", "", time.Time{}, err
	}
	if err != nil || !ok || m.Disabled {
		return m, "", "", time.Time{}, bad
	}
	token, csrf := secret.NewToken(), secret.NewToken()
	expires := now.Add(s.SessionTTL)
	if err := s.Store.CreateSession(ctx, m.ID, secret.TokenHash(token), csrf, expires); err != nil {
		return m, "", "", time.Time{}, err
	}
	return m, token, csrf, expires, nil
}

// dummyHash is made on the first login for an unknown name, not at start:
// an argon2id hash costs tens of milliseconds, which every start would pay.
var dummyHash = sync.OnceValue(func() string {
	h, _ := secret.HashPassword("parley-dummy-password")
	return h
})

// SetSessionCookie writes the session cookie: HttpOnly, SameSite=Strict,
// and Secure when the server is reached over TLS.
func (s *Server) SetSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/", Expires: expires, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || strings.HasPrefix(s.BaseURL, "https://"),
	})
}

func (s *Server) loginHandler(w http.ResponseWriter, r *http.Request) error {
	if err := s.checkLoginOrigin(r); err != nil {
		return err
	}
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	var errs []comment.FieldError
	if req.Name == "" {
		errs = append(errs, comment.FieldError{Field: "name", Message: "is required"})
	}
	if req.Password == "" {
		errs = append(errs, comment.FieldError{Field: "password", Message: "is required"})
	}
	if len(errs) > 0 {
		return comment.Invalid(errs...)
	}
	m, token, csrf, expires, err := s.Login(r.Context(), req.Name, req.Password, s.ClientIP(r))
	if err != nil {
		return err
	}
	s.SetSessionCookie(w, r, token, expires)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, loginResponse{Moderator: moderatorJSON{m.Name, m.Role}, CSRFToken: csrf, ExpiresAt: timestamp(expires)})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if ck, err := r.Cookie(SessionCookie); err == nil {
		if err := s.Store.DeleteSession(r.Context(), secret.TokenHash(ck.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	m, _ := ModeratorFrom(r.Context())
	writeJSON(w, http.StatusOK, moderatorJSON{m.Name, m.Role})
	return nil
}

// QueueItem is one comment as a moderator sees it.
type QueueItem struct {
	ID        int64          `json:"id"`
	Site      string         `json:"site"`
	Article   ArticleRef     `json:"article"`
	ParentID  *int64         `json:"parent_id"`
	Author    Author         `json:"author"`
	Body      string         `json:"body"`
	HTML      string         `json:"html"`
	Status    comment.Status `json:"status"`
	CreatedAt string         `json:"created_at"`
	Score     *float64       `json:"score"`
	Flagged   bool           `json:"flagged"`
	Spans     []comment.Span `json:"spans"`
	// Why is the classifier's reason line for a flagged comment ("insult
	// aimed at the person replied to"); empty otherwise.
	Why       string         `json:"why"`
	Reason    comment.Reason `json:"reason,omitempty"`
	Note      string         `json:"note,omitempty"`
	DecidedAt string         `json:"decided_at,omitempty"`
	DecidedBy string         `json:"decided_by,omitempty"`
	// RevisionOf, on an author's edit of a published comment, is that
	// comment's id, and PreviousBody its published text, so the queue can
	// show the change as a diff.
	RevisionOf   int64  `json:"revision_of,omitempty"`
	PreviousBody string `json:"previous_body,omitempty"`
	EditedAt     string `json:"edited_at,omitempty"`
	// SSOSub is the newsroom account a signed-in subscriber's comment was
	// posted under.
	SSOSub string `json:"sso_sub,omitempty"`
	// StaffBy is the moderator who wrote a staff comment (published as
	// the newsroom's, with the Staff badge).
	StaffBy string `json:"staff_by,omitempty"`
	// Holds are the rules that held it, each with what it saw.
	Holds []comment.Hold `json:"holds"`
}

// ArticleRef names an article.
type ArticleRef struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	// TitleVerified is false while the title is the one the first
	// commenter sent, which readers never see.
	TitleVerified bool `json:"title_verified"`
}

// NewQueueItem converts a stored comment for moderators.
func NewQueueItem(c comment.Comment) QueueItem {
	it := QueueItem{
		ID: c.ID, Site: c.SiteID, Article: ArticleRef{c.ArticleURL, c.ArticleTitle, c.ArticleTitleVerified},
		Author: Author{c.AuthorName, c.AuthorWebsite}, Body: c.Body, HTML: c.HTML, Status: c.Status,
		CreatedAt: timestamp(c.CreatedAt), Flagged: c.Flagged, Spans: c.Spans, Reason: c.Reason, Note: c.Note, DecidedBy: c.DecidedBy,
	}
	if it.Spans == nil {
		it.Spans = []comment.Span{}
	}
	if c.ParentID != 0 {
		it.ParentID = &c.ParentID
	}
	if c.Score >= 0 {
		it.Score = &c.Score
	}
	if !c.DecidedAt.IsZero() {
		it.DecidedAt = timestamp(c.DecidedAt)
	}
	if !c.EditedAt.IsZero() {
		it.EditedAt = timestamp(c.EditedAt)
	}
	it.RevisionOf = c.RevisionOf
	it.SSOSub = c.SSOSub
	it.StaffBy = c.StaffBy
	it.Holds = c.Holds
	if it.Holds == nil {
		it.Holds = []comment.Hold{}
	}
	return it
}

type queueResponse struct {
	Items  []QueueItem            `json:"items"`
	Counts map[comment.Status]int `json:"counts"`
	// HoldCounts counts the pending comments per rule that held them.
	HoldCounts map[string]int `json:"hold_counts"`
	Next       *string        `json:"next"`
}

func queryLimit(r *http.Request, def, max int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, badRequest("The limit is out of range.", comment.FieldError{Field: "limit", Message: "must be an integer from 1 to " + strconv.Itoa(max)})
	}
	return n, nil
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	status := comment.Status(q.Get("status"))
	if status == "" {
		status = comment.StatusPending
	}
	if !status.Valid() {
		return badRequest("Unknown status.", comment.FieldError{Field: "status", Message: "must be pending, approved, rejected, spam, removed or deleted"})
	}
	limit, err := queryLimit(r, 50, 200)
	if err != nil {
		return err
	}
	var after comment.Cursor
	if a := q.Get("after"); a != "" {
		if after, err = decodeCursor("after", a); err != nil {
			return err
		}
	}
	m, _ := ModeratorFrom(r.Context())
	siteID, err := scopeSite(m, q.Get("site"))
	if err != nil {
		return err
	}
	if siteID != "" {
		if _, err := s.Store.Site(r.Context(), siteID); err != nil {
			if comment.ErrorCode(err) == comment.CodeNotFound {
				return &comment.Error{Code: comment.CodeNotFound, Message: "Unknown site.", Fields: []comment.FieldError{{Field: "site", Message: "is not a site this server knows"}}}
			}
			return err
		}
	}
	rule, err := queueRule(q.Get("rule"))
	if err != nil {
		return err
	}
	items, err := s.Store.Queue(r.Context(), comment.QueueQuery{SiteID: siteID, Status: status, Rule: rule, After: after, Limit: limit})
	if err != nil {
		return err
	}
	counts, err := s.Store.CountByStatus(r.Context(), siteID)
	if err != nil {
		return err
	}
	holdCounts, err := s.Store.HoldCounts(r.Context(), siteID)
	if err != nil {
		return err
	}
	out := queueResponse{Items: make([]QueueItem, 0, len(items)), Counts: counts, HoldCounts: holdCounts}
	sites := map[string]comment.Site{}
	for _, c := range items {
		it := NewQueueItem(c)
		if it.Why, err = s.queueWhy(r.Context(), c, sites); err != nil {
			return err
		}
		if c.RevisionOf != 0 {
			if orig, err := s.Store.Comment(r.Context(), c.RevisionOf); err == nil {
				it.PreviousBody = orig.Body
			}
		}
		out.Items = append(out.Items, it)
	}
	if len(items) == limit {
		last := items[len(items)-1]
		next := encodeCursor(comment.Cursor{Flagged: last.Flagged, CreatedAt: last.CreatedAt, ID: last.ID})
		out.Next = &next
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// errNotYourSite refuses a moderator a site they do not moderate.
var errNotYourSite = &comment.Error{Code: comment.CodeForbidden, Message: "You do not moderate this site.",
	Fields: []comment.FieldError{{Field: "site", Message: "is not one of your sites"}}}

// scopeSite returns the site a moderator's read is limited to: the one asked
// for when they may see it, the first of their sites when none was asked for.
func scopeSite(m comment.Moderator, requested string) (string, error) {
	if requested == "" && m.Role != comment.RoleAdmin && len(m.Sites) > 0 {
		return m.Sites[0], nil
	}
	if requested != "" && !m.MaySee(requested) {
		return "", errNotYourSite
	}
	return requested, nil
}

type decisionRequest struct {
	Reason comment.Reason `json:"reason"`
	Note   string         `json:"note"`
	// ShareNote lets the decision email tell the author the note.
	ShareNote bool `json:"share_note"`
}

// Decide applies a moderator's decision and drops the cached thread of its
// article on every instance, so that readers see it at once.
func (s *Server) Decide(ctx context.Context, d comment.Decision) (comment.Comment, error) {
	return s.Desk.Decide(ctx, d)
}

func (s *Server) decide(w http.ResponseWriter, r *http.Request, action comment.Action) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req decisionRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	if err := desk.CheckDecision(action, req.Reason, req.Note); err != nil {
		return err
	}
	m, _ := ModeratorFrom(r.Context())
	if m.Role != comment.RoleAdmin && len(m.Sites) > 0 {
		c, err := s.Store.Comment(r.Context(), id)
		if err != nil {
			return err
		}
		if !m.MaySee(c.SiteID) {
			return errNotYourSite
		}
	}
	c, err := s.Decide(r.Context(), comment.Decision{CommentID: id, Action: action, Reason: req.Reason, Note: req.Note, Moderator: m.Name, At: s.Now().UTC(), ShareNote: req.ShareNote})
	if err != nil {
		return err
	}
	it := NewQueueItem(c)
	if it.Why, err = s.queueWhy(r.Context(), c, map[string]comment.Site{}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request) error {
	return s.decide(w, r, comment.ActionApprove)
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request) error {
	return s.decide(w, r, comment.ActionReject)
}

type auditJSON struct {
	ID        int64          `json:"id"`
	At        string         `json:"at"`
	Moderator string         `json:"moderator"`
	Action    comment.Action `json:"action"`
	CommentID int64          `json:"comment_id"`
	Site      string         `json:"site"`
	Reason    comment.Reason `json:"reason,omitempty"`
	Note      string         `json:"note,omitempty"`
}

func (s *Server) audit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := comment.AuditFilter{SiteID: q.Get("site"), Moderator: q.Get("moderator")}
	m, _ := ModeratorFrom(r.Context())
	var err error
	if f.SiteID, err = scopeSite(m, f.SiteID); err != nil {
		return err
	}
	var errs []comment.FieldError
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"comment_id", &f.CommentID}, {"before", &f.BeforeID}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				errs = append(errs, comment.FieldError{Field: p.name, Message: "must be a positive integer"})
			}
			*p.dst = n
		}
	}
	if len(errs) > 0 {
		return badRequest("The query has invalid parameters.", errs...)
	}
	limit, err := queryLimit(r, 100, 500)
	if err != nil {
		return err
	}
	f.Limit = limit
	entries, err := s.Store.Audit(r.Context(), f)
	if err != nil {
		return err
	}
	out := struct {
		Entries []auditJSON `json:"entries"`
		Next    *string     `json:"next"`
	}{Entries: make([]auditJSON, 0, len(entries))}
	for _, e := range entries {
		out.Entries = append(out.Entries, auditJSON{e.ID, timestamp(e.At), e.Moderator, e.Action, e.CommentID, e.SiteID, e.Reason, e.Note})
	}
	if len(entries) == limit {
		next := strconv.FormatInt(entries[len(entries)-1].ID, 10)
		out.Next = &next
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type articleRequest struct {
	Site string `json:"site"`
	URL  string `json:"url"`
}

// SetArticleClosed opens or closes an article to new comments and drops its
// cached thread on every instance; the store's codes.
func (s *Server) SetArticleClosed(ctx context.Context, siteID, url string, closed bool, moderator string) error {
	return s.Desk.SetArticleClosed(ctx, siteID, url, closed, moderator)
}

func (s *Server) setArticleClosed(w http.ResponseWriter, r *http.Request, closed bool) error {
	var req articleRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	var errs []comment.FieldError
	if req.Site == "" {
		errs = append(errs, comment.FieldError{Field: "site", Message: "is required"})
	}
	if req.URL == "" {
		errs = append(errs, comment.FieldError{Field: "url", Message: "is required"})
	}
	if len(errs) > 0 {
		return comment.Invalid(errs...)
	}
	m, _ := ModeratorFrom(r.Context())
	if !m.MaySee(req.Site) {
		return errNotYourSite
	}
	if err := s.SetArticleClosed(r.Context(), req.Site, req.URL, closed, m.Name); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": req.Site, "url": req.URL, "closed": closed})
	return nil
}

func (s *Server) closeArticle(w http.ResponseWriter, r *http.Request) error {
	return s.setArticleClosed(w, r, true)
}

func (s *Server) openArticle(w http.ResponseWriter, r *http.Request) error {
	return s.setArticleClosed(w, r, false)
}
