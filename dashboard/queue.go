package dashboard

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/events"
	"github.com/parleyhq/parley/moderation"
)

// pageSize is how many comments a queue page shows.
const pageSize = 50

// tab is one queue: a status, or the flagged part of pending.
type tab struct {
	Name   string
	Label  string
	Status comment.Status
	Flag   bool
	Count  int
}

func tabs() []tab {
	return []tab{
		{Name: "pending", Label: "Pending", Status: comment.StatusPending},
		{Name: "flagged", Label: "Flagged", Status: comment.StatusPending, Flag: true},
		{Name: "approved", Label: "Approved", Status: comment.StatusApproved},
		{Name: "rejected", Label: "Rejected", Status: comment.StatusRejected},
		{Name: "spam", Label: "Spam", Status: comment.StatusSpam},
		{Name: "removed", Label: "Removed", Status: comment.StatusRemoved},
	}
}

// segment is a piece of a comment body, marked when the classifier pointed at it.
type segment struct {
	Text string
	Mark bool
}

// item is one comment as the queue page shows it.
type item struct {
	comment.Comment
	Body    []segment
	Parent  *comment.Comment
	History comment.Commenter
	Email   string // admins only
	Banned  []string
	Suspect []string
	Links   int
	// OverLimit is true when Links exceeds the site's link limit.
	OverLimit bool
	Score     string // "0.87", or "" when not scored
	ScorePct  int
	// Revision is set on an author's edit of a published comment.
	Revision *revision
	// Why is the classifier's reason line for a flagged comment.
	Why string
	// NoCommenter is set for a comment without an email (imported from an
	// export that had none, or staff's): it has no commenter history, and
	// no commenter to ban or trust.
	NoCommenter bool
}

type queueData struct {
	Tab    tab
	Tabs   []tab
	Items  []item
	Search string
	Site   string
	Sites  []comment.Site
	Next   string
	Now    time.Time
	// Decidable is true on the queues whose comments can still be decided.
	Decidable bool
	// Rule filters the pending queue by a rule that held its comments;
	// Rules are the rules with their counts (see policy.go).
	Rule  string
	Rules []ruleCount
}

func (h *Handler) queue(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	var cur tab
	all := tabs()
	for _, t := range all {
		if t.Name == r.PathValue("status") {
			cur = t
		}
	}
	if cur.Name == "" {
		return errNotFound
	}
	qv := r.URL.Query()
	d := queueData{Search: strings.TrimSpace(qv.Get("q")), Now: h.Now()}
	var err error
	if d.Site, err = scopeSite(s, qv.Get("site")); err != nil {
		return err
	}
	if utf8.RuneCountInString(d.Search) > 200 {
		return comment.Invalid(comment.FieldError{Field: "q", Message: "must be at most 200 characters"})
	}
	sites, err := h.Store.Sites(ctx)
	if err != nil {
		return err
	}
	d.Sites = visibleSites(s, sites)
	byID := map[string]comment.Site{}
	for _, st := range sites {
		byID[st.ID] = st
	}
	if _, ok := byID[d.Site]; d.Site != "" && !ok {
		return comment.Invalid(comment.FieldError{Field: "site", Message: "is not a site this server knows"})
	}
	q := comment.QueueQuery{SiteID: d.Site, Status: cur.Status, FlaggedOnly: cur.Flag, Search: d.Search, Limit: pageSize}
	if err := h.ruleFilter(r, &d, &q); err != nil {
		return err
	}
	if a := qv.Get("after"); a != "" {
		c, ok := decodeCursor(a)
		if !ok {
			return comment.Invalid(comment.FieldError{Field: "after", Message: "is not a cursor from this page"})
		}
		q.After = c
	}
	comments, err := h.Store.Queue(ctx, q)
	if err != nil {
		return err
	}
	counts, err := h.Store.CountByStatus(ctx, d.Site)
	if err != nil {
		return err
	}
	flagged, err := h.Store.CountFlagged(ctx, d.Site)
	if err != nil {
		return err
	}
	for i := range all {
		if all[i].Flag {
			all[i].Count = flagged
		} else {
			all[i].Count = counts[all[i].Status]
		}
		if all[i].Name == cur.Name {
			cur.Count = all[i].Count
		}
	}
	d.Tab, d.Tabs = cur, all
	d.Decidable = cur.Status == comment.StatusPending || cur.Status == comment.StatusSpam
	d.Items, err = h.items(r, s, comments, byID)
	if err != nil {
		return err
	}
	if len(comments) == pageSize {
		last := comments[len(comments)-1]
		d.Next = encodeCursor(comment.Cursor{Flagged: last.Flagged, CreatedAt: last.CreatedAt, ID: last.ID})
	}
	h.render(w, r, http.StatusOK, "queue", s, cur.Label, d)
	return nil
}

