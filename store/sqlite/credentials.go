package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/parleyhq/parley/comment"
)

// tokenIDBytes is how many leading bytes of a token's hash name it.
const tokenIDBytes = 6

// CreateExpiringToken stores a bearer token's hash with its expiry (zero: never).
func (s *Store) CreateExpiringToken(ctx context.Context, moderatorID int64, tokenHash []byte, createdAt, expires time.Time) error {
	var exp any
	if !expires.IsZero() {
		exp = micro(expires)
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO tokens (token_hash, moderator_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		tokenHash, moderatorID, micro(createdAt), exp)
	return storeErr(err, "Token")
}

// TokenModerator returns the enabled moderator owning a token live at now.
func (s *Store) TokenModerator(ctx context.Context, tokenHash []byte, now time.Time) (comment.Moderator, error) {
	m, err := scanModerator(s.r.QueryRowContext(ctx, `SELECT `+moderatorCols+` FROM tokens t JOIN moderators m ON m.id = t.moderator_id
		WHERE t.token_hash = ? AND m.disabled = 0 AND (t.expires_at IS NULL OR t.expires_at > ?)`, tokenHash, micro(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return m, errUnauthorized
	}
	return m, storeErr(err, "Moderator")
}

// Tokens lists tokens, oldest first.
func (s *Store) Tokens(ctx context.Context, moderator string) ([]comment.Token, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT t.token_hash, m.name, t.created_at, t.expires_at FROM tokens t JOIN moderators m ON m.id = t.moderator_id
		WHERE ? = '' OR m.name = ? ORDER BY t.created_at, t.token_hash`, moderator, moderator)
	if err != nil {
		return nil, storeErr(err, "Token")
	}
	defer rows.Close()
	var out []comment.Token
	for rows.Next() {
		var hash []byte
		var created int64
		var expires sql.NullInt64
		var t comment.Token
		if err := rows.Scan(&hash, &t.Moderator, &created, &expires); err != nil {
			return nil, storeErr(err, "Token")
		}
		t.ID, t.CreatedAt = tokenID(hash), fromMicro(created)
		if expires.Valid {
			t.ExpiresAt = fromMicro(expires.Int64)
		}
		out = append(out, t)
	}
	return out, storeErr(rows.Err(), "Token")
}

func tokenID(hash []byte) string {
	if len(hash) > tokenIDBytes {
		hash = hash[:tokenIDBytes]
	}
	return hex.EncodeToString(hash)
}

// RevokeToken deletes a token by its ID.
func (s *Store) RevokeToken(ctx context.Context, moderator, id string) error {
	prefix, err := hex.DecodeString(id)
	if err != nil || len(prefix) == 0 {
		return comment.Errorf(comment.CodeNotFound, "No token %q.", id)
	}
	res, err := s.w.ExecContext(ctx, `DELETE FROM tokens WHERE substr(token_hash, 1, ?) = ?
		AND (? = '' OR moderator_id = (SELECT id FROM moderators WHERE name = ?))`, tokenIDBytes, prefix, moderator, moderator)
	if err != nil {
		return storeErr(err, "Token")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return comment.Errorf(comment.CodeNotFound, "No token %q.", id)
	}
	return nil
}

// ReplacePassword sets a password hash and ends the account's other credentials.
func (s *Store) ReplacePassword(ctx context.Context, name, hash string, keep []byte) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return storeErr(err, "Moderator")
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, `UPDATE moderators SET password_hash = ? WHERE name = ? RETURNING id`, hash, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return comment.Errorf(comment.CodeNotFound, "Moderator %q not found.", name)
	}
	if err != nil {
		return storeErr(err, "Moderator")
	}
	if keep == nil {
		keep = []byte{}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE moderator_id = ? AND session_hash != ?`, id, keep); err != nil {
		return storeErr(err, "Session")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE moderator_id = ? AND token_hash != ?`, id, keep); err != nil {
		return storeErr(err, "Token")
	}
	return storeErr(tx.Commit(), "Moderator")
}

// DeleteExpiredSessions deletes the sessions expired at now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, micro(now))
	if err != nil {
		return 0, storeErr(err, "Session")
	}
	n, _ := res.RowsAffected()
	return n, nil
}
