package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/comment"
)

// CreateModerator adds a moderator account.
func (s *Store) CreateModerator(ctx context.Context, m comment.Moderator) (comment.Moderator, error) {
	sites, err := json.Marshal(nonNil(m.Sites))
	if err != nil {
		return m, storeErr(err, "Moderator")
	}
	err = s.pool.QueryRow(ctx, `INSERT INTO moderators (name, role, password_hash, disabled, sites, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		m.Name, string(m.Role), m.PasswordHash, m.Disabled, string(sites), ts(m.CreatedAt)).Scan(&m.ID)
	return m, storeErr(err, "Moderator")
}

// SetModeratorPassword replaces a moderator's password hash and ends every
// session and token of the account.
func (s *Store) SetModeratorPassword(ctx context.Context, name, hash string) error {
	return s.ReplacePassword(ctx, name, hash, nil)
}

const moderatorCols = `m.id, m.name, m.role, m.password_hash, m.disabled, m.sites, m.created_at`

func scanModerator(row pgx.Row, extra ...any) (comment.Moderator, error) {
	var m comment.Moderator
	var role string
	var sites []byte
	err := row.Scan(append([]any{&m.ID, &m.Name, &role, &m.PasswordHash, &m.Disabled, &sites, &m.CreatedAt}, extra...)...)
	m.Role, m.CreatedAt = comment.Role(role), utc(m.CreatedAt)
	if err == nil && len(sites) > 0 && string(sites) != "[]" {
		err = json.Unmarshal(sites, &m.Sites)
	}
	return m, err
}

// SetModeratorSites replaces the sites a moderator may work on.
func (s *Store) SetModeratorSites(ctx context.Context, name string, sites []string) error {
	raw, err := json.Marshal(nonNil(sites))
	if err != nil {
		return storeErr(err, "Moderator")
	}
	tag, err := s.pool.Exec(ctx, `UPDATE moderators SET sites = $1 WHERE name = $2`, string(raw), name)
	if err != nil {
		return storeErr(err, "Moderator")
	}
	if tag.RowsAffected() == 0 {
		return comment.Errorf(comment.CodeNotFound, "Moderator %q not found.", name)
	}
	return nil
}

// ModeratorByName returns a moderator account.
func (s *Store) ModeratorByName(ctx context.Context, name string) (comment.Moderator, error) {
	m, err := scanModerator(s.pool.QueryRow(ctx, `SELECT `+moderatorCols+` FROM moderators m WHERE m.name = $1`, name))
	return m, storeErr(err, "Moderator")
}

// CreateToken stores a bearer token's hash.
func (s *Store) CreateToken(ctx context.Context, moderatorID int64, tokenHash []byte, createdAt time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO tokens (token_hash, moderator_id, created_at) VALUES ($1, $2, $3)`,
		tokenHash, moderatorID, ts(createdAt))
	return storeErr(err, "Token")
}

var errUnauthorized = &comment.Error{Code: comment.CodeUnauthorized, Message: "A valid bearer token or moderator session is required."}

// ModeratorByToken returns the enabled moderator owning a token that has
// not expired by the wall clock.
func (s *Store) ModeratorByToken(ctx context.Context, tokenHash []byte) (comment.Moderator, error) {
	return s.TokenModerator(ctx, tokenHash, time.Now())
}

// CreateSession stores a login session.
func (s *Store) CreateSession(ctx context.Context, moderatorID int64, sessionHash []byte, csrf string, expires time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (session_hash, moderator_id, csrf, expires_at) VALUES ($1, $2, $3, $4)`,
		sessionHash, moderatorID, csrf, ts(expires))
	return storeErr(err, "Session")
}

// SessionModerator returns the moderator of a live session and its CSRF token.
func (s *Store) SessionModerator(ctx context.Context, sessionHash []byte, now time.Time) (comment.Moderator, string, error) {
	var csrf string
	m, err := scanModerator(s.pool.QueryRow(ctx, `SELECT `+moderatorCols+`, s.csrf FROM sessions s JOIN moderators m ON m.id = s.moderator_id
		WHERE s.session_hash = $1 AND s.expires_at > $2 AND NOT m.disabled`, sessionHash, ts(now)), &csrf)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, "", errUnauthorized
	}
	return m, csrf, storeErr(err, "Session")
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, sessionHash []byte) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE session_hash = $1`, sessionHash)
	return storeErr(err, "Session")
}
