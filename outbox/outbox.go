// Package outbox sends what the stores queued in their outbox table: emails
// and webhook calls, written in the same transaction as the change that
// caused them. A Worker claims due items (each by exactly one instance, for
// a lease), hands each to the Sender of its kind, and marks it sent, or
// schedules another attempt with exponential backoff. Delivery is at least
// once: an item is sent twice only when the process dies between the
// receiver's acceptance and the sent mark, and then with the same
// Message-ID.
package outbox

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/parleyhq/parley/comment"
)

// Sender delivers one item. An error means "try again later"; a Permanent
// error gives up on the item (it is marked sent with the error kept).
type Sender interface {
	Send(ctx context.Context, it comment.OutboxItem) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, it comment.OutboxItem) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, it comment.OutboxItem) error { return f(ctx, it) }

// permanent marks an error that no retry will cure.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps an error that retrying cannot fix (the comment is gone,
// the address is malformed): the item is not tried again.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// The backoff: the first retry after FirstRetry, each next one twice as
// late, never later than MaxRetry.
const (
	FirstRetry = time.Second
	MaxRetry   = 5 * time.Minute
)

// Backoff is the wait before the next attempt after attempts failed ones
// (attempts >= 1).
func Backoff(attempts int) time.Duration {
	d := FirstRetry
	for i := 1; i < attempts; i++ {
		d *= 2
		if d >= MaxRetry {
			return MaxRetry
		}
	}
	return d
}

// Worker sends due items.
type Worker struct {
	Store interface {
		ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]comment.OutboxItem, error)
		MarkOutboxSent(ctx context.Context, id int64, at time.Time) error
		MarkOutboxFailed(ctx context.Context, id int64, next time.Time, errText string) error
	}
	// Senders by kind (comment.OutboxEmail, comment.OutboxWebhook). An
	// item of a kind without a sender stays in the backlog, looked at again
	// every MaxRetry, until a sender is configured.
	Senders map[string]Sender
	Now     func() time.Time
	Logger  *slog.Logger
	// Poll is how often the worker looks for due items when idle; default 1 s.
	Poll time.Duration
	// Lease is how long a claim lasts; an item not marked within it is
	// claimed again (by any instance). Default 2 minutes: longer than any
	// one send is allowed to take (SendTimeout).
	Lease time.Duration
	// SendTimeout bounds one send; default 60 s.
	SendTimeout time.Duration
	// Batch is how many items one claim takes; default 20.
	Batch int
	// Wake, when set, makes the worker look at once (a new item queued).
	Wake <-chan struct{}
}

func (w *Worker) defaults() {
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Logger == nil {
		w.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if w.Poll <= 0 {
		w.Poll = time.Second
	}
	if w.Lease <= 0 {
		w.Lease = 2 * time.Minute
	}
	if w.SendTimeout <= 0 {
		w.SendTimeout = time.Minute
	}
	if w.Batch <= 0 {
		w.Batch = 20
	}
}

// Run sends until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	for {
		for {
			n, err := w.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				w.Logger.Warn("outbox: claiming failed", "err", err)
			}
			if n < w.Batch || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.Wake:
		}
	}
}

// RunOnce claims one batch of due items and sends them; it returns how many
// it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	if len(w.Senders) == 0 {
		return 0, nil
	}
	items, err := w.Store.ClaimOutbox(ctx, w.Now().UTC(), w.Batch, w.Lease)
	if err != nil {
		return 0, err
	}
	for _, it := range items {
		w.send(ctx, it)
	}
	return len(items), nil
}

func (w *Worker) send(ctx context.Context, it comment.OutboxItem) {
	sender, ok := w.Senders[it.Kind]
	if !ok {
		// No sender for this kind here: leave it for when one exists, and
		// look again after the longest backoff rather than every poll.
		w.mark(ctx, it, w.Now().UTC().Add(MaxRetry), "no sender configured for "+it.Kind)
		return
	}
	sctx, cancel := context.WithTimeout(ctx, w.SendTimeout)
	err := sender.Send(sctx, it)
	cancel()
	now := w.Now().UTC()
	switch {
	case err == nil:
		if err := w.Store.MarkOutboxSent(context.WithoutCancel(ctx), it.ID, now); err != nil {
			w.Logger.Warn("outbox: marking sent failed; the item will be sent again with the same Message-ID", "id", it.ID, "err", err)
		}
	case IsPermanent(err):
		w.Logger.Warn("outbox: giving up", "id", it.ID, "kind", it.Kind, "topic", it.Topic, "err", err)
		w.mark(ctx, it, time.Time{}, err.Error())
	default:
		next := now.Add(Backoff(it.Attempts + 1))
		w.Logger.Info("outbox: send failed, will retry", "id", it.ID, "kind", it.Kind, "topic", it.Topic, "attempt", it.Attempts+1, "next", next, "err", err)
		w.mark(ctx, it, next, err.Error())
	}
}

// mark records a failure; a zero next gives up (the item is marked sent so
// that it leaves the backlog, its error kept).
func (w *Worker) mark(ctx context.Context, it comment.OutboxItem, next time.Time, errText string) {
	ctx = context.WithoutCancel(ctx)
	var err error
	if next.IsZero() {
		if err = w.Store.MarkOutboxFailed(ctx, it.ID, w.Now().UTC(), errText); err == nil {
			err = w.Store.MarkOutboxSent(ctx, it.ID, w.Now().UTC())
		}
	} else {
		err = w.Store.MarkOutboxFailed(ctx, it.ID, next, errText)
	}
	if err != nil {
		w.Logger.Warn("outbox: recording a failure failed", "id", it.ID, "err", err)
	}
}
