package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
)

func commentTx(ctx context.Context, tx *sql.Tx, id int64) (comment.Comment, error) {
	c, err := scanComment(tx.QueryRowContext(ctx, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id WHERE c.id = ?`, id))
	return c, storeErr(err, "Comment")
}

// EditComment replaces a pending comment's text or adds a revision of an
// approved one.
func (s *Store) EditComment(ctx context.Context, e comment.Edit) (comment.Comment, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return comment.Comment{}, storeErr(err, "Comment")
	}
	defer tx.Rollback()
	cur, err := commentTx(ctx, tx, e.CommentID)
	if err != nil {
		return cur, err
	}
	spans, err := json.Marshal(nonNil(e.Spans))
	if err != nil {
		return cur, storeErr(err, "Comment")
	}
	var out comment.Comment
	switch cur.Status {
	case comment.StatusPending, comment.StatusSpam:
		if _, err := tx.ExecContext(ctx, `UPDATE comments SET body = ?, html = ?, score = ?, flagged = ?, spans = ?, edited_at = ?, format = 'markdown' WHERE id = ?`,
			e.Body, e.HTML, e.Score, boolInt(e.Flagged), string(spans), micro(e.At), cur.ID); err != nil {
			return cur, storeErr(err, "Comment")
		}
		if out, err = commentTx(ctx, tx, cur.ID); err != nil {
			return out, err
		}
	case comment.StatusApproved:
		if cur.RevisionOf != 0 {
			return cur, comment.Errorf(comment.CodeConflict, "Comment %d is itself an edit.", cur.ID)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM comments WHERE revision_of = ? AND status = 'pending'`, cur.ID).Scan(&n); err != nil {
			return cur, storeErr(err, "Comment")
		}
		if n > 0 {
			return cur, comment.Errorf(comment.CodeConflict, "An edit of comment %d is already waiting for review.", cur.ID)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO comments (site_id, article_id, parent_id, root_id, author_name, author_website,
			email_cipher, email_hmac, ip_hash, body, html, status, edit_token_hash, score, flagged, spans, created_at, revision_of)
			SELECT site_id, article_id, parent_id, root_id, author_name, author_website, email_cipher, email_hmac, ip_hash,
			?, ?, 'pending', edit_token_hash, ?, ?, ?, ?, id FROM comments WHERE id = ?`,
			e.Body, e.HTML, e.Score, boolInt(e.Flagged), string(spans), micro(e.At), cur.ID)
		if err != nil {
			return cur, storeErr(err, "Comment")
		}
		id, _ := res.LastInsertId()
		if out, err = commentTx(ctx, tx, id); err != nil {
			return out, err
		}
	default:
		return cur, comment.Errorf(comment.CodeConflict, "Comment %d is %s and can no longer be edited.", cur.ID, cur.Status)
	}
	if err := audit(ctx, tx, e.At, "author", comment.ActionEdit, cur.ID, cur.SiteID, "", ""); err != nil {
		return out, err
	}
	if err := insertOutbox(ctx, tx, out.ID, e.At); err != nil {
		return out, err
	}
	return out, storeErr(tx.Commit(), "Comment")
}

// DeleteComment withdraws a comment for its author.
func (s *Store) DeleteComment(ctx context.Context, id int64, at time.Time) (comment.Comment, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return comment.Comment{}, storeErr(err, "Comment")
	}
	defer tx.Rollback()
	cur, err := commentTx(ctx, tx, id)
	if err != nil {
		return cur, err
	}
	if cur.Status == comment.StatusDeleted {
		return cur, comment.Errorf(comment.CodeConflict, "Comment %d is already deleted.", id)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE comments SET status = 'deleted', decided_at = ?, decided_by = 'author'
		WHERE id = ? OR (revision_of = ? AND status = 'pending')`, micro(at), id, id); err != nil {
		return cur, storeErr(err, "Comment")
	}
	if cur.Status == comment.StatusApproved && cur.RevisionOf == 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET approved_count = approved_count - 1 WHERE id = ?`, cur.ArticleID); err != nil {
			return cur, storeErr(err, "Article")
		}
	}
	if err := audit(ctx, tx, at, "author", comment.ActionDelete, id, cur.SiteID, "", ""); err != nil {
		return cur, err
	}
	out, err := commentTx(ctx, tx, id)
	if err != nil {
		return out, err
	}
	if err := insertOutbox(ctx, tx, out.ID, at); err != nil {
		return out, err
	}
	return out, storeErr(tx.Commit(), "Comment")
}

// CreateReport files a reader's report.
func (s *Store) CreateReport(ctx context.Context, r comment.Report) (int, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, storeErr(err, "Report")
	}
	defer tx.Rollback()
	var siteID string
	if err := tx.QueryRowContext(ctx, `SELECT site_id FROM comments WHERE id = ?`, r.CommentID).Scan(&siteID); err != nil {
		return 0, storeErr(err, "Comment")
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO reports (comment_id, site_id, reason, explanation, name, email_cipher, reporter, good_faith, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (comment_id, reporter) DO NOTHING`,
		r.CommentID, siteID, string(r.Reason), r.Explanation, r.Name, nullBytes(r.EmailCipher), r.Reporter, boolInt(r.GoodFaith), micro(r.CreatedAt))
	if err != nil {
		return 0, storeErr(err, "Report")
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM reports WHERE comment_id = ? AND dismissed_at IS NULL`, r.CommentID).Scan(&n); err != nil {
		return 0, storeErr(err, "Report")
	}
	if added, _ := res.RowsAffected(); added == 0 {
		return n, comment.Errorf(comment.CodeConflict, "You already reported this comment.")
	}
	if err := insertOutbox(ctx, tx, r.CommentID, r.CreatedAt); err != nil {
		return n, err
	}
	return n, storeErr(tx.Commit(), "Report")
}

// ReportedQueue returns comments with open reports, most reported first.
func (s *Store) ReportedQueue(ctx context.Context, siteID string, limit int) ([]comment.Reported, error) {
	if limit <= 0 {
		limit = 50
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, storeErr(err, "Report")
	}
	defer tx.Rollback()
	cs, err := queryComments(ctx, tx, `SELECT `+commentCols+` FROM comments c JOIN articles a ON a.id = c.article_id
		JOIN (SELECT comment_id, count(*) AS n, min(created_at) AS first FROM reports
			WHERE dismissed_at IS NULL AND (? = '' OR site_id = ?) GROUP BY comment_id) r ON r.comment_id = c.id
		WHERE c.status IN ('approved', 'pending')
		ORDER BY r.n DESC, r.first, c.id LIMIT ?`, siteID, siteID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]comment.Reported, 0, len(cs))
	for _, c := range cs {
		rows, err := tx.QueryContext(ctx, `SELECT id, comment_id, site_id, reason, explanation, name, email_cipher, reporter, good_faith, created_at
			FROM reports WHERE comment_id = ? AND dismissed_at IS NULL ORDER BY created_at, id`, c.ID)
		if err != nil {
			return nil, storeErr(err, "Report")
		}
		rep := comment.Reported{Comment: c}
		for rows.Next() {
			var r comment.Report
			var reason string
			var gf int
			var at int64
			if err := rows.Scan(&r.ID, &r.CommentID, &r.SiteID, &reason, &r.Explanation, &r.Name, &r.EmailCipher, &r.Reporter, &gf, &at); err != nil {
				rows.Close()
				return nil, storeErr(err, "Report")
			}
			r.Reason, r.GoodFaith, r.CreatedAt = comment.ReportReason(reason), gf != 0, fromMicro(at)
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
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return storeErr(err, "Report")
	}
	defer tx.Rollback()
	var siteID string
	if err := tx.QueryRowContext(ctx, `SELECT site_id FROM comments WHERE id = ?`, commentID).Scan(&siteID); err != nil {
		return storeErr(err, "Comment")
	}
	res, err := tx.ExecContext(ctx, `UPDATE reports SET dismissed_at = ? WHERE comment_id = ? AND dismissed_at IS NULL`, micro(at), commentID)
	if err != nil {
		return storeErr(err, "Report")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return comment.Errorf(comment.CodeNotFound, "Comment %d has no open reports.", commentID)
	}
	if err := audit(ctx, tx, at, moderator, comment.ActionDismissReports, commentID, siteID, "", ""); err != nil {
		return err
	}
	if err := insertOutbox(ctx, tx, commentID, at); err != nil {
		return err
	}
	return storeErr(tx.Commit(), "Report")
}

const appealCols = `comment_id, site_id, message, created_at, original_status, original_reason, original_note, original_by,
	outcome, decided_by, decided_at, note`

func scanAppeal(row interface{ Scan(...any) error }) (comment.Appeal, error) {
	var a comment.Appeal
	var created int64
	var decided sql.NullInt64
	var status, reason, outcome string
	err := row.Scan(&a.CommentID, &a.SiteID, &a.Message, &created, &status, &reason, &a.OriginalNote, &a.OriginalBy,
		&outcome, &a.DecidedBy, &decided, &a.Note)
	a.CreatedAt, a.OriginalStatus, a.OriginalReason, a.Outcome = fromMicro(created), comment.Status(status), comment.Reason(reason), comment.AppealOutcome(outcome)
	if decided.Valid {
		a.DecidedAt = fromMicro(decided.Int64)
	}
	return a, err
}

// CreateAppeal files a comment's one appeal.
func (s *Store) CreateAppeal(ctx context.Context, a comment.Appeal) (comment.Appeal, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return a, storeErr(err, "Appeal")
	}
	defer tx.Rollback()
	c, err := commentTx(ctx, tx, a.CommentID)
	if err != nil {
		return a, err
	}
	if c.Status != comment.StatusRejected && c.Status != comment.StatusRemoved {
		return a, comment.Errorf(comment.CodeConflict, "Comment %d is %s; only rejected or removed comments can be appealed.", c.ID, c.Status)
	}
	a.SiteID, a.OriginalStatus, a.OriginalReason, a.OriginalNote, a.OriginalBy = c.SiteID, c.Status, c.Reason, c.Note, c.DecidedBy
	_, err = tx.ExecContext(ctx, `INSERT INTO appeals (comment_id, site_id, message, created_at, original_status, original_reason, original_note, original_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.CommentID, a.SiteID, a.Message, micro(a.CreatedAt), string(a.OriginalStatus), string(a.OriginalReason),
		a.OriginalNote, a.OriginalBy)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return a, comment.Errorf(comment.CodeConflict, "Comment %d was already appealed; a comment may be appealed once.", a.CommentID)
		}
		return a, storeErr(err, "Appeal")
	}
	if err := audit(ctx, tx, a.CreatedAt, "author", comment.ActionAppeal, a.CommentID, a.SiteID, "", ""); err != nil {
		return a, err
	}
	if err := insertOutbox(ctx, tx, a.CommentID, a.CreatedAt); err != nil {
		return a, err
	}
	return a, storeErr(tx.Commit(), "Appeal")
}

