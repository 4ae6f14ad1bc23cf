package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/comment"
)

// SetFeatured features or unfeatures an approved comment, audited.
func (s *Store) SetFeatured(ctx context.Context, ch comment.FeatureChange) (comment.Comment, error) {
	var c comment.Comment
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Lock the comment, so that a removal racing the feature is seen.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM comments WHERE id = $1 FOR UPDATE`, ch.CommentID); err != nil {
			return storeErr(err, "Comment")
		}
		var err error
		if c, err = commentTx(ctx, tx, ch.CommentID); err != nil {
			return err
		}
		if c.Status != comment.StatusApproved {
			return comment.Errorf(comment.CodeConflict, "Only a published comment can be featured; this one is %s.", c.Status)
		}
		action := comment.ActionFeature
		if ch.Featured {
			_, err = tx.Exec(ctx, `INSERT INTO comment_picks (comment_id, featured_by, featured_at) VALUES ($1, $2, $3)
				ON CONFLICT (comment_id) DO NOTHING`, c.ID, ch.Moderator, ts(ch.At))
		} else {
			action = comment.ActionUnfeature
			_, err = tx.Exec(ctx, `DELETE FROM comment_picks WHERE comment_id = $1`, c.ID)
		}
		if err != nil {
			return storeErr(err, "Comment")
		}
		_, err = tx.Exec(ctx, `INSERT INTO audit_log (at, moderator, action, comment_id, site_id, reason, note) VALUES ($1, $2, $3, $4, $5, '', '')`,
			ts(ch.At), ch.Moderator, string(action), c.ID, c.SiteID)
		return storeErr(err, "Audit")
	})
	return c, storeErr(err, "Comment")
}

// Picks returns an article's featured comments still approved.
func (s *Store) Picks(ctx context.Context, siteID, url string) ([]comment.Comment, error) {
	return queryComments(ctx, s.pool, `SELECT `+commentCols+` FROM comment_picks p JOIN comments c ON c.id = p.comment_id
		JOIN articles a ON a.id = c.article_id
		WHERE a.site_id = $1 AND a.url = $2 AND c.status = 'approved' ORDER BY p.featured_at DESC, c.id DESC LIMIT 20`, siteID, url)
}
