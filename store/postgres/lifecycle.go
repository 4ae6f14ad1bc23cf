package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/parleyhq/parley/comment"
)

// lockComment reads a comment and takes its row lock for the transaction.
func lockComment(ctx context.Context, tx pgx.Tx, id int64) (comment.Comment, error) {
	c, err := scanComment(tx.QueryRow(ctx, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id
		WHERE c.id = $1 FOR UPDATE OF c`, id))
	return c, storeErr(err, "Comment")
}

// EditComment replaces a pending comment's text or adds a revision of an
// approved one.
func (s *Store) EditComment(ctx context.Context, e comment.Edit) (comment.Comment, error) {
	spans, err := json.Marshal(nonNil(e.Spans))
	if err != nil {
		return comment.Comment{}, storeErr(err, "Comment")
	}
	var out comment.Comment
	err = pgx.BeginFunc(ctx, s.pool, thenOutbox(ctx, func() int64 { return out.ID }, e.At, func(tx pgx.Tx) error {
		cur, err := lockComment(ctx, tx, e.CommentID)
		if err != nil {
			return err
		}
		switch cur.Status {
		case comment.StatusPending, comment.StatusSpam:
			if _, err := tx.Exec(ctx, `UPDATE comments SET body = $1, html = $2, score = $3, flagged = $4, spans = $5, edited_at = $6, format = 'markdown' WHERE id = $7`,
				e.Body, e.HTML, e.Score, e.Flagged, string(spans), ts(e.At), cur.ID); err != nil {
				return storeErr(err, "Comment")
			}
			if out, err = commentTx(ctx, tx, cur.ID); err != nil {
				return err
			}
		case comment.StatusApproved:
			if cur.RevisionOf != 0 {
				return comment.Errorf(comment.CodeConflict, "Comment %d is itself an edit.", cur.ID)
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM comments WHERE revision_of = $1 AND status = 'pending'`, cur.ID).Scan(&n); err != nil {
				return storeErr(err, "Comment")
			}
			if n > 0 {
				return comment.Errorf(comment.CodeConflict, "An edit of comment %d is already waiting for review.", cur.ID)
			}
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO comments (site_id, article_id, parent_id, root_id, author_name, author_website,
				email_cipher, email_hmac, ip_hash, body, html, status, edit_token_hash, score, flagged, spans, created_at, revision_of)
				SELECT site_id, article_id, parent_id, root_id, author_name, author_website, email_cipher, email_hmac, ip_hash,
				$1, $2, 'pending', edit_token_hash, $3, $4, $5, $6, id FROM comments WHERE id = $7 RETURNING id`,
				e.Body, e.HTML, e.Score, e.Flagged, string(spans), ts(e.At), cur.ID).Scan(&id); err != nil {
				return storeErr(err, "Comment")
			}
			if out, err = commentTx(ctx, tx, id); err != nil {
				return err
			}
		default:
			return comment.Errorf(comment.CodeConflict, "Comment %d is %s and can no longer be edited.", cur.ID, cur.Status)
		}
		return audit(ctx, tx, e.At, "author", comment.ActionEdit, cur.ID, cur.SiteID, "", "")
	}))
	return out, storeErr(err, "Comment")
}

// DeleteComment withdraws a comment for its author.
func (s *Store) DeleteComment(ctx context.Context, id int64, at time.Time) (comment.Comment, error) {
	var out comment.Comment
	err := pgx.BeginFunc(ctx, s.pool, thenOutbox(ctx, func() int64 { return out.ID }, at, func(tx pgx.Tx) error {
		cur, err := lockComment(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Status == comment.StatusDeleted {
			return comment.Errorf(comment.CodeConflict, "Comment %d is already deleted.", id)
		}
		if _, err := tx.Exec(ctx, `UPDATE comments SET status = 'deleted', decided_at = $1, decided_by = 'author'
			WHERE id = $2 OR (revision_of = $2 AND status = 'pending')`, ts(at), id); err != nil {
			return storeErr(err, "Comment")
		}
		if cur.Status == comment.StatusApproved && cur.RevisionOf == 0 {
			if _, err := tx.Exec(ctx, `UPDATE articles SET approved_count = approved_count - 1 WHERE id = $1`, cur.ArticleID); err != nil {
				return storeErr(err, "Article")
			}
		}
		if err := audit(ctx, tx, at, "author", comment.ActionDelete, id, cur.SiteID, "", ""); err != nil {
			return err
		}
		out, err = commentTx(ctx, tx, id)
		return err
	}))
	return out, storeErr(err, "Comment")
}

// CreateReport files a reader's report.
func (s *Store) CreateReport(ctx context.Context, r comment.Report) (int, error) {
	var n int
	var added bool
	err := pgx.BeginFunc(ctx, s.pool, thenOutbox(ctx, func() int64 {
		return func() int64 {
			if !added {
				return -1
			}
			return r.CommentID
		}()
	}, r.CreatedAt, func(tx pgx.Tx) error {
		var siteID string
		if err := tx.QueryRow(ctx, `SELECT site_id FROM comments WHERE id = $1`, r.CommentID).Scan(&siteID); err != nil {
			return storeErr(err, "Comment")
		}
		tag, err := tx.Exec(ctx, `INSERT INTO reports (comment_id, site_id, reason, explanation, name, email_cipher, reporter, good_faith, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (comment_id, reporter) DO NOTHING`,
			r.CommentID, siteID, string(r.Reason), r.Explanation, r.Name, nullBytes(r.EmailCipher), r.Reporter, r.GoodFaith, ts(r.CreatedAt))
		if err != nil {
			return storeErr(err, "Report")
		}
		added = tag.RowsAffected() > 0
		return storeErr(tx.QueryRow(ctx, `SELECT count(*) FROM reports WHERE comment_id = $1 AND dismissed_at IS NULL`, r.CommentID).Scan(&n), "Report")
	}))
	if err != nil {
		return 0, storeErr(err, "Report")
	}
	if !added {
		return n, comment.Errorf(comment.CodeConflict, "You already reported this comment.")
	}
	return n, nil
}

// ReportedQueue returns comments with open reports, most reported first.
func (s *Store) ReportedQueue(ctx context.Context, siteID string, limit int) ([]comment.Reported, error) {
	if limit <= 0 {
		limit = 50
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, storeErr(err, "Report")
	}
	defer tx.Rollback(context.Background())
	cs, err := queryComments(ctx, tx, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id
		JOIN (SELECT comment_id, count(*) AS n, min(created_at) AS first FROM reports
			WHERE dismissed_at IS NULL AND ($1 = '' OR site_id = $1) GROUP BY comment_id) r ON r.comment_id = c.id
		WHERE c.status IN ('approved', 'pending')
		ORDER BY r.n DESC, r.first, c.id LIMIT $2`, siteID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]comment.Reported, 0, len(cs))
	for _, c := range cs {
		rows, err := tx.Query(ctx, `SELECT id, comment_id, site_id, reason, explanation, name, email_cipher, reporter, good_faith, created_at
			FROM reports WHERE comment_id = $1 AND dismissed_at IS NULL ORDER BY created_at, id`, c.ID)
		if err != nil {
			return nil, storeErr(err, "Report")
		}
		rep := comment.Reported{Comment: c}
		for rows.Next() {
			var r comment.Report
			var reason string
			if err := rows.Scan(&r.ID, &r.CommentID, &r.SiteID, &reason, &r.Explanation, &r.Name, &r.EmailCipher, &r.Reporter, &r.GoodFaith, &r.CreatedAt); err != nil {
				rows.Close()
				return nil, storeErr(err, "Report")
			}
			r.Reason, r.CreatedAt = comment.ReportReason(reason), utc(r.CreatedAt)
			rep.Reports = append(rep.Reports, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, storeErr(err, "Report")
		}
		out = append(out, rep)
	}
	return out, nil
}

// DismissReports closes a comment's open reports.
func (s *Store) DismissReports(ctx context.Context, commentID int64, moderator string, at time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, thenOutbox(ctx, func() int64 { return commentID }, at, func(tx pgx.Tx) error {
		var siteID string
		if err := tx.QueryRow(ctx, `SELECT site_id FROM comments WHERE id = $1`, commentID).Scan(&siteID); err != nil {
			return storeErr(err, "Comment")
		}
		tag, err := tx.Exec(ctx, `UPDATE reports SET dismissed_at = $1 WHERE comment_id = $2 AND dismissed_at IS NULL`, ts(at), commentID)
		if err != nil {
			return storeErr(err, "Report")
		}
		if tag.RowsAffected() == 0 {
			return comment.Errorf(comment.CodeNotFound, "Comment %d has no open reports.", commentID)
		}
		return audit(ctx, tx, at, moderator, comment.ActionDismissReports, commentID, siteID, "", "")
	}))
	return storeErr(err, "Report")
}

