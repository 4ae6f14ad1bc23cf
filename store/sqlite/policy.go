package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parleyhq/parley/comment"
)

// RecentComments returns what the rules read of a site's recent comments,
// newest first: a commenter's, an address's, or everyone's. Only the few
// columns the rules use are read, in one statement: a submission makes up
// to four of these reads, and whole rows made them most of its cost.
func (s *Store) RecentComments(ctx context.Context, q comment.RecentQuery) ([]comment.Recent, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, 1000)
	body := "''"
	if q.Bodies {
		body = "body"
	}
	query := `SELECT id, email_hmac, status, created_at, ` + body + ` FROM comments
		WHERE site_id = ? AND revision_of IS NULL AND created_at >= ?`
	args := []any{q.SiteID, micro(q.Since)}
	if q.Since.IsZero() {
		args[1] = int64(0)
	}
	if q.EmailHMAC != nil {
		query += ` AND email_hmac = ?`
		args = append(args, q.EmailHMAC)
	}
	if q.IPHash != nil {
		query += ` AND ip_hash = ?`
		args = append(args, q.IPHash)
	}
	if q.DecidedOnly {
		query += ` AND status IN ('approved', 'rejected', 'spam')`
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, q.Limit)
	st, err := s.readStmt(ctx, query)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	defer rows.Close()
	var out []comment.Recent
	for rows.Next() {
		var r comment.Recent
		var created int64
		if err := rows.Scan(&r.ID, &r.EmailHMAC, &r.Status, &created, &r.Body); err != nil {
			return nil, storeErr(err, "Comment")
		}
		r.CreatedAt = fromMicro(created)
		out = append(out, r)
	}
	return out, storeErr(rows.Err(), "Comment")
}

// HoldCounts counts the pending comments per rule that held them. The
// pending comments' holds are read from their own partial index
// (comments_pending_holds, which SQLite's planner would pass over without
// statistics) and grouped by their text, so each distinct list of holds is
// decoded once: the queue asks this on every page, and reading the rows
// and decoding each comment's holds was two thirds of a queue page.
func (s *Store) HoldCounts(ctx context.Context, siteID string) (map[string]int, error) {
	query := `SELECT holds, count(*) FROM comments INDEXED BY comments_pending_holds
		WHERE site_id = ? AND status = 'pending' AND holds <> '[]' GROUP BY holds`
	args := []any{siteID}
	if siteID == "" {
		query = `SELECT holds, count(*) FROM comments INDEXED BY comments_pending_holds
		WHERE status = 'pending' AND holds <> '[]' GROUP BY holds`
		args = nil
	}
	st, err := s.readStmt(ctx, query)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var raw string
		var n int
		if err := rows.Scan(&raw, &n); err != nil {
			return nil, storeErr(err, "Comment")
		}
		var hs []comment.Hold
		if err := json.Unmarshal([]byte(raw), &hs); err != nil {
			return nil, storeErr(err, "Comment")
		}
		seen := map[string]bool{}
		for _, h := range hs {
			if !seen[h.Rule] {
				seen[h.Rule] = true
				counts[h.Rule] += n
			}
		}
	}
	return counts, storeErr(rows.Err(), "Comment")
}

// SetSitePolicy replaces a site's settings and audits the change.
func (s *Store) SetSitePolicy(ctx context.Context, site comment.Site, ch comment.PolicyChange) error {
	lists, err := siteLists(site)
	if err != nil {
		return storeErr(err, "Site")
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return storeErr(err, "Site")
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE sites SET origins = ?, flag_threshold = ?, auto_reject_threshold = ?,
		mode = ?, banned_words = ?, suspect_words = ?, link_limit = ?, edit_window_seconds = ?, report_hold = ?, address_ban_days = ?,
		tracking_params = ?, public_figures = ?, settings = ? WHERE id = ?`,
		lists[0], site.FlagThreshold, site.AutoRejectThreshold, string(site.Mode), lists[1], lists[2], site.LinkLimit,
		int64(site.EditWindow/time.Second), site.ReportHold, site.AddressBanDays, lists[3], site.PublicFigures, lists[4], site.ID)
	if err != nil {
		return storeErr(err, "Site")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return comment.Errorf(comment.CodeNotFound, "Site %q not found.", site.ID)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, moderator, action, comment_id, site_id, note, target) VALUES (?, ?, ?, NULL, ?, ?, ?)`,
		micro(ch.At), ch.Moderator, string(comment.ActionSetPolicy), site.ID, ch.Note, site.ID); err != nil {
		return storeErr(err, "Audit")
	}
	return storeErr(tx.Commit(), "Site")
}
