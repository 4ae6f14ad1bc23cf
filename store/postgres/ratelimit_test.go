package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/store/postgres/pgtest"
)

// The shared token bucket: a burst, then one per period; the wait it
// reports is the time to the next token; a clock behind the last writer
// mints nothing; keys and limiter names are separate buckets; and
// concurrent takes never overspend.
func TestLimiter(t *testing.T) {
	s := open(t, pgtest.URL(t))
	defer s.Close()
	ctx := context.Background()
	l := s.NewLimiter("submit", 2, 10*time.Second)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	allow := func(l interface {
		Allow(context.Context, string, time.Time) (bool, time.Duration, error)
	}, key string, at time.Time) (bool, time.Duration) {
		t.Helper()
		ok, wait, err := l.Allow(ctx, key, at)
		if err != nil {
			t.Fatal(err)
		}
		return ok, wait
	}
	for i := range 2 {
		if ok, _ := allow(l, "k", now); !ok {
			t.Fatalf("take %d of the burst refused", i+1)
		}
	}
	ok, wait := allow(l, "k", now.Add(4*time.Second))
	if ok || wait < 5900*time.Millisecond || wait > 6*time.Second {
		t.Errorf("over the burst: ok=%v wait=%v; want refused, wait 6s", ok, wait)
	}
	if ok, _ := allow(l, "k", now.Add(-time.Hour)); ok {
		t.Error("a clock an hour behind got a token")
	}
	if ok, _ := allow(l, "k", now.Add(10*time.Second)); !ok {
		t.Error("refused after a period refilled one token")
	}
	if ok, _ := allow(l, "other", now); !ok {
		t.Error("another key shares the bucket")
	}
	if ok, _ := allow(s.NewLimiter("login", 2, 10*time.Second), "k", now.Add(10*time.Second)); !ok {
		t.Error("another limiter shares the bucket")
	}

	// 20 takes at once from a fresh bucket of 5: exactly 5 succeed.
	burst := s.NewLimiter("burst", 5, time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := burst.Allow(ctx, "k", now)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if ok {
				granted++
			}
		}()
	}
	wg.Wait()
	if granted != 5 {
		t.Errorf("%d of 20 concurrent takes granted from a bucket of 5", granted)
	}
}
