package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/moderation"
	"github.com/parleyhq/parley/secret"
)

// Limits on what a comment may carry.
const (
	MaxRequestBytes = 64 << 10
	MaxNameRunes    = 80
	MaxEmailBytes   = 254
	MaxBodyRunes    = 10000
	MaxURLBytes     = 2048
	MaxTitleRunes   = 300
	MaxNoteRunes    = 2000
)

// PendingMessage is what the author is told when a comment is accepted.
const PendingMessage = "Your comment will be posted pending moderator approval."

// PostmoderateMessage is what the author is told of a comment published at
// once, in postmoderate mode.
const PostmoderateMessage = "Your comment appears at once; moderators may remove it."

// SubmitRequest is the body of POST /api/v1/comments.
type SubmitRequest struct {
	Site         string `json:"site"`
	ArticleURL   string `json:"article_url"`
	ArticleTitle string `json:"article_title"`
	ParentID     *int64 `json:"parent_id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Website      string `json:"website"`
	Body         string `json:"body"`
	// Homepage is the honeypot: the widget hides it, bots fill it in.
	Homepage string `json:"homepage"`
	// Notify is what the author asks to be told by email: "decision",
	// "replies", both or none (the default); Lang the language of those
	// messages, "en" (default) or "fr".
	Notify []string `json:"notify"`
	Lang   string   `json:"lang"`
	// SSOToken is a sign-in token the newsroom signed for a subscriber;
	// with one, Name and Email come from the token.
	SSOToken string `json:"sso_token"`
	// CommenterKey is the key this browser got with its first comment held
	// for email verification; once the emailed link is clicked it proves
	// the email for comments sent with it.
	CommenterKey string `json:"commenter_key"`
}

// SubmitResponse is the 202 answer to an accepted comment.
type SubmitResponse struct {
	ID        int64  `json:"id"`
	Status    string `json:"status"`
	Message   string `json:"message"`
	EditToken string `json:"edit_token"`
	// ParentID, for a reply, is the comment it was stored under: the one
	// asked for, or its ancestor when replies nest too deep (Notice says so).
	ParentID *int64 `json:"parent_id,omitempty"`
	Notice   string `json:"notice,omitempty"`
	// AwaitingVerification says the comment waits until its author clicks
	// the link emailed to them (the site verifies emails); CommenterKey is
	// then the key to keep and send with later comments, which the click
	// proves.
	AwaitingVerification bool   `json:"awaiting_verification,omitempty"`
	CommenterKey         string `json:"commenter_key,omitempty"`
}

// decodeJSON reads a JSON body of at most MaxRequestBytes into v, turning
// every way it can be wrong into a 4xx that says what was wrong.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return errContentType
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &httpError{status: http.StatusRequestEntityTooLarge, detail: fmt.Sprintf("The request body is larger than %d bytes.", MaxRequestBytes)}
		}
		return badRequest("The request body could not be read.")
	}
	if !utf8.Valid(raw) {
		return badRequest("The request body must be valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te) && te.Field == "":
			// The body is JSON but not an object (an array, a string…).
			return badRequest("The request body must be a JSON object.")
		case errors.As(err, &te):
			return badRequest("A field has the wrong type.", comment.FieldError{Field: te.Field, Message: "must be a " + jsonType(te.Type.String())})
		case errors.As(err, &se):
			return badRequest(fmt.Sprintf("The request body is not valid JSON (at byte %d).", se.Offset))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			if field == "" {
				return badRequest("The request has a field with an empty name.")
			}
			return badRequest("The request has an unknown field.", comment.FieldError{Field: field, Message: "is not a known field"})
		case errors.Is(err, io.EOF):
			return badRequest("The request body is empty; it must be a JSON object.")
		default:
			return badRequest("The request body is not valid JSON: " + err.Error())
		}
	}
	if dec.More() {
		return badRequest("The request body must hold one JSON object.")
	}
	return nil
}

func jsonType(goType string) string {
	switch {
	case strings.Contains(goType, "int"):
		return "number (an integer)"
	case goType == "string":
		return "string"
	}
	return goType
}

// checkText reports what is wrong with a free-text field, or "".
func checkText(s string, allowNewlines bool) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	for _, r := range s {
		if r == utf8.RuneError {
			continue
		}
		if allowNewlines && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			if allowNewlines {
				return "must not contain control characters other than newline and tab"
			}
			return "must not contain control characters"
		}
	}
	return ""
}

// originOf returns scheme://host[:port] of an absolute http(s) URL.
func originOf(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", false
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), true
}

func validHTTPURL(raw string) bool {
	_, ok := originOf(raw)
	return ok && !strings.ContainsAny(raw, " \t\n\"<>\\`")
}

