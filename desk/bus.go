package desk

import (
	"context"
	"encoding/json"
	"sync"
)

// Bus carries change notices between the Parley instances that share one
// database (and the CLI commands that change it), so that each can drop
// what it cached and tell its moderators. Publish delivers to every
// subscriber on every instance, this one included (synchronously here,
// before it returns). store/postgres implements it over LISTEN/NOTIFY;
// LocalBus is the single-process default.
type Bus interface {
	// Publish sends a notice of a kind with a JSON payload (at most a few
	// kilobytes).
	Publish(ctx context.Context, kind string, payload json.RawMessage) error
	// Subscribe calls fn for every notice until the returned function is
	// called. fn must not block for long: it runs on the bus's delivery path.
	Subscribe(fn func(kind string, payload json.RawMessage)) (unsubscribe func())
}

// The notice kinds the desk publishes.
const (
	// NoticeThread says an article's thread changed; the payload is a
	// ThreadNotice.
	NoticeThread = "thread"
	// NoticeReset says notices may have been missed (the bus lost its
	// connection): drop everything cached.
	NoticeReset = "reset"
)

// ThreadNotice names the article whose thread changed.
type ThreadNotice struct {
	Site string `json:"site"`
	URL  string `json:"url"`
}

// LocalBus is a Bus within one process: for one instance on SQLite.
type LocalBus struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(string, json.RawMessage)
}

// NewLocalBus returns an empty LocalBus.
func NewLocalBus() *LocalBus { return &LocalBus{subs: map[int]func(string, json.RawMessage){}} }

// Publish calls every subscriber before it returns.
func (b *LocalBus) Publish(ctx context.Context, kind string, payload json.RawMessage) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		fn(kind, payload)
	}
	return nil
}

// Subscribe adds fn until the returned function is called.
func (b *LocalBus) Subscribe(fn func(string, json.RawMessage)) func() {
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