// items gathers what moderators see beside each comment: its parent, the
// commenter's history, word matches and links.
func (h *Handler) items(r *http.Request, s *session, comments []comment.Comment, sites map[string]comment.Site) ([]item, error) {
	ctx := r.Context()
	histories := map[string]comment.Commenter{}
	out := make([]item, 0, len(comments))
	for _, c := range comments {
		site := sites[c.SiteID]
		// The classifier names the words behind every score; below half the
		// flag threshold they are noise ("a", "but"), so they are not marked.
		spans := c.Spans
		if c.Score < h.Policy.Threshold(site)/2 {
			spans = nil
		}
		it := item{Comment: c, Body: highlight(c.Body, spans)}
		if c.Score >= 0 {
			it.Score = strconv.FormatFloat(c.Score, 'f', 2, 64)
			it.ScorePct = int(c.Score*100 + 0.5)
		}
		// Comments without an email all share the empty email HMAC: they
		// are no one commenter, so none gets the others' history.
		it.NoCommenter = len(c.EmailHMAC) == 0
		if !it.NoCommenter {
			key := c.SiteID + "\x00" + string(c.EmailHMAC)
			hist, ok := histories[key]
			if !ok {
				var err error
				if hist, err = h.Store.Commenter(ctx, c.SiteID, c.EmailHMAC); err != nil {
					return nil, err
				}
				histories[key] = hist
			}
			it.History = hist
		}
		if err := h.revisionOf(ctx, &it); err != nil {
			return nil, err
		}
		if c.ParentID != 0 {
			p, err := h.Store.Comment(ctx, c.ParentID)
			if err != nil && comment.ErrorCode(err) != comment.CodeNotFound {
				return nil, err
			}
			if err == nil {
				it.Parent = &p
			}
		}
		if c.Flagged && c.Score >= 0 {
			var cx moderation.Context
			if it.Parent != nil {
				cx = moderation.Context{Parent: it.Parent.Body, ParentAuthor: it.Parent.AuthorName}
			}
			it.Why = h.Policy.Why(site, c.Body, cx)
		}
		a := moderation.CheckWords(site, c.Body)
		it.Banned, it.Suspect, it.Links = a.Banned, a.Suspect, a.Links
		it.OverLimit = site.LinkLimit > 0 && a.Links > site.LinkLimit
		if s.Moderator.Role == comment.RoleAdmin && h.Keys != nil {
			if email, err := h.Keys.DecryptEmail(c.EmailCipher); err == nil {
				it.Email = email
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// highlight cuts a body into segments at the classifier's spans (byte
// ranges), ignoring spans that are out of range, overlap or split a rune.
func highlight(body string, spans []comment.Span) []segment {
	sorted := append([]comment.Span(nil), spans...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	var out []segment
	pos := 0
	for _, sp := range sorted {
		if sp.Start < pos || sp.End <= sp.Start || sp.End > len(body) || !utf8.RuneStart(body[sp.Start]) ||
			(sp.End < len(body) && !utf8.RuneStart(body[sp.End])) {
			continue
		}
		if sp.Start > pos {
			out = append(out, segment{Text: body[pos:sp.Start]})
		}
		out = append(out, segment{Text: body[sp.Start:sp.End], Mark: true})
		pos = sp.End
	}
	if pos < len(body) {
		out = append(out, segment{Text: body[pos:]})
	}
	return out
}

func encodeCursor(c comment.Cursor) string {
	f := 0
	if c.Flagged {
		f = 1
	}
	return fmt.Sprintf("%d.%d.%d", f, c.CreatedAt.UnixMicro(), c.ID)
}

func decodeCursor(s string) (comment.Cursor, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || (parts[0] != "0" && parts[0] != "1") {
		return comment.Cursor{}, false
	}
	t, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || id <= 0 {
		return comment.Cursor{}, false
	}
	return comment.Cursor{Flagged: parts[0] == "1", CreatedAt: time.UnixMicro(t).UTC(), ID: id}, true
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, comment.Invalid(comment.FieldError{Field: "id", Message: "must be a positive integer"})
	}
	return id, nil
}

// maxNote is the longest note a moderator may write.
const maxNote = 2000

// decisionForm reads and checks a decision's reason and note.
func decisionForm(r *http.Request, action comment.Action) (comment.Reason, string, error) {
	reason := comment.Reason(r.PostFormValue("reason"))
	note := strings.TrimSpace(r.PostFormValue("note"))
	var errs []comment.FieldError
	switch {
	case action == comment.ActionReject && reason == "":
		errs = append(errs, comment.FieldError{Field: "reason", Message: "is required: ad_hominem, spam, off_topic or other"})
	case action == comment.ActionReject && !reason.Valid():
		errs = append(errs, comment.FieldError{Field: "reason", Message: "must be ad_hominem, spam, off_topic or other"})
	case action == comment.ActionApprove:
		reason = ""
	}
	if msg := checkNote(note); msg != "" {
		errs = append(errs, comment.FieldError{Field: "note", Message: msg})
	}
	if len(errs) > 0 {
		return "", "", comment.Invalid(errs...)
	}
	return reason, note, nil
}

func checkNote(note string) string {
	if !utf8.ValidString(note) {
		return "must be valid UTF-8"
	}
	if utf8.RuneCountInString(note) > maxNote {
		return fmt.Sprintf("must be at most %d characters", maxNote)
	}
	for _, r := range note {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return "must not contain control characters"
		}
	}
	return ""
}

// done answers a successful action: JSON to the script, a redirect back to
// a plain form.
func done(w http.ResponseWriter, r *http.Request, v any) {
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, v)
		return
	}
	back(w, r, "/admin/queue/pending")
}

func (h *Handler) decideOne(w http.ResponseWriter, r *http.Request, s *session, action comment.Action) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	reason, note, err := decisionForm(r, action)
	if err != nil {
		return err
	}
	if err := h.mayDecide(r, s, id); err != nil {
		return err
	}
	c, err := h.Desk.Decide(r.Context(), comment.Decision{CommentID: id, Action: action, Reason: reason, Note: note, Moderator: s.Moderator.Name, At: h.Now().UTC(),
		ShareNote: r.PostFormValue("share_note") != ""})
	if err != nil {
		return err
	}
	done(w, r, map[string]any{"id": c.ID, "status": c.Status})
	return nil
}

