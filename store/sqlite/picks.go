package sqlite

import (
	"context"

	"github.com/parleyhq/parley/comment"
)

// SetFeatured features or unfeatures an approved comment, audited.
func (s *Store) SetFeatured(ctx context.Context, ch comment.FeatureChange) (comment.Comment, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return comment.Comment{}, storeErr(err, "Comment")
	}
	defer tx.Rollback()
	c, err := commentTx(ctx, tx, ch.CommentID)
	if err != nil {
		return c, err
	}
	if c.Status != comment.StatusApproved {
		return c, comment.Errorf(comment.CodeConflict, "Only a published comment can be featured; this one is %s.", c.Status)
	}
	action := comment.ActionFeature
	if ch.Featured {
		_, err = tx.ExecContext(ctx, `INSERT INTO comment_picks (comment_id, featured_by, featured_at) VALUES (?, ?, ?)
			ON CONFLICT (comment_id) DO NOTHING`, c.ID, ch.Moderator, micro(ch.At))
	} else {
		action = comment.ActionUnfeature
		_, err = tx.ExecContext(ctx, `DELETE FROM comment_picks WHERE comment_id = ?`, c.ID)
	}
	if err != nil {
		return c, storeErr(err, "Comment")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, moderator, action, comment_id, site_id, reason, note) VALUES (?, ?, ?, ?, ?, '', '')`,
		micro(ch.At), ch.Moderator, string(action), c.ID, c.SiteID); err != nil {
		return c, storeErr(err, "Audit")
	}
	return c, storeErr(tx.Commit(), "Comment")
}

// Picks returns an article's featured comments still approved: one
// statement, prepared once, as every thread's first page asks it.
func (s *Store) Picks(ctx context.Context, siteID, url string) ([]comment.Comment, error) {
	st, err := s.readStmt(ctx, `SELECT `+commentCols+` FROM comment_picks p JOIN comments c ON c.id = p.comment_id
		JOIN articles a ON a.id = c.article_id
		WHERE a.site_id = ? AND a.url = ? AND c.status = 'approved' ORDER BY p.featured_at DESC, c.id DESC LIMIT 20`)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	rows, err := st.QueryContext(ctx, siteID, url)
	if err != nil {
		return nil, storeErr(err, "Comment")
	}
	return scanComments(rows)
}
