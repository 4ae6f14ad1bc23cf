package postgres

import (
	"bytes"
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/comment"
)

// TrustedNames returns the names trusted commenters used on a site.
func (s *Store) TrustedNames(ctx context.Context, siteID string) ([]comment.NameHolder, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT c.author_name, c.email_hmac FROM comments c
		WHERE c.site_id = $1 AND c.email_hmac IN (SELECT email_hmac FROM commenters WHERE site_id = $1 AND standing = 'trusted')
		ORDER BY c.author_name`, siteID)
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
		WHERE site_id = $1 AND email_hmac = $2 AND awaiting_verification AND status = 'pending' ORDER BY id`, siteID, emailHMAC)
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

// ProveCommenterKey records a proven browser key.
func (s *Store) ProveCommenterKey(ctx context.Context, siteID string, emailHMAC, keyHash []byte, at time.Time) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sites WHERE id = $1)`, siteID).Scan(&exists); err != nil {
			return storeErr(err, "Site")
		}
		if !exists {
			return comment.Errorf(comment.CodeNotFound, "Site %q not found.", siteID)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO commenter_keys (key_hash, site_id, email_hmac, proven_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (key_hash) DO NOTHING`, keyHash, siteID, emailHMAC, ts(at)); err != nil {
			return storeErr(err, "Commenter")
		}
		var site string
		var hmac []byte
		if err := tx.QueryRow(ctx, `SELECT site_id, email_hmac FROM commenter_keys WHERE key_hash = $1`, keyHash).Scan(&site, &hmac); err != nil {
			return storeErr(err, "Commenter")
		}
		if site != siteID || !bytes.Equal(hmac, emailHMAC) {
			return comment.Errorf(comment.CodeConflict, "This key was proven for another email.")
		}
		return nil
	})
}

// CommenterKeyProven reports whether a key hash is proven for an email.
func (s *Store) CommenterKeyProven(ctx context.Context, siteID string, emailHMAC, keyHash []byte) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM commenter_keys WHERE key_hash = $1 AND site_id = $2 AND email_hmac = $3)`,
		keyHash, siteID, emailHMAC).Scan(&ok)
	return ok, storeErr(err, "Commenter")
}