// AppealOf returns a comment's appeal.
func (s *Store) AppealOf(ctx context.Context, commentID int64) (comment.Appeal, error) {
	a, err := scanAppeal(s.r.QueryRowContext(ctx, `SELECT `+appealCols+` FROM appeals WHERE comment_id = ?`, commentID))
	return a, storeErr(err, "Appeal")
}

// Appeals lists the appeals waiting, oldest first.
func (s *Store) Appeals(ctx context.Context, siteID string, limit int) ([]comment.Appeal, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+appealCols+` FROM appeals WHERE outcome = '' AND (? = '' OR site_id = ?)
		ORDER BY created_at, comment_id LIMIT ?`, siteID, siteID, limit)
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
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return comment.Comment{}, storeErr(err, "Appeal")
	}
	defer tx.Rollback()
	a, err := scanAppeal(tx.QueryRowContext(ctx, `SELECT `+appealCols+` FROM appeals WHERE comment_id = ?`, d.CommentID))
	if err != nil {
		return comment.Comment{}, storeErr(err, "Appeal")
	}
	if a.Outcome != "" {
		return comment.Comment{}, comment.Errorf(comment.CodeConflict, "The appeal of comment %d was already decided: %s.", d.CommentID, a.Outcome)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE appeals SET outcome = ?, decided_by = ?, decided_at = ?, note = ? WHERE comment_id = ?`,
		string(d.Outcome), d.Moderator, micro(d.At), d.Note, d.CommentID); err != nil {
		return comment.Comment{}, storeErr(err, "Appeal")
	}
	if d.Outcome == comment.AppealOverturned {
		res, err := tx.ExecContext(ctx, `UPDATE comments SET status = 'approved', reason = '', note = ?, decided_at = ?, decided_by = ?
			WHERE id = ? AND status IN ('rejected', 'removed', 'spam')`, d.Note, micro(d.At), d.Moderator, d.CommentID)
		if err != nil {
			return comment.Comment{}, storeErr(err, "Comment")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return comment.Comment{}, comment.Errorf(comment.CodeConflict, "Comment %d changed since it was appealed.", d.CommentID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET approved_count = approved_count + 1
			WHERE id = (SELECT article_id FROM comments WHERE id = ?)`, d.CommentID); err != nil {
			return comment.Comment{}, storeErr(err, "Article")
		}
	}
	if err := audit(ctx, tx, d.At, d.Moderator, action, d.CommentID, a.SiteID, "", d.Note); err != nil {
		return comment.Comment{}, err
	}
	c, err := commentTx(ctx, tx, d.CommentID)
	if err != nil {
		return c, err
	}
	if err := insertOutbox(ctx, tx, c.ID, d.At); err != nil {
		return c, err
	}
	return c, storeErr(tx.Commit(), "Appeal")
}

