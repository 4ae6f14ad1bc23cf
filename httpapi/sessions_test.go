package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/store/sqlite"
)

// TestSweepSessions: expired sessions are deleted periodically, live ones kept.
func TestSweepSessions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m, err := e.store.ModeratorByName(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, exp := range []time.Duration{-time.Hour, -time.Second, time.Hour} {
		if err := e.store.CreateSession(ctx, m.ID, []byte{byte(i)}, "c", now.Add(exp)); err != nil {
			t.Fatal(err)
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { e.api.SweepSessions(sctx, 20*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := e.store.(*sqlite.Store).CountRows(ctx, "sessions")
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions left, want the one live", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, _, err := e.store.SessionModerator(ctx, []byte{2}, now); err != nil {
		t.Errorf("the live session was deleted: %v", err)
	}
}
