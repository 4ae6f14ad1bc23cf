package httpapi

import (
	"crypto/subtle"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/moderation"
	"github.com/parleyhq/parley/secret"
)

// ownedComment finds the comment a request's edit token is for, and its
// site; the same 404 for an unknown comment and a wrong token, so a token
// cannot be used to learn which comments exist.
func (s *Server) ownedComment(w http.ResponseWriter, r *http.Request) (comment.Comment, comment.Site, error) {
	id, err := pathID(r)
	if err != nil {
		return comment.Comment{}, comment.Site{}, err
	}
	token := r.URL.Query().Get("token")
	if token == "" {
		return comment.Comment{}, comment.Site{}, badRequest("The edit token is required.", comment.FieldError{Field: "token", Message: "is required"})
	}
	c, err := s.Store.Comment(r.Context(), id)
	if comment.ErrorCode(err) == comment.CodeNotFound || (err == nil && c.RevisionOf != 0) {
		return c, comment.Site{}, errBadToken
	}
	if err != nil {
		return c, comment.Site{}, err
	}
	if subtle.ConstantTimeCompare(secret.TokenHash(token), c.EditTokenHash) != 1 {
		return c, comment.Site{}, errBadToken
	}
	site, err := s.Store.Site(r.Context(), c.SiteID)
	if err != nil {
		return c, site, err
	}
	if err := checkOrigin(w, r, site); err != nil {
		return c, site, err
	}
	return c, site, nil
}

// AppealView is what the author sees of their appeal.
type AppealView struct {
	Status  string `json:"status"` // waiting, upheld or overturned
	Message string `json:"message"`
}

// ownView is what the author of c is shown through their edit token.
func (s *Server) ownView(r *http.Request, c comment.Comment, site comment.Site) OwnComment {
	out := OwnComment{
		ID: c.ID, ArticleURL: c.ArticleURL, Author: Author{Name: c.AuthorName, Website: c.AuthorWebsite},
		Body: c.Body, HTML: c.HTML, Status: c.Status, CreatedAt: timestamp(c.CreatedAt),
	}
	if c.ParentID != 0 {
		out.ParentID = &c.ParentID
	}
	now := s.Now().UTC()
	switch c.Status {
	case comment.StatusPending, comment.StatusSpam:
		// Spam is shown to its author as pending: a bot learns nothing.
		out.Status, out.Message = comment.StatusPending, "Awaiting moderation. "+PendingMessage
		if c.AwaitingVerification {
			out.Message = VerifyMessage
		}
		out.CanEdit = true
	case comment.StatusApproved:
		out.Message = "Your comment has been published."
		deadline := c.CreatedAt.Add(site.EditWindowOrDefault())
		if now.Before(deadline) {
			out.CanEdit = true
			d := timestamp(deadline)
			out.EditDeadline = &d
		}
	case comment.StatusRejected:
		out.Reason = c.Reason
		out.Message = "Your comment was not published: " + reasonText(c.Reason) + "."
	case comment.StatusRemoved:
		out.Reason = c.Reason
		out.Message = "Your comment was removed by a moderator: " + reasonText(c.Reason) + "."
	case comment.StatusDeleted:
		out.Message = "You deleted this comment."
		out.Body, out.HTML = "", ""
	}
	if c.Status == comment.StatusRejected || c.Status == comment.StatusRemoved {
		a, err := s.Store.AppealOf(r.Context(), c.ID)
		switch comment.ErrorCode(err) {
		case "":
			v := AppealView{Status: "waiting", Message: a.Message}
			if a.Outcome != "" {
				v.Status = string(a.Outcome)
			}
			out.Appeal = &v
		case comment.CodeNotFound:
			out.CanAppeal = true
		}
	} else if c.Status == comment.StatusApproved {
		if a, err := s.Store.AppealOf(r.Context(), c.ID); err == nil {
			out.Appeal = &AppealView{Status: string(a.Outcome), Message: a.Message}
		}
	}
	return out
}

// EditRequest is the body of PATCH /api/v1/comments/{id}.
type EditRequest struct {
	Body string `json:"body"`
}

