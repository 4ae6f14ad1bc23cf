package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Limiter is a token bucket per key kept in the rate_limits table, so that
// every instance on one database draws from the same buckets. It implements
// httpapi.Limiter. Each check is one atomic UPSERT: concurrent requests from
// several instances cannot both take the last token.
type Limiter struct {
	store *Store
	name  string
	burst float64
	every time.Duration

	mu    sync.Mutex
	sweep time.Time
}

// NewLimiter returns a shared limiter named name (its keys are prefixed with
// it): burst actions at once, then one every every.
func (s *Store) NewLimiter(name string, burst int, every time.Duration) *Limiter {
	return &Limiter{store: s, name: name, burst: float64(burst), every: every}
}

// The bucket refills continuously at one token per every, up to burst. A
// clock that runs behind the last writer's refills nothing (GREATEST), so
// instances with slightly different clocks cannot mint tokens.
const takeTokenSQL = `INSERT INTO rate_limits AS r (key, tokens, updated_at) VALUES ($1, $2::float8 - 1, $3::timestamptz)
ON CONFLICT (key) DO UPDATE SET
	tokens = LEAST($2::float8, r.tokens + GREATEST(0, EXTRACT(EPOCH FROM ($3::timestamptz - r.updated_at))::float8) / $4::float8) - 1,
	updated_at = GREATEST(r.updated_at, $3::timestamptz)
WHERE LEAST($2::float8, r.tokens + GREATEST(0, EXTRACT(EPOCH FROM ($3::timestamptz - r.updated_at))::float8) / $4::float8) >= 1
RETURNING tokens`

// Allow takes a token from key's bucket if there is one; when not, it
// returns how long until there will be.
func (l *Limiter) Allow(ctx context.Context, key string, now time.Time) (bool, time.Duration, error) {
	l.maybeSweep(ctx, now)
	// Keys may be raw hash bytes; the column is text.
	key = l.name + ":" + hex.EncodeToString([]byte(key))
	every := l.every.Seconds()
	var left float64
	err := l.store.pool.QueryRow(ctx, takeTokenSQL, key, l.burst, ts(now), every).Scan(&left)
	if err == nil {
		return true, 0, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return false, 0, storeErr(err, "Rate limit")
	}
	var have float64
	err = l.store.pool.QueryRow(ctx, `SELECT LEAST($2::float8, tokens + GREATEST(0, EXTRACT(EPOCH FROM ($3::timestamptz - updated_at))::float8) / $4::float8)
		FROM rate_limits WHERE key = $1`, key, l.burst, ts(now), every).Scan(&have)
	if err != nil {
		return false, 0, storeErr(err, "Rate limit")
	}
	wait := time.Duration((1 - have) * float64(l.every))
	return false, max(wait, time.Millisecond), nil
}

// maybeSweep deletes buckets full again (idle for burst×every), at most
// once per that period per instance.
func (l *Limiter) maybeSweep(ctx context.Context, now time.Time) {
	full := time.Duration(l.burst) * l.every
	l.mu.Lock()
	due := now.Sub(l.sweep) > full
	if due {
		l.sweep = now
	}
	l.mu.Unlock()
	if due {
		l.store.pool.Exec(ctx, `DELETE FROM rate_limits WHERE key LIKE $1 AND updated_at < $2`,
			l.name+":%", ts(now.Add(-full)))
	}
}
