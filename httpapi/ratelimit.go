package httpapi

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter is a token bucket per key (a hashed address, an account name).
// Buckets idle long enough to be full again are dropped, so memory stays
// bounded by the number of recently active clients.
type limiter struct {
	mu      sync.Mutex
	burst   int
	every   time.Duration
	off     bool
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(burst int, every time.Duration, off bool) *limiter {
	return &limiter{burst: burst, every: every, off: off, buckets: map[string]*bucket{}}
}

// allow reports whether key may act now; when not, it returns how long to wait.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l.off {
		return true, 0
	}
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
		return false, d
	}
	return true, 0
}