func (s *Server) editComment(w http.ResponseWriter, r *http.Request) error {
	c, site, err := s.ownedComment(w, r)
	if err != nil {
		return err
	}
	var req EditRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if msg := checkBody(req.Body); msg != "" {
		return comment.Invalid(comment.FieldError{Field: "body", Message: msg})
	}
	// An edited reply is scored with the comment it answers, as at submission.
	var cx moderation.Context
	if c.ParentID != 0 {
		if pc, ok, err := s.replyContext(r.Context(), site.ID, c.ParentID); err != nil {
			return err
		} else if ok {
			cx = pc
		}
	}
	a := s.Policy.AssessContext(site, req.Body, cx)
	o := a.Initial(site, comment.StandingNone)
	if o.Status == comment.StatusRejected && o.By != "" {
		// A rule that would reject it as a new comment refuses the edit.
		return comment.Invalid(comment.FieldError{Field: "body", Message: "breaks the site's comment rules: " + o.Note})
	}
	out, err := s.Desk.Edit(r.Context(), site, c, comment.Edit{Body: req.Body, HTML: s.render.Render(req.Body),
		Score: a.Score, Spans: a.Spans, Flagged: o.Flagged})
	if err != nil {
		return err
	}
	cur, err := s.Store.Comment(r.Context(), c.ID)
	if err != nil {
		return err
	}
	view := s.ownView(r, cur, site)
	if out.RevisionOf != 0 {
		view.PendingEdit = true
		view.Message = "Your edit will replace the published text once a moderator approves it."
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, view)
	return nil
}

// checkBody reports what is wrong with a comment body, or "".
func checkBody(body string) string {
	switch {
	case strings.TrimSpace(body) == "":
		return "is required"
	case utf8.RuneCountInString(body) > MaxBodyRunes:
		return "must be at most 10000 characters"
	}
	return checkText(body, true)
}

func (s *Server) deleteComment(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.ownedComment(w, r)
	if err != nil {
		return err
	}
	out, err := s.Desk.Delete(r.Context(), c)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"id": out.ID, "status": out.Status})
	return nil
}

// ReportRequest is the body of POST /api/v1/comments/{id}/reports.
type ReportRequest struct {
	Reason      comment.ReportReason `json:"reason"`
	Explanation string               `json:"explanation"`
	Name        string               `json:"name"`
	Email       string               `json:"email"`
	GoodFaith   bool                 `json:"good_faith"`
}

// MaxExplanationRunes bounds a report's explanation.
const MaxExplanationRunes = 2000

func (s *Server) reportComment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req ReportRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	var errs []comment.FieldError
	bad := func(f, m string) { errs = append(errs, comment.FieldError{Field: f, Message: m}) }
	switch {
	case req.Reason == "":
		bad("reason", "is required: personal_attack, spam, off_topic or illegal")
	case !req.Reason.Valid():
		bad("reason", "must be personal_attack, spam, off_topic or illegal")
	}
	if utf8.RuneCountInString(req.Explanation) > MaxExplanationRunes {
		bad("explanation", "must be at most 2000 characters")
	} else if msg := checkText(req.Explanation, true); msg != "" {
		bad("explanation", msg)
	}
	name := strings.TrimSpace(req.Name)
	if utf8.RuneCountInString(name) > MaxNameRunes {
		bad("name", "must be at most 80 characters")
	} else if msg := checkText(req.Name, false); msg != "" {
		bad("name", msg)
	} else if hasBidiControl(req.Name) {
		// Shown to admins beside the notifier's email, like a commenter's name.
		bad("name", bidiMessage)
	}
	email := strings.TrimSpace(req.Email)
	if email != "" {
		addr, err := mail.ParseAddress(email)
		if len(email) > MaxEmailBytes || err != nil || addr.Name != "" || addr.Address != email {
			bad("email", "must be a valid email address, like name@example.com")
		}
	}
	if req.Reason == comment.ReportIllegal {
		// A notice under the Digital Services Act, Article 16(2).
		if strings.TrimSpace(req.Explanation) == "" {
			bad("explanation", "is required for a report of illegal content: explain why it is illegal")
		}
		if name == "" {
			bad("name", "is required for a report of illegal content")
		}
		if email == "" {
			bad("email", "is required for a report of illegal content")
		}
		if !req.GoodFaith {
			bad("good_faith", "must be confirmed: you believe in good faith that the report is accurate and complete")
		}
	}
	if len(errs) > 0 {
		return comment.Invalid(errs...)
	}
	c, err := s.Store.Comment(r.Context(), id)
	if comment.ErrorCode(err) == comment.CodeNotFound || (err == nil && (c.Status != comment.StatusApproved || c.RevisionOf != 0)) {
		return &comment.Error{Code: comment.CodeNotFound, Message: "No published comment with this id.",
			Fields: []comment.FieldError{{Field: "id", Message: "is not a published comment"}}}
	}
	if err != nil {
		return err
	}
	site, err := s.Store.Site(r.Context(), c.SiteID)
	if err != nil {
		return err
	}
	if err := checkOrigin(w, r, site); err != nil {
		return err
	}
	ipHash := s.Keys.IPHash(s.ClientIP(r))
	ok, wait, err := s.reports.Allow(r.Context(), string(ipHash), s.Now())
	if err != nil {
		return err
	}
	if !ok {
		return comment.TooMany("reports from your address", wait)
	}
	rep := comment.Report{Reason: req.Reason, Explanation: req.Explanation, Name: name, GoodFaith: req.GoodFaith, Reporter: ipHash}
	if email != "" {
		if rep.EmailCipher, err = s.Keys.EncryptEmail(email); err != nil {
			return err
		}
		rep.Reporter = s.Keys.EmailHMAC(email)
	}
	if _, err := s.Desk.Report(r.Context(), site, c, rep); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"message": "Thank you. A moderator will look at this comment."})
	return nil
}

