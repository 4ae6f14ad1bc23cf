package sqlite

import (
	"context"
	"database/sql"

	"github.com/parleyhq/parley/comment"
)

// featuredExpr is 1 for a comment among its article's editors' picks.
const featuredExpr = `EXISTS (SELECT 1 FROM comment_picks p WHERE p.comment_id = c.id)`

// threadFeaturedRootsSQL orders an article's top-level comments featured
// first, then oldest first; the last column says whether each is featured.
func threadFeaturedRootsSQL(after bool) string {
	q := `SELECT ` + commentCols + `, ` + featuredExpr + ` FROM comments c JOIN articles a ON a.id = c.article_id
		WHERE c.article_id = ? AND c.status IN ('approved', 'removed', 'deleted') AND c.root_id IS NULL AND c.revision_of IS NULL`
	if after {
		q += ` AND (` + featuredExpr + ` < ? OR (` + featuredExpr + ` = ? AND (c.created_at, c.id) > (?, ?)))`
	}
	return q + ` ORDER BY ` + featuredExpr + ` DESC, c.created_at, c.id LIMIT ?`
}

// withFeatured scans a comment row followed by its featured flag.
type withFeatured struct {
	rows     *sql.Rows
	featured *int
}

func (w withFeatured) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.featured)...) }

// featuredRoots reads a page of top-level comments sorted featured first
// and the cursor after it.
func featuredRoots(ctx context.Context, tx *sql.Tx, articleID int64, after comment.Cursor, limit int) ([]comment.Comment, comment.Cursor, error) {
	args := []any{articleID}
	if !after.IsZero() {
		f := boolInt(after.Featured)
		args = append(args, f, f, micro(after.CreatedAt), after.ID)
	}
	args = append(args, limit+1)
	rows, err := tx.QueryContext(ctx, threadFeaturedRootsSQL(!after.IsZero()), args...)
	if err != nil {
		return nil, comment.Cursor{}, storeErr(err, "Comment")
	}
	defer rows.Close()
	var out []comment.Comment
	var flags []bool
	for rows.Next() {
		var f int
		c, err := scanComment(withFeatured{rows, &f})
		if err != nil {
			return nil, comment.Cursor{}, storeErr(err, "Comment")
		}
		out, flags = append(out, c), append(flags, f != 0)
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
