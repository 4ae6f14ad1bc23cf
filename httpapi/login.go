package httpapi

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/secret"
)

// maxNameDelay is the longest the per-name login limit slows an attempt.
// It never refuses one: failures from other addresses must not lock an
// account's owner out.
const maxNameDelay = 2 * time.Second

// loginLimits throttle logins. The pair of name and address refuses (429)
// after five attempts, one more every 12 s; an address trying many names
// is refused after 20, then one every 3 s; the name alone, whatever the
// address, only delays (at most maxNameDelay) after ten, then one every 6 s.
type loginLimits struct {
	pair, addr, name Limiter
}

func newLoginLimits(cfg Config) loginLimits {
	return loginLimits{
		pair: newLimiter(cfg, "login", 5, 12*time.Second),
		addr: newLimiter(cfg, "login-addr", 20, 3*time.Second),
		name: newLimiter(cfg, "login-name", 10, 6*time.Second),
	}
}

// throttleLogin runs before any password is hashed, so an attempt it
// refuses costs a map lookup whether the name exists or not.
func (s *Server) throttleLogin(ctx context.Context, name, ip string) error {
	now := s.Now()
	addr := s.rateKey(ip)
	for _, c := range []struct {
		lim Limiter
		key string
	}{{s.logins.pair, name + "\x00" + addr}, {s.logins.addr, addr}} {
		ok, wait, err := c.lim.Allow(ctx, c.key, now)
		if err != nil {
			return err
		}
		if !ok {
			return comment.TooMany("login attempts", wait)
		}
	}
	ok, wait, err := s.logins.name.Allow(ctx, name, now)
	if err != nil {
		return err
	}
	if !ok {
		t := time.NewTimer(min(wait, maxNameDelay))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// hashSlots bounds the argon2id hashes (19 MiB each) that run at once.
type hashSlots struct {
	slots chan struct{}
	// wait is how long an attempt waits for a slot before it is refused.
	wait        time.Duration
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}

func newHashSlots(n int) *hashSlots {
	if n <= 0 {
		n = runtime.NumCPU()
	}
	return &hashSlots{slots: make(chan struct{}, n), wait: time.Second}
}

// checkPassword compares a password with a hash in one of the bounded
// slots; when none frees up in time the attempt is refused with 429 and
// Retry-After, before any memory is spent on it.
func (s *Server) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	h := s.hashes
	select {
	case h.slots <- struct{}{}:
	default:
		t := time.NewTimer(h.wait)
		select {
		case h.slots <- struct{}{}:
			t.Stop()
		case <-t.C:
			return false, comment.TooMany("logins at once", time.Second)
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		}
	}
	defer func() { <-h.slots }()
	n := h.inFlight.Add(1)
	defer h.inFlight.Add(-1)
	for {
		m := h.maxInFlight.Load()
		if n <= m || h.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	return secret.CheckPassword(hash, password)
}
