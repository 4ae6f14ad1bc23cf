package postgres

import (
	"context"

	"github.com/parleyhq/parley/comment"
)

// TrustedNames returns the names trusted commenters used on a site.
func (s *Store) TrustedNames(ctx context.Context, siteID string) ([]comment.NameHolder, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT c.author_name, c.email_hmac FROM commenters m
		JOIN comments c ON c.site_id = m.site_id AND c.email_hmac = m.email_hmac
		WHERE m.site_id = $1 AND m.standing = 'trusted' ORDER BY c.author_name`, siteID)
	if err != nil {
		return nil, storeErr(err, "Commenter")
	}
	defer rows.Close()
	var out []comment.NameHolder
	for rows.Next() {
		var h comment.NameHolder
		if err := rows.Scan(&h.Name, &h.EmailHMAC); err != nil {
			return nil, storeErr(err, "Commenter")
		}
		out = append(out, h)
	}
	return out, storeErr(rows.Err(), "Commenter")
}

// AwaitingVerification returns a commenter's comments held for verification.
func (s *Store) AwaitingVerification(ctx context.Context, siteID string, emailHMAC []byte) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM comments
		WHERE site_id = $1 AND email_hmac = $2 AND awaiting_verification ORDER BY id`, siteID, emailHMAC)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, storeErr(err, "Comment")
		}
		ids = append(ids, id)
	}
	return ids, storeErr(rows.Err(), "Comment")
}

// awaitingCounts counts the pending comments held for verification (and
// the flagged ones among them), which the queue counts leave out.
func (s *Store) awaitingCounts(ctx context.Context, siteID string) (held, flagged int, err error) {
	err = s.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE flagged) FROM comments
		WHERE awaiting_verification AND status = 'pending' AND ($1 = '' OR site_id = $1)`, siteID).Scan(&held, &flagged)
	return held, flagged, storeErr(err, "Count")
}
