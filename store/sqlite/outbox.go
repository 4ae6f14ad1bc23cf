package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
)

type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// insertOutbox queues the outbox items ctx carries inside tx; commentID is
// the comment the write creates or changes.
func insertOutbox(ctx context.Context, tx execer, commentID int64, now time.Time) error {
	return insertItems(ctx, tx, comment.OutboxFrom(ctx, commentID), now)
}

func insertItems(ctx context.Context, tx execer, items []comment.OutboxItem, now time.Time) error {
	for _, it := range comment.PrepareOutbox(items, now) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (kind, topic, site_id, comment_id, target, payload, message_id,
			next_attempt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			it.Kind, it.Topic, it.SiteID, it.CommentID, it.Target, string(it.Payload), it.MessageID,
			micro(it.NextAttempt), micro(it.CreatedAt)); err != nil {
			return storeErr(err, "Outbox")
		}
	}
	return nil
}

// EnqueueOutbox queues items on their own.
func (s *Store) EnqueueOutbox(ctx context.Context, items ...comment.OutboxItem) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return storeErr(err, "Outbox")
	}
	defer tx.Rollback()
	if err := insertItems(ctx, tx, items, time.Now().UTC()); err != nil {
		return err
	}
	return storeErr(tx.Commit(), "Outbox")
}

const outboxCols = `id, kind, topic, site_id, comment_id, target, payload, message_id, attempts, next_attempt, created_at, sent_at, last_error`

func scanOutbox(row interface{ Scan(...any) error }) (comment.OutboxItem, error) {
	var it comment.OutboxItem
	var payload string
	var next, created int64
	var sent sql.NullInt64
	err := row.Scan(&it.ID, &it.Kind, &it.Topic, &it.SiteID, &it.CommentID, &it.Target, &payload, &it.MessageID,
		&it.Attempts, &next, &created, &sent, &it.LastError)
	it.Payload = []byte(payload)
	it.NextAttempt, it.CreatedAt = fromMicro(next), fromMicro(created)
	if sent.Valid {
		it.SentAt = fromMicro(sent.Int64)
	}
	return it, err
}

// ClaimOutbox hands out due items; the one writer connection makes each
// claim exclusive.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]comment.OutboxItem, error) {
	if limit <= 0 {
		limit = 10
	}
	rows, err := s.w.QueryContext(ctx, `UPDATE outbox SET claimed_until = ? WHERE id IN (
		SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
		ORDER BY next_attempt, id LIMIT ?) RETURNING `+outboxCols,
		micro(now.Add(lease)), micro(now), micro(now), limit)
	if err != nil {
		return nil, storeErr(err, "Outbox")
	}
	return collectOutbox(rows)
}

func collectOutbox(rows *sql.Rows) ([]comment.OutboxItem, error) {
	defer rows.Close()
	var out []comment.OutboxItem
	for rows.Next() {
		it, err := scanOutbox(rows)
		if err != nil {
			return nil, storeErr(err, "Outbox")
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "Outbox")
	}
	// RETURNING gives no order; hand them out oldest due first.
	comment.SortOutbox(out)
	return out, nil
}

// MarkOutboxSent records a send.
func (s *Store) MarkOutboxSent(ctx context.Context, id int64, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE outbox SET sent_at = ?, claimed_until = NULL WHERE id = ?`, micro(at), id)
	return affected(res, err, "Outbox", id)
}

// MarkOutboxFailed records a failed attempt.
func (s *Store) MarkOutboxFailed(ctx context.Context, id int64, next time.Time, errText string) error {
	res, err := s.w.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, claimed_until = NULL, last_error = ?
		WHERE id = ?`, micro(next), errText, id)
	return affected(res, err, "Outbox", id)
}

func affected(res sql.Result, err error, what string, id int64) error {
	if err != nil {
		return storeErr(err, what)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return comment.Errorf(comment.CodeNotFound, "%s item %d not found.", what, id)
	}
	return nil
}

// OutboxItems lists items, newest first.
func (s *Store) OutboxItems(ctx context.Context, f comment.OutboxFilter) ([]comment.OutboxItem, error) {
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"kind", f.Kind}, {"site_id", f.SiteID}, {"topic", f.Topic}, {"target", f.Target}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
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
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, storeErr(err, "Outbox")
	}
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

// OutboxBacklog counts unsent items per kind.
func (s *Store) OutboxBacklog(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT kind, count(*) FROM outbox WHERE sent_at IS NULL GROUP BY kind`)
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
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return storeErr(err, "Verification")
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sites WHERE id = ?`, siteID).Scan(&n); err != nil {
		return storeErr(err, "Site")
	}
	if n == 0 {
		return comment.Errorf(comment.CodeNotFound, "Site %q not found.", siteID)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO commenter_verifications (site_id, email_hmac, method, verified_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (site_id, email_hmac) DO NOTHING`, siteID, emailHMAC, method, micro(at)); err != nil {
		return storeErr(err, "Verification")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE comments SET awaiting_verification = 0
		WHERE site_id = ? AND email_hmac = ? AND awaiting_verification = 1`, siteID, emailHMAC); err != nil {
		return storeErr(err, "Verification")
	}
	if err := insertOutbox(ctx, tx, 0, at); err != nil {
		return err
	}
	return storeErr(tx.Commit(), "Verification")
}
