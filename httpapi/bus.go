package httpapi

import (
	"context"
	"encoding/json"
	"sync"
)

// Bus carries change notices between the Parley instances that share one
// database, so that each can drop what it cached and tell its moderators.
// Publish delivers to every subscriber on every instance, this one included
// (synchronously here, before it returns). store/postgres implements it over
// LISTEN/NOTIFY; LocalBus is the single-process default.
type Bus interface {
	// Publish sends a notice of a kind with a JSON payload (at most a few
	// kilobytes).
	Publish(ctx context.Context, kind string, payload json.RawMessage) error
	// Subscribe calls fn for every notice until the returned function is
	// called. fn must not block for long: it runs on the bus's delivery path.
	Subscribe(fn func(kind string, payload json.RawMessage)) (unsubscribe func())
}

// The notice kinds the API publishes and understands.
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

// threadChanged tells every instance (this one first) that an article's
// thread changed. Failing to publish is logged, not returned: the change is
// committed, and the other instances' caches drop everything when their
// listener reconnects.
func (s *Server) threadChanged(ctx context.Context, site, url string) {
	s.threads.invalidate(articleKey(site, url))
	payload, _ := json.Marshal(ThreadNotice{Site: site, URL: url})
	if err := s.Bus.Publish(ctx, NoticeThread, payload); err != nil {
		s.Logger.Warn("publishing a thread change failed", "err", err)
	}
}

// onNotice applies a notice from any instance to this one's caches.
func (s *Server) onNotice(kind string, payload json.RawMessage) {
	switch kind {
	case NoticeThread:
		var n ThreadNotice
		if err := json.Unmarshal(payload, &n); err == nil {
			s.threads.invalidate(articleKey(n.Site, n.URL))
		}
	case NoticeSite:
		var n SiteNotice
		if err := json.Unmarshal(payload, &n); err == nil {
			s.siteChangedHere(n.Site)
		}
	case NoticeReset:
		s.sites.reset()
		s.threads.reset()
	}
}
