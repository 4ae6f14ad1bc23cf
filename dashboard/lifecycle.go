package dashboard

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
)

// The life of a published comment in the dashboard: the Reported and
// Appeals queues, a comment's own page, and the actions that take a
// published comment back (remove), publish it again (restore), close its
// reports, decide an appeal, lift a ban and reject every pending comment
// of a commenter. Every change goes through the Desk.

// lifecycleFuncs are the template functions of these pages.
var lifecycleFuncs = template.FuncMap{
	// published is a comment's HTML as readers get it: rendered from the
	// author's text and sanitized when the comment was stored, so it is
	// shown exactly as it is (or will be) published.
	"published": func(html string) template.HTML { return template.HTML(html) },
	"removalReasons": func() []comment.Reason {
		return []comment.Reason{comment.ReasonAdHominem, comment.ReasonSpam, comment.ReasonOffTopic, comment.ReasonLegal, comment.ReasonOther}
	},
	"reportReason": func(r comment.ReportReason) string {
		switch r {
		case comment.ReportPersonalAttack:
			return "personal attack"
		case comment.ReportOffTopic:
			return "off-topic"
		case comment.ReportIllegal:
			return "illegal content (DSA notice)"
		}
		return string(r)
	},
	// act is what an action form needs beside its comment.
	"act": func(id int64, standing comment.Standing, csrf, ret string) actForm {
		return actForm{ID: id, Standing: standing, CSRF: csrf, Return: ret}
	},
}

// actForm is the data of an action form partial.
type actForm struct {
	ID       int64
	Standing comment.Standing
	CSRF     string
	Return   string
}

// reportView is one reader's report as moderators see it: the reporter's
// email only for admins, as with commenters.
type reportView struct {
	comment.Report
	Email string
}

type reportedItem struct {
	item
	Reports []reportView
	Readers int
}

type reportedData struct {
	Items []reportedItem
	Site  string
	Sites []comment.Site
	Now   time.Time
}

type appealItem struct {
	item
	Appeal comment.Appeal
}

type appealsData struct {
	Items []appealItem
	Site  string
	Sites []comment.Site
	Now   time.Time
}

// lifecycleQueueLimit is how many comments the Reported and Appeals
// queues show at once.
const lifecycleQueueLimit = 100

// siteScope reads the site filter of a lifecycle queue and the sites the
// account may see.
func (h *Handler) siteScope(r *http.Request, s *session) (string, []comment.Site, map[string]comment.Site, error) {
	site, err := scopeSite(s, r.URL.Query().Get("site"))
	if err != nil {
		return "", nil, nil, err
	}
	sites, err := h.Store.Sites(r.Context())
	if err != nil {
		return "", nil, nil, err
	}
	byID := map[string]comment.Site{}
	for _, st := range sites {
		byID[st.ID] = st
	}
	if _, ok := byID[site]; site != "" && !ok {
		return "", nil, nil, comment.Invalid(comment.FieldError{Field: "site", Message: "is not a site this server knows"})
	}
	return site, visibleSites(s, sites), byID, nil
}

// reported is the Reported queue: published comments with open reports,
// most reported first.
func (h *Handler) reported(w http.ResponseWriter, r *http.Request, s *session) error {
	site, visible, byID, err := h.siteScope(r, s)
	if err != nil {
		return err
	}
	rs, err := h.Store.ReportedQueue(r.Context(), site, lifecycleQueueLimit)
	if err != nil {
		return err
	}
	d := reportedData{Site: site, Sites: visible, Now: h.Now()}
	for _, rep := range rs {
		if !s.Moderator.MaySee(rep.Comment.SiteID) {
			continue
		}
		its, err := h.items(r, s, []comment.Comment{rep.Comment}, byID)
		if err != nil {
			return err
		}
		ri := reportedItem{item: its[0]}
		readers := map[string]bool{}
		for _, p := range rep.Reports {
			v := reportView{Report: p}
			if s.Moderator.Role == comment.RoleAdmin && h.Keys != nil && len(p.EmailCipher) > 0 {
				if email, err := h.Keys.DecryptEmail(p.EmailCipher); err == nil {
					v.Email = email
				}
			}
			readers[string(p.Reporter)] = true
			ri.Reports = append(ri.Reports, v)
		}
		ri.Readers = len(readers)
		d.Items = append(d.Items, ri)
	}
	h.render(w, r, http.StatusOK, "reported", s, "Reported", d)
	return nil
}

// appeals is the Appeals queue: appeals waiting, oldest first, each with
// its comment and the decision under appeal.
func (h *Handler) appeals(w http.ResponseWriter, r *http.Request, s *session) error {
	site, visible, byID, err := h.siteScope(r, s)
	if err != nil {
		return err
	}
	as, err := h.Store.Appeals(r.Context(), site, lifecycleQueueLimit)
	if err != nil {
		return err
	}
	d := appealsData{Site: site, Sites: visible, Now: h.Now()}
	for _, a := range as {
		if !s.Moderator.MaySee(a.SiteID) {
			continue
		}
		c, err := h.Store.Comment(r.Context(), a.CommentID)
		if err != nil {
			return err
		}
		its, err := h.items(r, s, []comment.Comment{c}, byID)
		if err != nil {
			return err
		}
		d.Items = append(d.Items, appealItem{item: its[0], Appeal: a})
	}
	h.render(w, r, http.StatusOK, "appeals", s, "Appeals", d)
	return nil
}

