package outbox_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/outbox"
	"github.com/parleyhq/parley/store/sqlite"
)

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second,
		64 * time.Second, 128 * time.Second, 256 * time.Second, 5 * time.Minute, 5 * time.Minute}
	for i, w := range want {
		if got := outbox.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestWorkerRetriesThenSends: a sender that fails twice gets the item again
// after 1 s and 2 s, with the same Message-ID, and once sent it is never
// sent again; a permanent failure is not retried; a kind without a sender
// stays in the backlog.
func TestWorkerRetriesThenSends(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	clk := &clock{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	if err := s.EnqueueOutbox(ctx,
		comment.OutboxItem{Kind: comment.OutboxEmail, Topic: "flaky", NextAttempt: clk.Now()},
		comment.OutboxItem{Kind: comment.OutboxEmail, Topic: "doomed", NextAttempt: clk.Now()},
		comment.OutboxItem{Kind: comment.OutboxWebhook, Topic: "comment.created", NextAttempt: clk.Now()},
	); err != nil {
		t.Fatal(err)
	}
	var sent []comment.OutboxItem
	fails := 2
	w := &outbox.Worker{Store: s, Now: clk.Now, Senders: map[string]outbox.Sender{
		comment.OutboxEmail: outbox.SenderFunc(func(ctx context.Context, it comment.OutboxItem) error {
			sent = append(sent, it)
			if it.Topic == "doomed" {
				return outbox.Permanent(errors.New("550 no such user"))
			}
			if fails > 0 {
				fails--
				return errors.New("421 try again")
			}
			return nil
		}),
	}}
	step := func(advance time.Duration) int {
		clk.Add(advance)
		n, err := w.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := step(0); n != 3 {
		t.Fatalf("first run claimed %d, want 3", n)
	}
	if n := step(500 * time.Millisecond); n != 0 {
		t.Fatalf("claimed %d before the first retry is due", n)
	}
	if n := step(600 * time.Millisecond); n != 1 { // 1.1 s: the flaky one, once
		t.Fatalf("claimed %d at the first retry, want 1", n)
	}
	if n := step(1500 * time.Millisecond); n != 0 { // 2 s after the second failure
		t.Fatalf("claimed %d before the second retry is due", n)
	}
	if n := step(600 * time.Millisecond); n != 1 {
		t.Fatalf("claimed %d at the second retry, want 1", n)
	}
	step(time.Hour)
	var flaky []comment.OutboxItem
	doomed := 0
	for _, it := range sent {
		switch it.Topic {
		case "flaky":
			flaky = append(flaky, it)
		case "doomed":
			doomed++
		}
	}
	if len(flaky) != 3 {
		t.Fatalf("flaky item sent %d times, want 3 (two failures, one success)", len(flaky))
	}
	if flaky[0].MessageID != flaky[2].MessageID {
		t.Errorf("Message-ID changed across attempts: %q, %q", flaky[0].MessageID, flaky[2].MessageID)
	}
	if doomed != 1 {
		t.Errorf("permanently failing item tried %d times, want 1", doomed)
	}
	backlog, err := s.OutboxBacklog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if backlog[comment.OutboxEmail] != 0 || backlog[comment.OutboxWebhook] != 1 {
		t.Errorf("backlog = %v, want no email and the webhook without a sender", backlog)
	}
	items, _ := s.OutboxItems(ctx, comment.OutboxFilter{Topic: "doomed"})
	if len(items) != 1 || items[0].LastError == "" || items[0].SentAt.IsZero() {
		t.Errorf("the given-up item: %+v", items)
	}
}