// validate checks every field of a submission against the site and returns
// every problem at once.
func validate(req *SubmitRequest, site *comment.Site) []comment.FieldError {
	var errs []comment.FieldError
	bad := func(field, msg string) { errs = append(errs, comment.FieldError{Field: field, Message: msg}) }

	if req.Site == "" {
		bad("site", "is required")
	} else if site == nil {
		bad("site", "is not a site this server knows")
	}

	switch {
	case req.ArticleURL == "":
		bad("article_url", "is required")
	case len(req.ArticleURL) > MaxURLBytes:
		bad("article_url", fmt.Sprintf("must be at most %d bytes", MaxURLBytes))
	case checkText(req.ArticleURL, false) != "":
		bad("article_url", checkText(req.ArticleURL, false))
	case !validHTTPURL(req.ArticleURL):
		bad("article_url", "must be an absolute http or https URL")
	case site != nil && !slices.Contains(site.Origins, mustOrigin(req.ArticleURL)):
		bad("article_url", "is not on one of the site's allowed origins")
	}

	if n := utf8.RuneCountInString(req.ArticleTitle); n > MaxTitleRunes {
		bad("article_title", fmt.Sprintf("must be at most %d characters", MaxTitleRunes))
	} else if msg := checkText(req.ArticleTitle, false); msg != "" {
		bad("article_title", msg)
	}

	if req.ParentID != nil && *req.ParentID <= 0 {
		bad("parent_id", "must be the positive id of an approved comment")
	}

	name := strings.TrimSpace(req.Name)
	switch {
	case name == "":
		bad("name", "is required")
	case utf8.RuneCountInString(name) > MaxNameRunes:
		bad("name", fmt.Sprintf("must be at most %d characters", MaxNameRunes))
	case checkText(req.Name, false) != "":
		bad("name", checkText(req.Name, false))
	case hasBidiControl(req.Name):
		bad("name", bidiMessage)
	}

	switch {
	case strings.TrimSpace(req.Email) == "":
		bad("email", "is required")
	case len(req.Email) > MaxEmailBytes:
		bad("email", fmt.Sprintf("must be at most %d characters", MaxEmailBytes))
	default:
		addr, err := mail.ParseAddress(req.Email)
		if err != nil || addr.Name != "" || addr.Address != strings.TrimSpace(req.Email) || !strings.Contains(addr.Address, "@") {
			bad("email", "must be a valid email address, like name@example.com")
		}
	}

	switch {
	case req.Website == "":
	case len(req.Website) > MaxURLBytes:
		bad("website", fmt.Sprintf("must be at most %d bytes", MaxURLBytes))
	case hasBidiControl(req.Website):
		bad("website", bidiMessage)
	case checkText(req.Website, false) != "" || !validHTTPURL(req.Website):
		bad("website", "must be empty or an http or https URL")
	}

	switch {
	case strings.TrimSpace(req.Body) == "":
		bad("body", "is required")
	case utf8.RuneCountInString(req.Body) > MaxBodyRunes:
		bad("body", fmt.Sprintf("must be at most %d characters", MaxBodyRunes))
	case checkText(req.Body, true) != "":
		bad("body", checkText(req.Body, true))
	}
	return errs
}

func mustOrigin(raw string) string {
	o, _ := originOf(raw)
	return o
}

// checkOrigin enforces that a browser request (one with an Origin header)
// comes from one of the site's origins, and answers CORS for it.
func checkOrigin(w http.ResponseWriter, r *http.Request, site comment.Site) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	if !slices.Contains(site.Origins, strings.ToLower(origin)) {
		return &comment.Error{Code: comment.CodeForbidden, Message: "This origin may not post to or read from this site.",
			Fields: []comment.FieldError{{Field: "Origin", Message: "is not one of the site's allowed origins"}}}
	}
	w.Header().Set("Access-Control-Allow-Origin", origin)
	return nil
}