// AppealRequest is the body of POST /api/v1/comments/{id}/appeal.
type AppealRequest struct {
	Message string `json:"message"`
}

func (s *Server) appealComment(w http.ResponseWriter, r *http.Request) error {
	c, site, err := s.ownedComment(w, r)
	if err != nil {
		return err
	}
	var req AppealRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Message) == "" {
		return comment.Invalid(comment.FieldError{Field: "message", Message: "is required: say why the decision should change"})
	}
	if _, err := s.Desk.Appeal(r.Context(), c, req.Message); err != nil {
		return err
	}
	cur, err := s.Store.Comment(r.Context(), c.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusAccepted, s.ownView(r, cur, site))
	return nil
}

// mayAct loads a comment and refuses a moderator a site they do not moderate.
func (s *Server) mayAct(r *http.Request, id int64) (comment.Comment, comment.Moderator, error) {
	m, _ := ModeratorFrom(r.Context())
	c, err := s.Store.Comment(r.Context(), id)
	if err != nil {
		return c, m, err
	}
	if !m.MaySee(c.SiteID) {
		return c, m, errNotYourSite
	}
	return c, m, nil
}

func (s *Server) removeComment(w http.ResponseWriter, r *http.Request) error {
	return s.decide(w, r, comment.ActionRemove)
}

func (s *Server) restoreComment(w http.ResponseWriter, r *http.Request) error {
	return s.decide(w, r, comment.ActionRestore)
}

// ReportedItem is one comment of the Reported queue.
type ReportedItem struct {
	QueueItem
	Reports []ReportJSON `json:"reports"`
}

// ReportJSON is one reader's report as moderators see it: never who
// reported, beyond the name a notice of illegal content gives.
type ReportJSON struct {
	Reason      comment.ReportReason `json:"reason"`
	Explanation string               `json:"explanation,omitempty"`
	Name        string               `json:"name,omitempty"`
	GoodFaith   bool                 `json:"good_faith,omitempty"`
	CreatedAt   string               `json:"created_at"`
}

// scopedPage reads the site (scoped to the moderator's) and limit of a
// moderation list.
func scopedPage(r *http.Request) (m comment.Moderator, siteID string, limit int, err error) {
	m, _ = ModeratorFrom(r.Context())
	if siteID, err = scopeSite(m, r.URL.Query().Get("site")); err != nil {
		return
	}
	limit, err = queryLimit(r, 50, 200)
	return
}

func (s *Server) reportedQueue(w http.ResponseWriter, r *http.Request) error {
	m, siteID, limit, err := scopedPage(r)
	if err != nil {
		return err
	}
	items, err := s.Store.ReportedQueue(r.Context(), siteID, limit)
	if err != nil {
		return err
	}
	out := struct {
		Items []ReportedItem `json:"items"`
	}{Items: []ReportedItem{}}
	for _, it := range items {
		if !m.MaySee(it.Comment.SiteID) {
			continue
		}
		ri := ReportedItem{QueueItem: NewQueueItem(it.Comment), Reports: []ReportJSON{}}
		for _, rp := range it.Reports {
			ri.Reports = append(ri.Reports, ReportJSON{Reason: rp.Reason, Explanation: rp.Explanation, Name: rp.Name,
				GoodFaith: rp.GoodFaith, CreatedAt: timestamp(rp.CreatedAt)})
		}
		out.Items = append(out.Items, ri)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) dismissReports(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, m, err := s.mayAct(r, id)
	if err != nil {
		return err
	}
	if err := s.Desk.DismissReports(r.Context(), c.ID, m.Name); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "status": c.Status, "reports": "dismissed"})
	return nil
}

