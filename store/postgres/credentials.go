package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/comment"
)

// tokenIDBytes is how many leading bytes of a token's hash name it.
const tokenIDBytes = 6

// CreateExpiringToken stores a bearer token's hash with its expiry (zero: never).
func (s *Store) CreateExpiringToken(ctx context.Context, moderatorID int64, tokenHash []byte, createdAt, expires time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO tokens (token_hash, moderator_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		tokenHash, moderatorID, ts(createdAt), nullTime(expires))
	return storeErr(err, "Token")
}

// TokenModerator returns the enabled moderator owning a token live at now.
func (s *Store) TokenModerator(ctx context.Context, tokenHash []byte, now time.Time) (comment.Moderator, error) {
	m, err := scanModerator(s.pool.QueryRow(ctx, `SELECT `+moderatorCols+` FROM tokens t JOIN moderators m ON m.id = t.moderator_id
		WHERE t.token_hash = $1 AND NOT m.disabled AND (t.expires_at IS NULL OR t.expires_at > $2)`, tokenHash, ts(now)))
	if errors.Is(err, pgx.ErrNoRows) {
		return m, errUnauthorized
	}
	return m, storeErr(err, "Moderator")
}

// Tokens lists tokens, oldest first.
func (s *Store) Tokens(ctx context.Context, moderator string) ([]comment.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT t.token_hash, m.name, t.created_at, t.expires_at FROM tokens t JOIN moderators m ON m.id = t.moderator_id
		WHERE $1 = '' OR m.name = $1 ORDER BY t.created_at, t.token_hash`, moderator)
	if err != nil {
		return nil, storeErr(err, "Token")
	}
	defer rows.Close()
	var out []comment.Token
	for rows.Next() {
		var hash []byte
		var expires *time.Time
		var t comment.Token
		if err := rows.Scan(&hash, &t.Moderator, &t.CreatedAt, &expires); err != nil {
			return nil, storeErr(err, "Token")
		}
		t.ID, t.CreatedAt = tokenID(hash), utc(t.CreatedAt)
		if expires != nil {
			t.ExpiresAt = utc(*expires)
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
	tag, err := s.pool.Exec(ctx, `DELETE FROM tokens WHERE substring(token_hash from 1 for $1) = $2
		AND ($3 = '' OR moderator_id = (SELECT id FROM moderators WHERE name = $3))`, tokenIDBytes, prefix, moderator)
	if err != nil {
		return storeErr(err, "Token")
	}
	if tag.RowsAffected() == 0 {
		return comment.Errorf(comment.CodeNotFound, "No token %q.", id)
	}
	return nil
}

// ReplacePassword sets a password hash and ends the account's other credentials.
func (s *Store) ReplacePassword(ctx context.Context, name, hash string, keep []byte) error {
	if keep == nil {
		keep = []byte{}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE moderators SET password_hash = $1 WHERE name = $2 RETURNING id`, hash, name).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return comment.Errorf(comment.CodeNotFound, "Moderator %q not found.", name)
		}
		if err != nil {
			return storeErr(err, "Moderator")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE moderator_id = $1 AND session_hash <> $2`, id, keep); err != nil {
			return storeErr(err, "Session")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM tokens WHERE moderator_id = $1 AND token_hash <> $2`, id, keep); err != nil {
			return storeErr(err, "Token")
		}
		return nil
	})
	return storeErr(err, "Moderator")
}

// DeleteExpiredSessions deletes the sessions expired at now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, ts(now))
	if err != nil {
		return 0, storeErr(err, "Session")
	}
	return tag.RowsAffected(), nil
}
