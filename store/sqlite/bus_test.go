package sqlite

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

type heard struct {
	mu    sync.Mutex
	kinds []string
}

func (h *heard) add(kind string, _ json.RawMessage) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.kinds = append(h.kinds, kind)
}

func (h *heard) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		h.mu.Lock()
		got := append([]string(nil), h.kinds...)
		h.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBusAcrossProcesses: two stores on one file (two processes): a notice
// published on one reaches the other's subscribers once, the publisher's
// own subscribers once, a CLI notice reaches both, and a Bus that missed
// pruned notices delivers a reset.
func TestBusAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "parley.db")
	open := func() (*Store, *Bus, *heard) {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := NewBus(ctx, s, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		b.PollInterval = 20 * time.Millisecond
		t.Cleanup(func() { b.Close(); s.Close() })
		h := &heard{}
		b.Subscribe(h.add)
		return s, b, h
	}
	sa, a, ha := open()
	_, b, hb := open()
	if err := a.Publish(ctx, "thread", json.RawMessage(`{"site":"news"}`)); err != nil {
		t.Fatal(err)
	}
	if got := hb.wait(t, 1); len(got) != 1 || got[0] != "thread" {
		t.Fatalf("B heard %v, want one thread notice", got)
	}
	if err := sa.Notify(ctx, "thread", nil); err != nil {
		t.Fatal(err)
	}
	if got := ha.wait(t, 2); len(got) != 2 {
		t.Errorf("A heard %v, want its own notice and the CLI's", got)
	}
	if got := hb.wait(t, 2); len(got) != 2 {
		t.Errorf("B heard %v, want A's notice and the CLI's", got)
	}
	time.Sleep(100 * time.Millisecond)
	if got := ha.wait(t, 3); len(got) != 2 {
		t.Errorf("A heard its own notice twice: %v", got)
	}
	// B stops polling; three notices come and are pruned but the last;
	// B, polling again, resets.
	b.cancel()
	<-b.done
	for range 3 {
		sa.Notify(ctx, "thread", nil)
	}
	if _, err := sa.w.ExecContext(ctx, `DELETE FROM changes WHERE id < (SELECT max(id) FROM changes)`); err != nil {
		t.Fatal(err)
	}
	if err := b.readNew(ctx); err != nil {
		t.Fatal(err)
	}
	if got := hb.wait(t, 4); len(got) != 4 || got[2] != ResetKind || got[3] != "thread" {
		t.Errorf("B after missing pruned notices heard %v, want a reset then the last notice", got)
	}
}