// mayDecide refuses a moderator a comment of a site they do not moderate.
func (h *Handler) mayDecide(r *http.Request, s *session, id int64) error {
	if s.Moderator.Role == comment.RoleAdmin || len(s.Moderator.Sites) == 0 {
		return nil
	}
	c, err := h.Store.Comment(r.Context(), id)
	if err != nil {
		return err
	}
	if !s.Moderator.MaySee(c.SiteID) {
		return errNotYourSite
	}
	return nil
}

func (h *Handler) approve(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.decideOne(w, r, s, comment.ActionApprove)
}

func (h *Handler) reject(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.decideOne(w, r, s, comment.ActionReject)
}

func (h *Handler) setStanding(w http.ResponseWriter, r *http.Request, s *session, standing comment.Standing) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if msg := checkNote(note); msg != "" {
		return comment.Invalid(comment.FieldError{Field: "note", Message: msg})
	}
	c, err := h.Store.Comment(r.Context(), id)
	if err != nil {
		return err
	}
	if !s.Moderator.MaySee(c.SiteID) {
		return errNotYourSite
	}
	site, err := h.Store.Site(r.Context(), c.SiteID)
	if err != nil {
		return err
	}
	ban := desk.Ban{Comment: c, Standing: standing, Note: note, Moderator: s.Moderator.Name,
		Reason: strings.TrimSpace(r.PostFormValue("ban_reason"))}
	if v := strings.TrimSpace(r.PostFormValue("until")); v != "" && standing == comment.StandingBanned {
		days, err := strconv.Atoi(v)
		if err != nil || days < 1 || days > 3650 {
			return comment.Invalid(comment.FieldError{Field: "until", Message: "must be a number of days from 1 to 3650, or empty for a ban until lifted"})
		}
		ban.Until = h.Now().UTC().Add(time.Duration(days) * 24 * time.Hour)
	}
	rejected, err := h.Desk.SetStanding(r.Context(), site, ban)
	if err != nil {
		return err
	}
	done(w, r, map[string]any{"id": c.ID, "standing": standing, "rejected": nonNil(rejected)})
	return nil
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

