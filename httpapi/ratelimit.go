package httpapi

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter decides whether a key (a hashed address, an account name) may act
// now, and when not, how long it should wait. An error means the limit could
// not be checked (the database is away); the request then fails with it.
type Limiter interface {
	Allow(ctx context.Context, key string, now time.Time) (ok bool, wait time.Duration, err error)
}

// LimiterFactory makes a named token-bucket limiter: a key may act burst
// times at once, then once every every.
type LimiterFactory func(name string, burst int, every time.Duration) Limiter

// MemoryLimiters is the default LimiterFactory: in-memory token buckets,
// right for one instance.
func MemoryLimiters(name string, burst int, every time.Duration) Limiter {
	return &memoryLimiter{burst: burst, every: every, buckets: map[string]*bucket{}}
}

func newLimiter(cfg Config, name string, burst int, every time.Duration) Limiter {
	if cfg.NoRateLimits {
		return noLimit{}
	}
	return cfg.Limiters(name, burst, every)
}

type noLimit struct{}

func (noLimit) Allow(context.Context, string, time.Time) (bool, time.Duration, error) {
	return true, 0, nil
}

// memoryLimiter is a token bucket per key. Buckets idle long enough to be
// full again are dropped, so memory stays bounded by the number of recently
// active clients.
type memoryLimiter struct {
	mu      sync.Mutex
	burst   int
	every   time.Duration
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// Allow reports whether key may act now; when not, it returns how long to wait.
func (l *memoryLimiter) Allow(_ context.Context, key string, now time.Time) (bool, time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	full := l.every * time.Duration(l.burst)
	if now.Sub(l.sweep) > full {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > full {
				delete(l.buckets, k)
			}
		}
		l.sweep = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d, nil
	}
	return true, 0, nil
}