func (s *Server) submitComment(w http.ResponseWriter, r *http.Request) error {
	var req SubmitRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	var site *comment.Site
	if req.Site != "" {
		st, err := s.Store.Site(ctx, req.Site)
		switch comment.ErrorCode(err) {
		case "":
			site = &st
		case comment.CodeNotFound:
		default:
			return err
		}
	}
	if site != nil {
		if err := checkOrigin(w, r, *site); err != nil {
			return err
		}
	}
	claims, err := s.signIn(ctx, w, &req, site)
	if err != nil {
		return err
	}
	if errs := append(validate(&req, site), checkMailOptIn(req.Notify, req.Lang)...); len(errs) > 0 {
		return comment.Invalid(errs...)
	}
	req.ArticleURL = NormalizeArticleURL(req.ArticleURL, site.TrackingParams)
	if req.ArticleURL, err = s.aliases.resolve(ctx, s.Store, site.ID, req.ArticleURL); err != nil {
		return err
	}
	if err := s.Desk.CheckAutoClose(ctx, *site, req.ArticleURL); err != nil {
		return err
	}
	ip := s.ClientIP(r)
	ipHash := s.Keys.IPHash(ip)
	ok, wait, err := s.submit.Allow(r.Context(), s.rateKey(ip), s.Now())
	if err != nil {
		return err
	}
	if !ok {
		return comment.TooMany("comments from your address", wait)
	}
	emailCipher, err := s.Keys.EncryptEmail(strings.TrimSpace(req.Email))
	if err != nil {
		return err
	}
	token := secret.NewToken()
	c := &comment.Comment{
		SiteID:        site.ID,
		ArticleURL:    req.ArticleURL,
		ArticleTitle:  req.ArticleTitle,
		AuthorName:    req.Name,
		AuthorWebsite: req.Website,
		EmailCipher:   emailCipher,
		EmailHMAC:     s.Keys.EmailHMAC(req.Email),
		IPHash:        ipHash,
		Body:          req.Body,
		HTML:          s.render.Render(req.Body),
		Status:        comment.StatusPending,
		EditTokenHash: secret.TokenHash(token),
		CreatedAt:     s.Now().UTC(),
		Notify:        req.Notify,
		NotifyLang:    mailLang(cmp.Or(req.Lang, preferredLang(r))),
	}
	if claims != nil {
		c.SSOSub = claims.Sub
	}
	if err := s.checkName(ctx, *site, req.Name, c.EmailHMAC, claims != nil); err != nil {
		return err
	}
	var notice string
	if req.ParentID != nil {
		if c.ParentID, notice, err = s.capNesting(ctx, *req.ParentID); err != nil {
			return err
		}
	}
	commenter, err := s.Store.Commenter(ctx, site.ID, c.EmailHMAC)
	if err != nil {
		return err
	}
	if err := s.Desk.Refusal(ctx, site.ID, commenter, ipHash); err != nil {
		return err
	}
	if err := s.proveSignedIn(ctx, &commenter, claims); err != nil {
		return err
	}
	proven, err := s.provenHere(ctx, commenter, claims, req.CommenterKey)
	if err != nil {
		return err
	}
	// Scored in context: a reply with the comment it answers.
	var cx moderation.Context
	if c.ParentID != 0 {
		if pc, ok, err := s.replyContext(ctx, site.ID, c.ParentID); err != nil {
			return err
		} else if ok {
			cx = pc
		}
	}
	a := s.Policy.AssessContext(*site, req.Body, cx)
	// Trust counts only for an email proven by this writer: a verified
	// address typed by someone else, without its browser key or a sign-in
	// token, proves nothing.
	a.EmailVerified, commenter.Verified = proven, proven
	c.Score, c.Spans = a.Score, a.Spans
	o, err := s.Desk.Screen(ctx, s.Policy, *site, c, commenter, req.Email, a)
	if err != nil {
		return err
	}
	desk.ApplyOutcome(c, o)
	if req.Homepage != "" {
		c.Status, c.Reason, c.Note, c.DecidedBy = comment.StatusSpam, comment.ReasonSpam, "", "honeypot"
		c.DecidedAt = c.CreatedAt
	}
	key, err := s.submitOrHold(r, *site, c, proven, req.CommenterKey)
	if err != nil {
		return err
	}
	s.articleTitleLater(*site, c.ArticleURL)
	resp := SubmitResponse{ID: c.ID, Status: string(comment.StatusPending), Message: PendingMessage, EditToken: token, Notice: notice}
	if c.AwaitingVerification {
		resp.Message, resp.AwaitingVerification, resp.CommenterKey = VerifyMessage, true, key
	}
	if o.Mode == comment.ModePostmoderate && c.Status == comment.StatusApproved {
		resp.Status, resp.Message = string(comment.StatusApproved), PostmoderateMessage
	}
	if c.ParentID != 0 {
		resp.ParentID = &c.ParentID
	}
	writeJSON(w, http.StatusAccepted, resp)
	return nil
}