const appealCols = `comment_id, site_id, message, created_at, original_status, original_reason, original_note, original_by,
	outcome, decided_by, decided_at, note`

func scanAppeal(row pgx.Row) (comment.Appeal, error) {
	var a comment.Appeal
	var decided *time.Time
	var status, reason, outcome string
	err := row.Scan(&a.CommentID, &a.SiteID, &a.Message, &a.CreatedAt, &status, &reason, &a.OriginalNote, &a.OriginalBy,
		&outcome, &a.DecidedBy, &decided, &a.Note)
	a.CreatedAt, a.OriginalStatus, a.OriginalReason, a.Outcome = utc(a.CreatedAt), comment.Status(status), comment.Reason(reason), comment.AppealOutcome(outcome)
	if decided != nil {
		a.DecidedAt = utc(*decided)
	}
	return a, err
}

// CreateAppeal files a comment's one appeal.
func (s *Store) CreateAppeal(ctx context.Context, a comment.Appeal) (comment.Appeal, error) {
	err := pgx.BeginFunc(ctx, s.pool, thenOutbox(ctx, func() int64 { return a.CommentID }, a.CreatedAt, func(tx pgx.Tx) error {
		c, err := lockComment(ctx, tx, a.CommentID)
		if err != nil {
			return err
		}
		if c.Status != comment.StatusRejected && c.Status != comment.StatusRemoved {
			return comment.Errorf(comment.CodeConflict, "Comment %d is %s; only rejected or removed comments can be appealed.", c.ID, c.Status)
		}
		a.SiteID, a.OriginalStatus, a.OriginalReason, a.OriginalNote, a.OriginalBy = c.SiteID, c.Status, c.Reason, c.Note, c.DecidedBy
		_, err = tx.Exec(ctx, `INSERT INTO appeals (comment_id, site_id, message, created_at, original_status, original_reason, original_note, original_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.CommentID, a.SiteID, a.Message, ts(a.CreatedAt), string(a.OriginalStatus),
			string(a.OriginalReason), a.OriginalNote, a.OriginalBy)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return comment.Errorf(comment.CodeConflict, "Comment %d was already appealed; a comment may be appealed once.", a.CommentID)
		}
		if err != nil {
			return storeErr(err, "Appeal")
		}
		return audit(ctx, tx, a.CreatedAt, "author", comment.ActionAppeal, a.CommentID, a.SiteID, "", "")
	}))
	return a, storeErr(err, "Appeal")
}

// AppealOf returns a comment's appeal.
func (s *Store) AppealOf(ctx context.Context, commentID int64) (comment.Appeal, error) {
	a, err := scanAppeal(s.pool.QueryRow(ctx, `SELECT `+appealCols+` FROM appeals WHERE comment_id = $1`, commentID))
	return a, storeErr(err, "Appeal")
}

// Appeals lists the appeals waiting, oldest first.
func (s *Store) Appeals(ctx context.Context, siteID string, limit int) ([]comment.Appeal, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.pool.Query(ctx, `SELECT `+appealCols+` FROM appeals WHERE outcome = '' AND ($1 = '' OR site_id = $1)
		ORDER BY created_at, comment_id LIMIT $2`, siteID, limit)
	if err != nil {
		return nil, storeErr(err, "Appeal")
	}
	defer rows.Close()
	var out []comment.Appeal
	for rows.Next() {
		a, err := scanAppeal(rows)
		if err != nil {
			return nil, storeErr(err, "Appeal")
		}
		out = append(out, a)
	}
	return out, storeErr(rows.Err(), "Appeal")
}

// DecideAppeal upholds or overturns an appeal.
func (s *Store) DecideAppeal(ctx context.Context, d comment.AppealDecision) (comment.Comment, error) {
	action := comment.ActionUphold
	switch d.Outcome {
	case comment.AppealUpheld:
	case comment.AppealOverturned:
		action = comment.ActionOverturn
	default:
		return comment.Comment{}, comment.Invalid(comment.FieldError{Field: "outcome", Message: "must be upheld or overturned"})
	}
	var c comment.Comment
	err := pgx.BeginFunc(ctx, s.pool, thenOutbox(ctx, func() int64 { return c.ID }, d.At, func(tx pgx.Tx) error {
		a, err := scanAppeal(tx.QueryRow(ctx, `SELECT `+appealCols+` FROM appeals WHERE comment_id = $1 FOR UPDATE`, d.CommentID))
		if err != nil {
			return storeErr(err, "Appeal")
		}
		if a.Outcome != "" {
			return comment.Errorf(comment.CodeConflict, "The appeal of comment %d was already decided: %s.", d.CommentID, a.Outcome)
		}
		if _, err := tx.Exec(ctx, `UPDATE appeals SET outcome = $1, decided_by = $2, decided_at = $3, note = $4 WHERE comment_id = $5`,
			string(d.Outcome), d.Moderator, ts(d.At), d.Note, d.CommentID); err != nil {
			return storeErr(err, "Appeal")
		}
		if d.Outcome == comment.AppealOverturned {
			tag, err := tx.Exec(ctx, `UPDATE comments SET status = 'approved', reason = '', note = $1, decided_at = $2, decided_by = $3
				WHERE id = $4 AND status IN ('rejected', 'removed', 'spam')`, d.Note, ts(d.At), d.Moderator, d.CommentID)
			if err != nil {
				return storeErr(err, "Comment")
			}
			if tag.RowsAffected() == 0 {
				return comment.Errorf(comment.CodeConflict, "Comment %d changed since it was appealed.", d.CommentID)
			}
			if _, err := tx.Exec(ctx, `UPDATE articles SET approved_count = approved_count + 1
				WHERE id = (SELECT article_id FROM comments WHERE id = $1)`, d.CommentID); err != nil {
				return storeErr(err, "Article")
			}
		}
		if err := audit(ctx, tx, d.At, d.Moderator, action, d.CommentID, a.SiteID, "", d.Note); err != nil {
			return err
		}
		c, err = commentTx(ctx, tx, d.CommentID)
		return err
	}))
	return c, storeErr(err, "Appeal")
}

// ChangeArticle closes, opens or retitles an article and audits it.
func (s *Store) ChangeArticle(ctx context.Context, ch comment.ArticleChange) (comment.Article, error) {
	var a comment.Article
	err := pgx.BeginFunc(ctx, s.pool, thenOutbox(ctx, func() int64 { return 0 }, ch.At, func(tx pgx.Tx) error {
		var err error
		a, err = scanArticle(tx.QueryRow(ctx, `SELECT `+articleCols+` FROM articles WHERE site_id = $1 AND url = $2 FOR UPDATE`, ch.SiteID, ch.URL))
		if err != nil {
			return storeErr(err, "Article")
		}
		if ch.Closed != nil {
			if _, err := tx.Exec(ctx, `UPDATE articles SET closed = $1 WHERE id = $2`, *ch.Closed, a.ID); err != nil {
				return storeErr(err, "Article")
			}
			action := comment.ActionOpenArticle
			if *ch.Closed {
				action = comment.ActionCloseArticle
			}
			if err := auditArticle(ctx, tx, ch, action, ""); err != nil {
				return err
			}
		}
		if ch.Title != nil {
			if _, err := tx.Exec(ctx, `UPDATE articles SET title = $1, title_verified = true WHERE id = $2`, *ch.Title, a.ID); err != nil {
				return storeErr(err, "Article")
			}
			if err := auditArticle(ctx, tx, ch, comment.ActionSetTitle, *ch.Title); err != nil {
				return err
			}
		}
		a, err = scanArticle(tx.QueryRow(ctx, `SELECT `+articleCols+` FROM articles WHERE id = $1`, a.ID))
		return storeErr(err, "Article")
	}))
	return a, storeErr(err, "Article")
}

func auditArticle(ctx context.Context, tx pgx.Tx, ch comment.ArticleChange, action comment.Action, note string) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (at, moderator, action, comment_id, site_id, note, target) VALUES ($1, $2, $3, NULL, $4, $5, $6)`,
		ts(ch.At), ch.Moderator, string(action), ch.SiteID, note, ch.URL)
	return storeErr(err, "Audit")
}

// AddressBan returns the ban holding an address hash on a site.
func (s *Store) AddressBan(ctx context.Context, siteID string, ipHash []byte, now time.Time) (comment.AddressBan, error) {
	b := comment.AddressBan{SiteID: siteID, IPHash: ipHash}
	err := s.pool.QueryRow(ctx, `SELECT until, reason FROM address_bans WHERE site_id = $1 AND ip_hash = $2 AND until > $3`,
		siteID, ipHash, ts(now)).Scan(&b.Until, &b.Reason)
	b.Until = utc(b.Until)
	return b, storeErr(err, "Address ban")
}