// AppealItem is one appeal waiting, with the comment and the decision
// under appeal.
type AppealItem struct {
	Comment        QueueItem      `json:"comment"`
	Message        string         `json:"message"`
	CreatedAt      string         `json:"created_at"`
	OriginalStatus comment.Status `json:"original_status"`
	OriginalReason comment.Reason `json:"original_reason,omitempty"`
	OriginalNote   string         `json:"original_note,omitempty"`
	OriginalBy     string         `json:"original_by"`
}

func (s *Server) appealsQueue(w http.ResponseWriter, r *http.Request) error {
	m, siteID, limit, err := scopedPage(r)
	if err != nil {
		return err
	}
	appeals, err := s.Store.Appeals(r.Context(), siteID, limit)
	if err != nil {
		return err
	}
	out := struct {
		Items []AppealItem `json:"items"`
	}{Items: []AppealItem{}}
	for _, a := range appeals {
		if !m.MaySee(a.SiteID) {
			continue
		}
		c, err := s.Store.Comment(r.Context(), a.CommentID)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, AppealItem{Comment: NewQueueItem(c), Message: a.Message, CreatedAt: timestamp(a.CreatedAt),
			OriginalStatus: a.OriginalStatus, OriginalReason: a.OriginalReason, OriginalNote: a.OriginalNote, OriginalBy: a.OriginalBy})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// AppealDecisionRequest is the body of POST /api/v1/admin/comments/{id}/appeal.
type AppealDecisionRequest struct {
	Outcome comment.AppealOutcome `json:"outcome"`
	Note    string                `json:"note"`
}

func (s *Server) decideAppeal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req AppealDecisionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Outcome != comment.AppealUpheld && req.Outcome != comment.AppealOverturned {
		return comment.Invalid(comment.FieldError{Field: "outcome", Message: "must be upheld or overturned"})
	}
	c, m, err := s.mayAct(r, id)
	if err != nil {
		return err
	}
	out, err := s.Desk.DecideAppeal(r.Context(), comment.AppealDecision{CommentID: c.ID, Outcome: req.Outcome, Note: req.Note, Moderator: m.Name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, NewQueueItem(out))
	return nil
}

// BanRequest is the body of POST /api/v1/admin/comments/{id}/ban.
type BanRequest struct {
	Reason string `json:"reason"`
	// Until, RFC 3339, makes the ban a suspension that ends on its own.
	Until string `json:"until"`
	Note  string `json:"note"`
}

func (s *Server) banCommenter(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req BanRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	var until time.Time
	if req.Until != "" {
		if until, err = time.Parse(time.RFC3339, req.Until); err != nil {
			return comment.Invalid(comment.FieldError{Field: "until", Message: "must be an RFC 3339 time, like 2027-01-31T00:00:00Z"})
		}
	}
	return s.setStanding(w, r, id, desk.Ban{Standing: comment.StandingBanned, Until: until, Reason: req.Reason, Note: req.Note})
}

func (s *Server) unbanCommenter(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.setStanding(w, r, id, desk.Ban{Standing: comment.StandingNone})
}

func (s *Server) setStanding(w http.ResponseWriter, r *http.Request, id int64, b desk.Ban) error {
	c, m, err := s.mayAct(r, id)
	if err != nil {
		return err
	}
	site, err := s.Store.Site(r.Context(), c.SiteID)
	if err != nil {
		return err
	}
	b.Comment, b.Moderator = c, m.Name
	rejected, err := s.Desk.SetStanding(r.Context(), site, b)
	if err != nil {
		return err
	}
	if rejected == nil {
		rejected = []int64{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "standing": b.Standing, "rejected": rejected})
	return nil
}

func (s *Server) rejectAllPending(w http.ResponseWriter, r *http.Request) error {
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
	if req.Reason != "" {
		return comment.Invalid(comment.FieldError{Field: "reason", Message: "is always other for this action"})
	}
	c, m, err := s.mayAct(r, id)
	if err != nil {
		return err
	}
	ids, err := s.Desk.RejectAllPending(r.Context(), c, req.Note, m.Name)
	if err != nil {
		return err
	}
	if ids == nil {
		ids = []int64{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"rejected": ids})
	return nil
}
