package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
)

// metricsTests cover comment.MetricsStore.
var metricsTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"OldestPending", testOldestPending},
	{"PoolStats", testPoolStats},
}

func testOldestPending(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "a")
	mustSite(t, s, "b")
	mustSite(t, s, "empty")
	got, err := s.OldestPending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("no comments: OldestPending = %v, want empty", got)
	}

	// On a: the oldest is decided, the next oldest is flagged, a later one is not.
	first := mustCreate(t, s, newComment("a", "https://news.example/1", 1))
	flagged := newComment("a", "https://news.example/1", 5)
	flagged.Flagged = true
	mustCreate(t, s, flagged)
	mustCreate(t, s, newComment("a", "https://news.example/2", 9))
	approve(t, s, first.ID, t0.Add(time.Hour))
	// On b: unflagged before flagged.
	mustCreate(t, s, newComment("b", "https://news.example/3", 20))
	late := newComment("b", "https://news.example/3", 30)
	late.Flagged = true
	mustCreate(t, s, late)

	got, err = s.OldestPending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{"a": t0.Add(5 * time.Second), "b": t0.Add(20 * time.Second)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OldestPending (-want +got):\n%s", diff)
	}
}

func testPoolStats(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "a")
	if _, err := s.Sites(ctx); err != nil { // opens a connection at least
		t.Fatal(err)
	}
	pools := s.PoolStats()
	if len(pools) == 0 {
		t.Fatal("PoolStats: no pools")
	}
	for _, p := range pools {
		if p.Name == "" || p.MaxOpen <= 0 || p.Open < 0 || p.InUse+p.Idle != p.Open {
			t.Errorf("pool %+v: want a name, MaxOpen > 0 and InUse+Idle = Open", p)
		}
	}
	open := 0
	for _, p := range pools {
		open += p.Open
	}
	if open == 0 {
		t.Errorf("after a read no pool has an open connection: %+v", pools)
	}
}
