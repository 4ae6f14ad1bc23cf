package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/comment"
)

// notFeaturedExpr is false for a comment among its article's editors'
// picks, so that ascending order puts them first.
const notFeaturedExpr = `NOT EXISTS (SELECT 1 FROM comment_picks p WHERE p.comment_id = c.id)`

// threadFeaturedRootsSQL orders an article's top-level comments featured
// first, then oldest first; the last column says whether each is not
// featured.
func threadFeaturedRootsSQL(after bool) string {
	q := `SELECT ` + commentCols + `, ` + notFeaturedExpr + ` FROM comments c JOIN articles a ON a.id = c.article_id
		WHERE c.article_id = $1 AND c.status IN ('approved', 'removed', 'deleted') AND c.root_id IS NULL AND c.revision_of IS NULL`
	limit := "$2"
	if after {
		q += ` AND (` + notFeaturedExpr + `, c.created_at, c.id) > ($2, $3, $4)`
		limit = "$5"
	}
	return q + ` ORDER BY ` + notFeaturedExpr + `, c.created_at, c.id LIMIT ` + limit
}

// withFeatured scans a comment row followed by its not-featured flag.
type withFeatured struct {
	rows        pgx.Rows
	notFeatured *bool
}

func (w withFeatured) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.notFeatured)...) }

// featuredRoots reads a page of top-level comments sorted featured first
// and the cursor after it.
func featuredRoots(ctx context.Context, tx pgx.Tx, articleID int64, after comment.Cursor, limit int) ([]comment.Comment, comment.Cursor, error) {
	args := []any{articleID}
	if !after.IsZero() {
		args = append(args, !after.Featured, ts(after.CreatedAt), after.ID)
	}
	args = append(args, limit+1)
	rows, err := tx.Query(ctx, threadFeaturedRootsSQL(!after.IsZero()), args...)
	if err != nil {
		return nil, comment.Cursor{}, storeErr(err, "Comment")
	}
	defer rows.Close()
	var out []comment.Comment
	var flags []bool
	for rows.Next() {
		var nf bool
		c, err := scanComment(withFeatured{rows, &nf})
		if err != nil {
			return nil, comment.Cursor{}, storeErr(err, "Comment")
		}
		out, flags = append(out, c), append(flags, !nf)
	}
	if err := rows.Err(); err != nil {
		return nil, comment.Cursor{}, storeErr(err, "Comment")
	}
	var next comment.Cursor
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = comment.Cursor{CreatedAt: last.CreatedAt, ID: last.ID, Featured: flags[limit-1]}
	}
	return out, next, nil
}