// ChangeArticle closes, opens or retitles an article and audits it.
func (s *Store) ChangeArticle(ctx context.Context, ch comment.ArticleChange) (comment.Article, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return comment.Article{}, storeErr(err, "Article")
	}
	defer tx.Rollback()
	a, err := scanArticle(tx.QueryRowContext(ctx, `SELECT `+articleCols+` FROM articles WHERE site_id = ? AND url = ?`, ch.SiteID, ch.URL))
	if err != nil {
		return a, storeErr(err, "Article")
	}
	if ch.Closed != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET closed = ? WHERE id = ?`, boolInt(*ch.Closed), a.ID); err != nil {
			return a, storeErr(err, "Article")
		}
		action := comment.ActionOpenArticle
		if *ch.Closed {
			action = comment.ActionCloseArticle
		}
		if err := auditArticle(ctx, tx, ch, action, ""); err != nil {
			return a, err
		}
	}
	if ch.Title != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET title = ?, title_verified = 1 WHERE id = ?`, *ch.Title, a.ID); err != nil {
			return a, storeErr(err, "Article")
		}
		if err := auditArticle(ctx, tx, ch, comment.ActionSetTitle, *ch.Title); err != nil {
			return a, err
		}
	}
	a, err = scanArticle(tx.QueryRowContext(ctx, `SELECT `+articleCols+` FROM articles WHERE id = ?`, a.ID))
	if err != nil {
		return a, storeErr(err, "Article")
	}
	if err := insertOutbox(ctx, tx, 0, ch.At); err != nil {
		return a, err
	}
	return a, storeErr(tx.Commit(), "Article")
}

func auditArticle(ctx context.Context, tx *sql.Tx, ch comment.ArticleChange, action comment.Action, note string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, moderator, action, comment_id, site_id, note, target) VALUES (?, ?, ?, NULL, ?, ?, ?)`,
		micro(ch.At), ch.Moderator, string(action), ch.SiteID, note, ch.URL)
	return storeErr(err, "Audit")
}

// AddressBan returns the ban holding an address hash on a site.
func (s *Store) AddressBan(ctx context.Context, siteID string, ipHash []byte, now time.Time) (comment.AddressBan, error) {
	b := comment.AddressBan{SiteID: siteID, IPHash: ipHash}
	var until int64
	st, err := s.readStmt(ctx, `SELECT until, reason FROM address_bans WHERE site_id = ? AND ip_hash = ? AND until > ?`)
	if err != nil {
		return b, storeErr(err, "Address ban")
	}
	err = st.QueryRowContext(ctx, siteID, ipHash, micro(now)).Scan(&until, &b.Reason)
	b.Until = fromMicro(until)
	return b, storeErr(err, "Address ban")
}
