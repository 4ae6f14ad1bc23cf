package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Bus carries change notices between the processes that share one SQLite
// file: a running server and the CLI that closes an article under it, or
// two servers on one host. It implements httpapi.Bus (declared there; this
// package does not import it).
//
// Publish delivers to this process's subscribers before it returns, then
// appends the notice to the changes table. Every Bus polls that table
// (PollInterval) for rows another process added and delivers them. Rows
// older than a minute are pruned; a Bus that finds rows it never saw were
// pruned (it slept, or polling failed for a minute) delivers a "reset"
// notice, so that its server drops everything it cached.
type Bus struct {
	store  *Store
	id     string
	logger *slog.Logger
	// PollInterval is how often the table is read; 150 ms by default.
	PollInterval time.Duration

	mu   sync.RWMutex
	next int
	subs map[int]func(string, json.RawMessage)

	last   int64 // the newest row seen
	cancel context.CancelFunc
	done   chan struct{}
}

// ResetKind is the kind of the notice a Bus delivers when notices may have
// been missed. It equals httpapi.NoticeReset.
const ResetKind = "reset"

// keepChanges is how long a notice stays in the changes table.
const keepChanges = time.Minute

// maxNotice bounds a notice's payload.
const maxNotice = 8000

// NewBus starts a Bus on the store: it polls from the newest row on.
func NewBus(ctx context.Context, s *Store, logger *slog.Logger) (*Bus, error) {
	b := &Bus{store: s, logger: logger, PollInterval: 150 * time.Millisecond, subs: map[int]func(string, json.RawMessage){}, done: make(chan struct{})}
	var raw [8]byte
	rand.Read(raw[:])
	b.id = hex.EncodeToString(raw[:])
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) FROM changes`).Scan(&b.last); err != nil {
		return nil, fmt.Errorf("sqlite bus: %w", err)
	}
	pctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	go b.poll(pctx)
	return b, nil
}

// Close stops polling.
func (b *Bus) Close() error {
	b.cancel()
	<-b.done
	return nil
}

// Publish delivers a notice here, then records it for the other processes.
func (b *Bus) Publish(ctx context.Context, kind string, payload json.RawMessage) error {
	b.deliver(kind, payload)
	return b.store.notify(ctx, kind, payload, b.id)
}

// Subscribe calls fn for every notice, local or from another process,
// until the returned function is called.
func (b *Bus) Subscribe(fn func(string, json.RawMessage)) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

func (b *Bus) deliver(kind string, payload json.RawMessage) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		fn(kind, payload)
	}
}

func (b *Bus) poll(ctx context.Context) {
	defer close(b.done)
	tick := time.NewTicker(b.PollInterval)
	defer tick.Stop()
	lastPrune := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := b.readNew(ctx); err != nil && ctx.Err() == nil {
			b.logger.Warn("reading change notices failed", "err", err)
		}
		if time.Since(lastPrune) > keepChanges/4 {
			lastPrune = time.Now()
			if _, err := b.store.w.ExecContext(ctx, `DELETE FROM changes WHERE created_at < ?`, micro(time.Now().Add(-keepChanges))); err != nil && ctx.Err() == nil {
				b.logger.Warn("pruning change notices failed", "err", err)
			}
		}
	}
}

// readNew delivers the rows added since the last poll by other processes.
func (b *Bus) readNew(ctx context.Context) error {
	rows, err := b.store.r.QueryContext(ctx, `SELECT id, kind, payload, sender FROM changes WHERE id > ? ORDER BY id`, b.last)
	if err != nil {
		return err
	}
	defer rows.Close()
	first := true
	for rows.Next() {
		var id int64
		var kind, payload, sender string
		if err := rows.Scan(&id, &kind, &payload, &sender); err != nil {
			return err
		}
		if first && b.last > 0 && id > b.last+1 {
			// Rows between were pruned before this Bus read them.
			b.deliver(ResetKind, nil)
		}
		first = false
		b.last = id
		if sender != b.id {
			b.deliver(kind, json.RawMessage(payload))
		}
	}
	return rows.Err()
}

// Notify records a notice for every Bus on this file, from a process that
// has none (the CLI).
func (s *Store) Notify(ctx context.Context, kind string, payload json.RawMessage) error {
	return s.notify(ctx, kind, payload, "cli")
}

func (s *Store) notify(ctx context.Context, kind string, payload json.RawMessage, sender string) error {
	if len(payload) > maxNotice {
		return fmt.Errorf("sqlite: %s notice of %d bytes is over %d", kind, len(payload), maxNotice)
	}
	if payload == nil {
		payload = json.RawMessage("null")
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO changes (kind, payload, sender, created_at) VALUES (?, ?, ?, ?)`,
		kind, string(payload), sender, micro(time.Now()))
	if err != nil && !errors.Is(err, sql.ErrConnDone) {
		return storeErr(err, "Notice")
	}
	return err
}