type commentPageData struct {
	Item   item
	Appeal *comment.Appeal
	Now    time.Time
}

// commentPage shows one comment in any status with every action that
// applies to it.
func (h *Handler) commentPage(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
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
	its, err := h.items(r, s, []comment.Comment{c}, map[string]comment.Site{site.ID: site})
	if err != nil {
		return err
	}
	d := commentPageData{Item: its[0], Now: h.Now()}
	switch a, err := h.Store.AppealOf(r.Context(), id); comment.ErrorCode(err) {
	case "":
		d.Appeal = &a
	case comment.CodeNotFound:
	default:
		return err
	}
	h.render(w, r, http.StatusOK, "comment", s, "Comment "+r.PathValue("id"), d)
	return nil
}

// removeOrRestore takes a published comment back (with a reason, legal
// among them, and an optional note) or publishes a removed one again.
func (h *Handler) removeOrRestore(w http.ResponseWriter, r *http.Request, s *session, action comment.Action) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	dec := comment.Decision{CommentID: id, Action: action, Note: strings.TrimSpace(r.PostFormValue("note")), Moderator: s.Moderator.Name, At: h.Now().UTC()}
	if action == comment.ActionRemove {
		dec.Reason = comment.Reason(r.PostFormValue("reason"))
	}
	if err := desk.CheckDecision(dec.Action, dec.Reason, dec.Note); err != nil {
		return err
	}
	if err := h.mayDecide(r, s, id); err != nil {
		return err
	}
	c, err := h.Desk.Decide(r.Context(), dec)
	if err != nil {
		return err
	}
	done(w, r, map[string]any{"id": c.ID, "status": c.Status})
	return nil
}

func (h *Handler) remove(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.removeOrRestore(w, r, s, comment.ActionRemove)
}

func (h *Handler) restore(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.removeOrRestore(w, r, s, comment.ActionRestore)
}

// dismissReports closes a comment's open reports; it stays published.
func (h *Handler) dismissReports(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.mayDecide(r, s, id); err != nil {
		return err
	}
	if err := h.Desk.DismissReports(r.Context(), id, s.Moderator.Name); err != nil {
		return err
	}
	done(w, r, map[string]any{"id": id, "reports": "dismissed"})
	return nil
}

// decideAppeal upholds or overturns an appeal. The Desk refuses the
// moderator who made the original decision when the site has another.
func (h *Handler) decideAppeal(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	outcome := comment.AppealOutcome(r.PostFormValue("outcome"))
	if outcome != comment.AppealUpheld && outcome != comment.AppealOverturned {
		return comment.Invalid(comment.FieldError{Field: "outcome", Message: "must be upheld or overturned"})
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if msg := desk.CheckNote(note); msg != "" {
		return comment.Invalid(comment.FieldError{Field: "note", Message: msg})
	}
	if err := h.mayDecide(r, s, id); err != nil {
		return err
	}
	c, err := h.Desk.DecideAppeal(r.Context(), comment.AppealDecision{CommentID: id, Outcome: outcome, Note: note, Moderator: s.Moderator.Name})
	if err != nil {
		return err
	}
	done(w, r, map[string]any{"id": c.ID, "status": c.Status, "outcome": outcome})
	return nil
}

// unban lifts a ban or suspension of the commenter who wrote a comment.
func (h *Handler) unban(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.setStanding(w, r, s, comment.StandingNone)
}

// rejectPending rejects every pending comment of the commenter who wrote a
// comment, as one action.
func (h *Handler) rejectPending(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if msg := desk.CheckNote(note); msg != "" {
		return comment.Invalid(comment.FieldError{Field: "note", Message: msg})
	}
	c, err := h.Store.Comment(r.Context(), id)
	if err != nil {
		return err
	}
	if !s.Moderator.MaySee(c.SiteID) {
		return errNotYourSite
	}
	ids, err := h.Desk.RejectAllPending(r.Context(), c, note, s.Moderator.Name)
	if err != nil {
		return err
	}
	done(w, r, map[string]any{"id": c.ID, "rejected": nonNil(ids)})
	return nil
}

// articleTitle sets the title of a comment's article, as the newsroom's
// own: readers see it from then on, and the queue stops marking it
// unverified. Any moderator of the site may, from a comment's page.
func (h *Handler) articleTitle(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	title := strings.TrimSpace(r.PostFormValue("title"))
	if msg := desk.CheckTitle(title); msg != "" {
		return comment.Invalid(comment.FieldError{Field: "title", Message: msg})
	}
	c, err := h.Store.Comment(r.Context(), id)
	if err != nil {
		return err
	}
	if !s.Moderator.MaySee(c.SiteID) {
		return errNotYourSite
	}
	a, err := h.Desk.ChangeArticle(r.Context(), comment.ArticleChange{SiteID: c.SiteID, URL: c.ArticleURL, Title: &title, Moderator: s.Moderator.Name})
	if err != nil {
		return err
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"article_url": a.URL, "title": a.Title})
		return nil
	}
	back(w, r, fmt.Sprintf("/admin/comments/%d", c.ID))
	return nil
}
