package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/parleyhq/parley/comment"
)

// The statements of a submission, prepared once on the writer connection:
// parsing them again for every comment cost a third of the writer's time.
const (
	qSiteExists    = `SELECT count(*) FROM sites WHERE id = ?`
	qArticleByURL  = `SELECT ` + articleCols + ` FROM articles WHERE site_id = ? AND url = ?`
	qInsertArticle = `INSERT INTO articles (site_id, url, title, created_at) VALUES (?, ?, ?, ?)`
	qParent        = `SELECT article_id, root_id, status FROM comments WHERE id = ?`
	qInsertComment = `INSERT INTO comments (site_id, article_id, parent_id, root_id, author_name, author_website,
		email_cipher, email_hmac, ip_hash, body, html, status, edit_token_hash, score, flagged, spans, reason, note, created_at, decided_at, decided_by, format, holds)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qInsertAudit   = `INSERT INTO audit_log (at, moderator, action, comment_id, site_id, reason, note) VALUES (?, ?, ?, ?, ?, ?, ?)`
	qCountApproved = `UPDATE articles SET approved_count = approved_count + 1 WHERE id = ?`
	qSavepoint     = `SAVEPOINT submission`
	qRollbackTo    = `ROLLBACK TO submission`
	qRelease       = `RELEASE submission`
)

var submissionQueries = []string{qSiteExists, qArticleByURL, qInsertArticle, qParent, qInsertComment, qInsertAudit,
	qCountApproved, qSavepoint, qRollbackTo, qRelease}

// stmtTx is a transaction of the writer that runs the prepared statements.
type stmtTx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func (t *stmtTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st, ok := t.stmts[q]; ok {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

func (t *stmtTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st, ok := t.stmts[q]; ok {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

// prepare readies the submission statements on the writer connection, once
// (a failure leaves them unprepared: the plain queries still work).
func (s *Store) prepare(ctx context.Context) map[string]*sql.Stmt {
	if s.gc.stmts != nil {
		return s.gc.stmts
	}
	stmts := map[string]*sql.Stmt{}
	for _, q := range submissionQueries {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			for _, st := range stmts {
				st.Close()
			}
			return nil
		}
		stmts[q] = st
	}
	s.gc.stmts = stmts
	return stmts
}

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
	// stmts are the prepared submission statements; only the writer
	// goroutine touches them.
	stmts map[string]*sql.Stmt
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
	for _, st := range s.gc.stmts {
		st.Close()
	}
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
	stmts := s.prepare(ctx)
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		answer(storeErr(err, "Comment"))
		return
	}
	defer sqlTx.Rollback()
	tx := &stmtTx{tx: sqlTx, stmts: stmts}
	for i, sub := range batch {
		if err := sub.ctx.Err(); err != nil {
			results[i] = storeErr(err, "Comment") // the client is gone
			continue
		}
		// The batch's context, not the submitter's: interrupting a statement
		// would roll back the whole transaction, everyone's comments with it.
		results[i] = inSavepoint(ctx, tx, func() error {
			if err := createComment(ctx, tx, sub.c); err != nil {
				return err
			}
			if err := insertNotify(ctx, tx, sub.c); err != nil {
				return err
			}
			// The outbox items travel in the submitter's context.
			return insertItems(ctx, tx, comment.OutboxFrom(sub.ctx, sub.c.ID), sub.c.CreatedAt)
		})
		if err := results[i]; err != nil && !refusal(err) {
			// Not a refusal of this comment but a failure of the database
			// (a full disk, an I/O error): SQLite may have rolled back the
			// whole transaction, and whatever ran after would commit on
			// its own. Fail the whole batch (answer gives this error to every
			// comment not refused already); nothing of it is kept.
			answer(err)
			return
		}
	}
	answer(storeErr(sqlTx.Commit(), "Comment"))
}

// refusal reports whether a submission's error refuses that comment alone
// (an unknown site, a closed article, a bad parent), leaving the
// transaction sound for the others in its batch.
func refusal(err error) bool {
	switch comment.ErrorCode(err) {
	case comment.CodeInvalid, comment.CodeNotFound:
		return true
	}
	return false
}

// inSavepoint runs fn in a savepoint of tx and rolls back only fn's writes
// when it fails.
func inSavepoint(ctx context.Context, tx *stmtTx, fn func() error) error {
	if _, err := tx.ExecContext(ctx, qSavepoint); err != nil {
		return storeErr(err, "Comment")
	}
	if err := fn(); err != nil {
		for _, q := range []string{qRollbackTo, qRelease} {
			if _, rbErr := tx.ExecContext(ctx, q); rbErr != nil {
				return errors.Join(err, storeErr(rbErr, "Comment"))
			}
		}
		return err
	}
	if _, err := tx.ExecContext(ctx, qRelease); err != nil {
		return storeErr(err, "Comment")
	}
	return nil
}