// OwnComment is what GET /api/v1/comments/{id} shows the comment's author.
type OwnComment struct {
	ID         int64          `json:"id"`
	ParentID   *int64         `json:"parent_id"`
	ArticleURL string         `json:"article_url"`
	Author     Author         `json:"author"`
	Body       string         `json:"body"`
	HTML       string         `json:"html"`
	Status     comment.Status `json:"status"`
	Message    string         `json:"message"`
	Reason     comment.Reason `json:"reason,omitempty"`
	CreatedAt  string         `json:"created_at"`
	// CanEdit says the author may still edit it, until EditDeadline for a
	// published comment; PendingEdit that an edit waits for review.
	CanEdit      bool    `json:"can_edit"`
	EditDeadline *string `json:"edit_deadline,omitempty"`
	PendingEdit  bool    `json:"pending_edit,omitempty"`
	// CanAppeal says the author may appeal the decision (once); Appeal is
	// the appeal made.
	CanAppeal bool        `json:"can_appeal"`
	Appeal    *AppealView `json:"appeal,omitempty"`
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("The comment id must be a positive integer.", comment.FieldError{Field: "id", Message: "must be a positive integer"})
	}
	return id, nil
}

var errBadToken = &comment.Error{Code: comment.CodeNotFound, Message: "No comment with this id and edit token.",
	Fields: []comment.FieldError{{Field: "token", Message: "does not match this comment"}}}

func (s *Server) ownComment(w http.ResponseWriter, r *http.Request) error {
	c, site, err := s.ownedComment(w, r)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.ownView(r, c, site))
	return nil
}

func reasonText(r comment.Reason) string {
	switch r {
	case comment.ReasonAdHominem:
		return "it attacks a person rather than an argument"
	case comment.ReasonSpam:
		return "it was judged to be spam"
	case comment.ReasonOffTopic:
		return "it is off topic"
	case comment.ReasonLegal:
		return "of a legal notice or order"
	}
	return "it breaks the site's comment rules"
}

// cors answers preflight requests for the public API (next == nil) and marks
// responses as varying by Origin. A preflight is allowed for an origin that
// some site allows; the request itself is then judged against its own site.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		if next != nil {
			next.ServeHTTP(w, r)
			return
		}
		origin := strings.ToLower(r.Header.Get("Origin"))
		if origin == "" || !s.anySiteAllows(r.Context(), origin) {
			s.writeError(w, r, &comment.Error{Code: comment.CodeForbidden, Message: "This origin is not allowed by any site.",
				Fields: []comment.FieldError{{Field: "Origin", Message: "is not one of any site's allowed origins"}}})
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE")
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Server) anySiteAllows(ctx context.Context, origin string) bool {
	sites, err := s.Store.Sites(ctx)
	if err != nil {
		return false
	}
	for _, site := range sites {
		if slices.Contains(site.Origins, origin) {
			return true
		}
	}
	return false
}

// bidiMessage refuses a name or website that could reorder the text shown
// beside it.
const bidiMessage = "must not contain Unicode bidirectional controls (U+202A to U+202E, U+2066 to U+2069)"

// hasBidiControl reports whether s holds a bidirectional embedding,
// override or isolate control, which could make a name reverse the email
// or text shown beside it.
func hasBidiControl(s string) bool {
	for _, r := range s {
		if (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return true
		}
	}
	return false
}

// trackingParams are query parameters that say how a reader arrived, not
// which article they read.
var trackingParams = []string{"fbclid", "gclid", "mc_cid", "mc_eid"}

// NormalizeArticleURL drops the fragment and the tracking parameters
// (utm_*, fbclid, gclid, mc_cid, mc_eid and a site's own list) from an
// article URL, so that one article has one thread. The other parameters
// keep their order and spelling.
func NormalizeArticleURL(raw string, extra []string) string {
	base, frag, _ := strings.Cut(raw, "#")
	_ = frag
	path, query, ok := strings.Cut(base, "?")
	if !ok {
		return base
	}
	var kept []string
	for _, kv := range strings.Split(query, "&") {
		if kv == "" {
			continue
		}
		name, _, _ := strings.Cut(kv, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "utm_") || slices.Contains(trackingParams, lower) || slices.Contains(extra, name) {
			continue
		}
		kept = append(kept, kv)
	}
	if len(kept) == 0 {
		return path
	}
	return path + "?" + strings.Join(kept, "&")
}
