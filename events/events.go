// Package events carries "comment submitted" and "comment decided" news
// from the API to the dashboards watching the queue. Broadcaster does it in
// process; a store shared by several instances can back Events with its own
// channel (PostgreSQL LISTEN/NOTIFY) later.
package events

import (
	"context"
	"sync"

	"github.com/parleyhq/parley/comment"
)

// Kind is what happened.
type Kind string

// The kinds of events.
const (
	Submitted Kind = "submitted"
	Decided   Kind = "decided"
)

// Event is one change to the moderation queue. It names no private data.
type Event struct {
	Kind      Kind           `json:"kind"`
	CommentID int64          `json:"comment_id"`
	SiteID    string         `json:"site"`
	Status    comment.Status `json:"status"`
	Moderator string         `json:"moderator,omitempty"`
	// Comment, when the publisher has it, is the comment as written, so
	// that in-process listeners (metrics) need not read it back. It never
	// leaves the process: it is not encoded.
	Comment *comment.Comment `json:"-"`
}

// Events publishes events to every current subscriber.
type Events interface {
	// Publish sends e to every subscriber without blocking: a subscriber
	// too slow to keep up misses events (a dashboard then reloads).
	Publish(e Event)
	// Subscribe returns a channel of events that is closed when ctx ends.
	Subscribe(ctx context.Context) <-chan Event
}

// Broadcaster is Events within one process.
type Broadcaster struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
}

// NewBroadcaster returns a Broadcaster with no subscribers.
func NewBroadcaster() *Broadcaster {
	return &Broadcaster{subs: map[chan Event]struct{}{}}
}

// Publish sends e to every subscriber whose buffer has room.
func (b *Broadcaster) Publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- e:
		default:
		}
	}
}

// Subscribe registers a subscriber until ctx ends.
func (b *Broadcaster) Subscribe(ctx context.Context) <-chan Event {
	ch := make(chan Event, 64)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	go func() {
		<-ctx.Done()
		b.mu.Lock()
		delete(b.subs, ch)
		close(ch)
		b.mu.Unlock()
	}()
	return ch
}
