package comment

import (
	"context"
	"time"
)

// Token is a bearer token as an admin sees it: never the token itself.
type Token struct {
	// ID names the token in lists and revocations: the first 12 hex digits
	// of its hash (the token cannot be recovered from it).
	ID        string
	Moderator string
	CreatedAt time.Time
	// ExpiresAt is when the token stops working; zero: never.
	ExpiresAt time.Time
}

// Credentials are the sessions and bearer tokens of moderator accounts,
// beyond creating them. Every method reads the database: no server caches a
// credential, so a revocation by the CLI holds from a running server's next
// request on.
type Credentials interface {
	// CreateExpiringToken stores the hash of a bearer token that stops
	// working at expires (zero: never). The CLI and the dashboard call it.
	CreateExpiringToken(ctx context.Context, moderatorID int64, tokenHash []byte, createdAt, expires time.Time) error
	// TokenModerator returns the enabled moderator owning a token hash that
	// has not expired at now; CodeUnauthorized when none. Every API request
	// with a bearer token calls it.
	TokenModerator(ctx context.Context, tokenHash []byte, now time.Time) (Moderator, error)
	// Tokens lists the tokens of one moderator (every moderator's when
	// moderator is ""), oldest first, expired ones included.
	Tokens(ctx context.Context, moderator string) ([]Token, error)
	// RevokeToken deletes the token with this ID, of this moderator unless
	// moderator is ""; CodeNotFound when there is none.
	RevokeToken(ctx context.Context, moderator, id string) error
	// ReplacePassword sets a new password hash and, in the same transaction,
	// ends every session and token of the account except the one whose
	// hash is keep (nil: none), so that a stolen credential dies with the
	// old password; CodeNotFound.
	ReplacePassword(ctx context.Context, name, hash string, keep []byte) error
	// DeleteExpiredSessions deletes the sessions expired at now and returns
	// how many; the server calls it periodically.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}
