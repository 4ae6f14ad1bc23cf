package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/parleyhq/parley/comment"
)

// RecentComments returns a site's recent comments, newest first: a
// commenter's, an address's, or everyone's.
func (s *Store) RecentComments(ctx context.Context, q comment.RecentQuery) ([]comment.Comment, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, 1000)
	query := `SELECT ` + commentCols + ` FROM comments c JOIN articles a ON a.id = c.article_id
		WHERE c.site_id = ? AND c.revision_of IS NULL AND c.created_at >= ?`
	args := []any{q.SiteID, micro(q.Since)}
	if q.Since.IsZero() {
		args[1] = int64(0)
	}
	if q.EmailHMAC != nil {
		query += ` AND c.email_hmac = ?`
		args = append(args, q.EmailHMAC)
	}
	if q.IPHash != nil {
		query += ` AND c.ip_hash = ?`
		args = append(args, q.IPHash)
	}
	if q.DecidedOnly {
		query += ` AND c.status IN ('approved', 'rejected', 'spam')`
	}
	query += ` ORDER BY c.created_at DESC, c.id DESC LIMIT ?`
	args = append(args, q.Limit)
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	defer tx.Rollback()
	return queryComments(ctx, tx, query, args...)
}

// HoldCounts counts the pending comments per rule that held them.
func (s *Store) HoldCounts(ctx context.Context, siteID string) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT holds FROM comments
		WHERE (? = '' OR site_id = ?) AND status = 'pending' AND holds <> '[]'`, siteID, siteID)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
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
				counts[h.Rule]++
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
