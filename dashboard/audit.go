package dashboard

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/parleyhq/parley/comment"
)

type auditData struct {
	Entries []comment.AuditEntry
	Filter  comment.AuditFilter
	Actions []comment.Action
	Next    int64
	Query   string // the filter as a query string, for the next page link
}

// auditActions are the actions the audit log can be filtered by: every
// action written to it, those after publication (remove, restore, reports,
// edits, appeals) and on articles included.
var auditActions = []comment.Action{
	comment.ActionApprove, comment.ActionReject, comment.ActionHold,
	comment.ActionRemove, comment.ActionRestore, comment.ActionDismissReports,
	comment.ActionEdit, comment.ActionDelete,
	comment.ActionAppeal, comment.ActionUphold, comment.ActionOverturn,
	comment.ActionBan, comment.ActionTrust, comment.ActionClearStanding,
	comment.ActionFeature, comment.ActionUnfeature,
	comment.ActionCloseArticle, comment.ActionOpenArticle, comment.ActionSetTitle, comment.ActionCanonical,
	comment.ActionSetPolicy, comment.ActionDataExport, comment.ActionDataErase,
}

func (h *Handler) audit(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	f := comment.AuditFilter{SiteID: q.Get("site"), Moderator: q.Get("moderator"), Action: comment.Action(q.Get("action")), Limit: 100}
	var err error
	if f.SiteID, err = scopeSite(s, f.SiteID); err != nil {
		return err
	}
	var errs []comment.FieldError
	if f.Action != "" && !slices.Contains(auditActions, f.Action) {
		errs = append(errs, comment.FieldError{Field: "action", Message: "must be one of the actions the list offers, like approve, reject, remove or appeal"})
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"comment", &f.CommentID}, {"before", &f.BeforeID}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				errs = append(errs, comment.FieldError{Field: p.name, Message: "must be a positive integer"})
			}
			*p.dst = n
		}
	}
	if len(errs) > 0 {
		return comment.Invalid(errs...)
	}
	entries, err := h.Store.Audit(r.Context(), f)
	if err != nil {
		return err
	}
	d := auditData{Entries: entries, Filter: f, Actions: auditActions}
	if len(entries) == f.Limit {
		d.Next = entries[len(entries)-1].ID
		nq := r.URL.Query()
		nq.Set("before", strconv.FormatInt(d.Next, 10))
		d.Query = nq.Encode()
	}
	h.render(w, r, http.StatusOK, "audit", s, "Audit log", d)
	return nil
}
