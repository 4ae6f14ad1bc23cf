package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/comment"
)

// RecentComments returns what the rules read of a site's recent comments,
// newest first: a commenter's, an address's, or everyone's, reading only
// the columns the rules use.
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
		WHERE site_id = $1 AND revision_of IS NULL`
	args := []any{q.SiteID}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if !q.Since.IsZero() {
		query += ` AND created_at >= ` + arg(ts(q.Since))
	}
	if q.EmailHMAC != nil {
		query += ` AND email_hmac = ` + arg(q.EmailHMAC)
	}
	if q.IPHash != nil {
		query += ` AND ip_hash = ` + arg(q.IPHash)
	}
	if q.DecidedOnly {
		query += ` AND status IN ('approved', 'rejected', 'spam')`
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ` + arg(q.Limit)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	defer rows.Close()
	var out []comment.Recent
	for rows.Next() {
		var r comment.Recent
		var status string
		if err := rows.Scan(&r.ID, &r.EmailHMAC, &status, &r.CreatedAt, &r.Body); err != nil {
			return nil, storeErr(err, "Comment")
		}
		r.Status, r.CreatedAt = comment.Status(status), r.CreatedAt.UTC()
		out = append(out, r)
	}
	return out, storeErr(rows.Err(), "Comment")
}

// HoldCounts counts the pending comments per rule that held them.
func (s *Store) HoldCounts(ctx context.Context, siteID string) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT h->>'rule', count(DISTINCT c.id) FROM comments c, jsonb_array_elements(c.holds) h
		WHERE ($1 = '' OR c.site_id = $1) AND c.status = 'pending' AND c.holds <> '[]'::jsonb GROUP BY 1`, siteID)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var rule string
		var n int
		if err := rows.Scan(&rule, &n); err != nil {
			return nil, storeErr(err, "Comment")
		}
		counts[rule] = n
	}
	return counts, storeErr(rows.Err(), "Comment")
}

// SetSitePolicy replaces a site's settings and audits the change.
func (s *Store) SetSitePolicy(ctx context.Context, site comment.Site, ch comment.PolicyChange) error {
	lists, err := siteLists(site)
	if err != nil {
		return storeErr(err, "Site")
	}
	return storeErr(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE sites SET origins = $1, flag_threshold = $2, auto_reject_threshold = $3,
			mode = $4, banned_words = $5, suspect_words = $6, link_limit = $7, edit_window_seconds = $8, report_hold = $9,
			address_ban_days = $10, tracking_params = $11, public_figures = $12, settings = $13 WHERE id = $14`,
			lists[0], site.FlagThreshold, site.AutoRejectThreshold, string(site.Mode), lists[1], lists[2], site.LinkLimit,
			int64(site.EditWindow/time.Second), site.ReportHold, site.AddressBanDays, lists[3], site.PublicFigures, lists[4], site.ID)
		if err != nil {
			return storeErr(err, "Site")
		}
		if tag.RowsAffected() == 0 {
			return comment.Errorf(comment.CodeNotFound, "Site %q not found.", site.ID)
		}
		_, err = tx.Exec(ctx, `INSERT INTO audit_log (at, moderator, action, comment_id, site_id, note, target) VALUES ($1, $2, $3, NULL, $4, $5, $6)`,
			ts(ch.At), ch.Moderator, string(comment.ActionSetPolicy), site.ID, ch.Note, site.ID)
		return storeErr(err, "Audit")
	}), "Site")
}
