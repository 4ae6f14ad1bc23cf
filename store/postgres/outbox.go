package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/parleyhq/parley/comment"
)

// insertOutbox queues the outbox items ctx carries inside tx; commentID is
// the comment the write creates or changes.
func insertOutbox(ctx context.Context, tx execer, commentID int64, now time.Time) error {
	return insertItems(ctx, tx, comment.OutboxFrom(ctx, commentID), now)
}

func insertItems(ctx context.Context, tx execer, items []comment.OutboxItem, now time.Time) error {
	for _, it := range comment.PrepareOutbox(items, now) {
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (kind, topic, site_id, comment_id, target, payload, message_id,
			next_attempt, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			it.Kind, it.Topic, it.SiteID, it.CommentID, it.Target, string(it.Payload), it.MessageID,
			ts(it.NextAttempt), ts(it.CreatedAt)); err != nil {
			return storeErr(err, "Outbox")
		}
	}
	return nil
}

// EnqueueOutbox queues items on their own.
func (s *Store) EnqueueOutbox(ctx context.Context, items ...comment.OutboxItem) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return insertItems(ctx, tx, items, time.Now().UTC())
	})
}

const outboxCols = `id, kind, topic, site_id, comment_id, target, payload, message_id, attempts, next_attempt, created_at, sent_at, last_error`

func scanOutbox(row pgx.Row) (comment.OutboxItem, error) {
	var it comment.OutboxItem
	var payload string
	var sent *time.Time
	err := row.Scan(&it.ID, &it.Kind, &it.Topic, &it.SiteID, &it.CommentID, &it.Target, &payload, &it.MessageID,
		&it.Attempts, &it.NextAttempt, &it.CreatedAt, &sent, &it.LastError)
	it.Payload = []byte(payload)
	it.NextAttempt, it.CreatedAt = it.NextAttempt.UTC(), it.CreatedAt.UTC()
	if sent != nil {
		it.SentAt = sent.UTC()
	}
	return it, err
}

// ClaimOutbox hands out due items; FOR UPDATE SKIP LOCKED lets instances
// claim at once without waiting for each other or taking the same item.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]comment.OutboxItem, error) {
	if limit <= 0 {
		limit = 10
	}
	rows, err := s.pool.Query(ctx, `UPDATE outbox SET claimed_until = $1 WHERE id IN (
		SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt <= $2 AND (claimed_until IS NULL OR claimed_until <= $2)
		ORDER BY next_attempt, id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING `+outboxCols,
		ts(now.Add(lease)), ts(now), limit)
	if err != nil {
		return nil, storeErr(err, "Outbox")
	}
	out, err := collectOutbox(rows)
	comment.SortOutbox(out)
	return out, err
}

func collectOutbox(rows pgx.Rows) ([]comment.OutboxItem, error) {
	defer rows.Close()
	var out []comment.OutboxItem
	for rows.Next() {
		it, err := scanOutbox(rows)
		if err != nil {
			return nil, storeErr(err, "Outbox")
		}
		out = append(out, it)
	}
	return out, storeErr(rows.Err(), "Outbox")
}

// MarkOutboxSent records a send.
func (s *Store) MarkOutboxSent(ctx context.Context, id int64, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET sent_at = $1, claimed_until = NULL WHERE id = $2`, ts(at), id)
	return affected(tag, err, id)
}

// MarkOutboxFailed records a failed attempt.
func (s *Store) MarkOutboxFailed(ctx context.Context, id int64, next time.Time, errText string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt = $1, claimed_until = NULL, last_error = $2
		WHERE id = $3`, ts(next), errText, id)
	return affected(tag, err, id)
}

func affected(tag pgconn.CommandTag, err error, id int64) error {
	if err != nil {
		return storeErr(err, "Outbox")
	}
	if tag.RowsAffected() == 0 {
		return comment.Errorf(comment.CodeNotFound, "Outbox item %d not found.", id)
	}
	return nil
}

// OutboxItems lists items, newest first.
func (s *Store) OutboxItems(ctx context.Context, f comment.OutboxFilter) ([]comment.OutboxItem, error) {
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"kind", f.Kind}, {"site_id", f.SiteID}, {"topic", f.Topic}, {"target", f.Target}} {
		if c.v != "" {
			args = append(args, c.v)
			where = append(where, c.col+" = $"+strconv.Itoa(len(args)))
		}
	}
	if f.Pending {
		where = append(where, "sent_at IS NULL")
	}
	q := `SELECT ` + outboxCols + ` FROM outbox`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	args = append(args, limit)
	rows, err := s.pool.Query(ctx, q+` ORDER BY id DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, storeErr(err, "Outbox")
	}
	return collectOutbox(rows)
}

// OutboxBacklog counts unsent items per kind.
func (s *Store) OutboxBacklog(ctx context.Context) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT kind, count(*) FROM outbox WHERE sent_at IS NULL GROUP BY kind`)
	if err != nil {
		return nil, storeErr(err, "Outbox")
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, storeErr(err, "Outbox")
		}
		out[k] = n
	}
	return out, storeErr(rows.Err(), "Outbox")
}

// MarkVerified records a proven email.
func (s *Store) MarkVerified(ctx context.Context, siteID string, emailHMAC []byte, method string, at time.Time) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sites WHERE id = $1)`, siteID).Scan(&exists); err != nil {
			return storeErr(err, "Site")
		}
		if !exists {
			return comment.Errorf(comment.CodeNotFound, "Site %q not found.", siteID)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO commenter_verifications (site_id, email_hmac, method, verified_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (site_id, email_hmac) DO NOTHING`, siteID, emailHMAC, method, ts(at)); err != nil {
			return storeErr(err, "Verification")
		}
		if _, err := tx.Exec(ctx, `UPDATE comments SET awaiting_verification = false
			WHERE site_id = $1 AND email_hmac = $2 AND awaiting_verification`, siteID, emailHMAC); err != nil {
			return storeErr(err, "Verification")
		}
		return insertOutbox(ctx, tx, 0, at)
	})
}

// thenOutbox runs fn, then queues the context's outbox items in the same
// transaction, for the comment id() names once fn has run (a negative ID:
// the write changed nothing, and nothing is queued).
func thenOutbox(ctx context.Context, id func() int64, at time.Time, fn func(pgx.Tx) error) func(pgx.Tx) error {
	return func(tx pgx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		n := id()
		if n < 0 {
			return nil
		}
		return insertOutbox(ctx, tx, n, at)
	}
}