func (h *Handler) publish(e events.Event) {
	if h.Events != nil {
		h.Events.Publish(e)
	}
}

func (h *Handler) ban(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.setStanding(w, r, s, comment.StandingBanned)
}

func (h *Handler) trust(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.setStanding(w, r, s, comment.StandingTrusted)
}

func (h *Handler) untrust(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.setStanding(w, r, s, comment.StandingNone)
}

// maxBulk is the most comments one bulk action may decide.
const maxBulk = 200

// bulk approves or rejects several comments. Approving flagged comments
// needs confirm_flagged=1: without it nothing is decided and the answer is
// 409, naming how many are flagged.
func (h *Handler) bulk(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	action := comment.Action(r.PostFormValue("action"))
	if action != comment.ActionApprove && action != comment.ActionReject {
		return comment.Invalid(comment.FieldError{Field: "action", Message: "must be approve or reject"})
	}
	reason, note, err := decisionForm(r, action)
	if err != nil {
		return err
	}
	raw := r.PostForm["id"]
	if len(raw) == 0 {
		return comment.Invalid(comment.FieldError{Field: "id", Message: "select at least one comment"})
	}
	if len(raw) > maxBulk {
		return comment.Invalid(comment.FieldError{Field: "id", Message: fmt.Sprintf("at most %d comments at once", maxBulk)})
	}
	var targets []comment.Comment
	flagged := 0
	for _, v := range raw {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return comment.Invalid(comment.FieldError{Field: "id", Message: "must be positive integers"})
		}
		c, err := h.Store.Comment(ctx, id)
		if err != nil {
			return err
		}
		if !s.Moderator.MaySee(c.SiteID) {
			return errNotYourSite
		}
		if c.Flagged {
			flagged++
		}
		targets = append(targets, c)
	}
	if action == comment.ActionApprove && flagged > 0 && r.PostFormValue("confirm_flagged") != "1" {
		return &comment.Error{Code: comment.CodeConflict,
			Message: fmt.Sprintf("%d of the selected comments are flagged; confirm to approve them too.", flagged),
			Fields:  []comment.FieldError{{Field: "confirm_flagged", Message: "is required to approve flagged comments"}}}
	}
	var decided, skipped []int64
	for _, c := range targets {
		_, err := h.Desk.Decide(ctx, comment.Decision{CommentID: c.ID, Action: action, Reason: reason, Note: note, Moderator: s.Moderator.Name, At: h.Now().UTC()})
		switch comment.ErrorCode(err) {
		case "":
			decided = append(decided, c.ID)
		case comment.CodeConflict:
			skipped = append(skipped, c.ID)
		default:
			return err
		}
	}
	done(w, r, map[string]any{"decided": nonNil(decided), "skipped": nonNil(skipped)})
	return nil
}
