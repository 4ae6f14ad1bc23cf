package comment

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"
)

// The kinds of outbox items: each kind has one sender.
const (
	OutboxEmail   = "email"
	OutboxWebhook = "webhook"
)

// OutboxItem is one message or webhook call waiting to be sent. It is
// written in the same transaction as the change that causes it, so that
// nothing is lost between the change and the send, and a worker sends it
// with retries.
type OutboxItem struct {
	ID   int64
	Kind string // OutboxEmail or OutboxWebhook
	// Topic names what the item is about: "decision", "reply",
	// "comment.approved", ...; the sender picks its template by it.
	Topic  string
	SiteID string
	// CommentID is the comment the item is about. In an item handed to a
	// store write through WithOutbox, zero means the comment that write
	// creates or changes.
	CommentID int64
	// Target is whom it goes to, as the sender understands it: a moderator
	// ID, a webhook ID, "commenter" (the comment's author).
	Target string
	// Payload is what the sender needs beyond the comment, as JSON.
	Payload json.RawMessage
	// MessageID is the item's one Message-ID (or webhook delivery ID), set
	// when it is queued and the same on every attempt, so that a receiver
	// can drop a copy sent twice.
	MessageID   string
	Attempts    int
	NextAttempt time.Time
	CreatedAt   time.Time
	SentAt      time.Time // zero while unsent
	LastError   string
}

// OutboxFilter selects outbox items, newest first.
type OutboxFilter struct {
	Kind, SiteID, Topic, Target string
	// Pending keeps only unsent items.
	Pending bool
	Limit   int // default 50
}

// Outbox is the store's side of the outbox.
type Outbox interface {
	// EnqueueOutbox queues items that no other write carries (a digest, a
	// test call, a link asked for).
	EnqueueOutbox(ctx context.Context, items ...OutboxItem) error
	// ClaimOutbox hands out up to limit unsent items due at now, oldest due
	// first, each to exactly one caller (across instances) until now+lease.
	ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]OutboxItem, error)
	// MarkOutboxSent records a send (or giving up), keeping the last
	// error; CodeNotFound.
	MarkOutboxSent(ctx context.Context, id int64, at time.Time) error
	// MarkOutboxFailed records a failed attempt and when to try again;
	// CodeNotFound.
	MarkOutboxFailed(ctx context.Context, id int64, next time.Time, errText string) error
	// OutboxItems lists items, newest first.
	OutboxItems(ctx context.Context, f OutboxFilter) ([]OutboxItem, error)
	// OutboxBacklog counts the unsent items per kind.
	OutboxBacklog(ctx context.Context) (map[string]int, error)
}

type outboxKey struct{}

// WithOutbox returns a context that carries items to the next store write
// made with it: the write inserts them in its own transaction, so that they
// are queued if and only if the change commits.
func WithOutbox(ctx context.Context, items ...OutboxItem) context.Context {
	if len(items) == 0 {
		return ctx
	}
	prev, _ := ctx.Value(outboxKey{}).([]OutboxItem)
	return context.WithValue(ctx, outboxKey{}, append(prev[:len(prev):len(prev)], items...))
}

// OutboxFrom returns the items a context carries, each with a zero CommentID
// set to commentID.
func OutboxFrom(ctx context.Context, commentID int64) []OutboxItem {
	items, _ := ctx.Value(outboxKey{}).([]OutboxItem)
	if len(items) == 0 {
		return nil
	}
	out := make([]OutboxItem, len(items))
	for i, it := range items {
		if it.CommentID == 0 {
			it.CommentID = commentID
		}
		out[i] = it
	}
	return out
}

// PrepareOutbox fills what a store sets on items it queues at now: a
// Message-ID when none was set, the creation time, and the first attempt
// (now, unless the item asked for later).
func PrepareOutbox(items []OutboxItem, now time.Time) []OutboxItem {
	for i := range items {
		it := &items[i]
		if it.MessageID == "" {
			it.MessageID = NewMessageID()
		}
		if it.CreatedAt.IsZero() {
			it.CreatedAt = now
		}
		if it.NextAttempt.IsZero() {
			it.NextAttempt = it.CreatedAt
		}
		if len(it.Payload) == 0 {
			it.Payload = json.RawMessage("{}")
		}
	}
	return items
}

// NewMessageID returns a unique RFC 5322 Message-ID.
func NewMessageID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return "<" + hex.EncodeToString(b[:]) + "@parley>"
}

// SortOutbox orders items oldest due first, then by ID.
func SortOutbox(items []OutboxItem) {
	slices.SortFunc(items, func(a, b OutboxItem) int {
		if c := a.NextAttempt.Compare(b.NextAttempt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
