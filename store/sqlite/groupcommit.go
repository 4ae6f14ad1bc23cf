package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/parleyhq/parley/comment"
)

// maxBatch bounds how many submissions one transaction carries.
const maxBatch = 256

// submission is one CreateComment waiting for its batch to commit.
type submission struct {
	ctx  context.Context
	c    *comment.Comment
	done chan error
}

// groupCommit is the one goroutine that writes new comments. It takes every
// submission waiting at that moment, writes each inside its own savepoint
// of one transaction (a refused comment rolls back alone), commits once with
// synchronous=FULL, and only then answers each: one fsync serves a whole
// batch, and no comment is acknowledged before it is on disk.
type groupCommit struct {
	queue   chan *submission
	closing chan struct{}
	stopped chan struct{}
	once    sync.Once
}

func (s *Store) startGroupCommit() {
	g := &groupCommit{queue: make(chan *submission, maxBatch), closing: make(chan struct{}), stopped: make(chan struct{})}
	s.gc = g
	go func() {
		defer close(g.stopped)
		for {
			var first *submission
			select {
			case first = <-g.queue:
			case <-g.closing:
				// Answer whatever was queued before the close.
				for {
					select {
					case sub := <-g.queue:
						s.commitBatch([]*submission{sub})
					default:
						return
					}
				}
			}
			batch := []*submission{first}
		gather:
			for len(batch) < maxBatch {
				select {
				case sub := <-g.queue:
					batch = append(batch, sub)
				default:
					break gather
				}
			}
			s.commitBatch(batch)
		}
	}()
}

// stopGroupCommit answers the queued submissions and stops the writer.
func (s *Store) stopGroupCommit() {
	s.gc.once.Do(func() { close(s.gc.closing) })
	<-s.gc.stopped
}

var errClosed = &comment.Error{Code: comment.CodeUnavailable, Message: "The database is closed."}

// CreateComment stores a new comment and, for the first comment of an
// article, the article itself. It joins the next group commit and returns
// once that transaction is committed with synchronous=FULL: when it returns
// nil the comment is on disk.
func (s *Store) CreateComment(ctx context.Context, c *comment.Comment) error {
	sub := &submission{ctx: ctx, c: c, done: make(chan error, 1)}
	select {
	case s.gc.queue <- sub:
	case <-s.gc.closing:
		return errClosed
	case <-ctx.Done():
		return storeErr(ctx.Err(), "Comment")
	}
	// Wait for the answer even if ctx ends meanwhile: the writer is using c.
	select {
	case err := <-sub.done:
		return err
	case <-s.gc.stopped:
		select {
		case err := <-sub.done:
			return err
		default:
			return errClosed
		}
	}
}

// commitBatch writes a batch in one transaction and answers each submission.
func (s *Store) commitBatch(batch []*submission) {
	results := make([]error, len(batch))
	answer := func(commitErr error) {
		for i, sub := range batch {
			if results[i] == nil && commitErr != nil {
				results[i] = commitErr
				sub.c.ID = 0
			}
			sub.done <- results[i]
		}
	}
	ctx := context.Background()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		answer(storeErr(err, "Comment"))
		return
	}
	defer tx.Rollback()
	for i, sub := range batch {
		if err := sub.ctx.Err(); err != nil {
			results[i] = storeErr(err, "Comment") // the client is gone
			continue
		}
		// The batch's context, not the submitter's: interrupting a statement
		// would roll back the whole transaction, everyone's comments with it.
		results[i] = inSavepoint(ctx, tx, func() error { return createComment(ctx, tx, sub.c) })
	}
	answer(storeErr(tx.Commit(), "Comment"))
}

// inSavepoint runs fn in a savepoint of tx and rolls back only fn's writes
// when it fails.
func inSavepoint(ctx context.Context, tx *sql.Tx, fn func() error) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT submission"); err != nil {
		return storeErr(err, "Comment")
	}
	if err := fn(); err != nil {
		for _, q := range []string{"ROLLBACK TO submission", "RELEASE submission"} {
			if _, rbErr := tx.ExecContext(ctx, q); rbErr != nil {
				return errors.Join(err, storeErr(rbErr, "Comment"))
			}
		}
		return err
	}
	if _, err := tx.ExecContext(ctx, "RELEASE submission"); err != nil {
		return storeErr(err, "Comment")
	}
	return nil
}
