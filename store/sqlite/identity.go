package sqlite

import (
	"context"

	"github.com/parleyhq/parley/comment"
)

// TrustedNames returns the names trusted commenters used on a site.
func (s *Store) TrustedNames(ctx context.Context, siteID string) ([]comment.NameHolder, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT c.author_name, c.email_hmac FROM commenters m
		JOIN comments c ON c.site_id = m.site_id AND c.email_hmac = m.email_hmac
		WHERE m.site_id = ? AND m.standing = 'trusted' ORDER BY c.author_name`, siteID)
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
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM comments
		WHERE site_id = ? AND email_hmac = ? AND awaiting_verification = 1 ORDER BY id`, siteID, emailHMAC)
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
	err = s.r.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(flagged), 0) FROM comments INDEXED BY comments_awaiting
		WHERE awaiting_verification = 1 AND status = 'pending' AND (? = '' OR site_id = ?)`, siteID, siteID).Scan(&held, &flagged)
	return held, flagged, storeErr(err, "Count")
}
