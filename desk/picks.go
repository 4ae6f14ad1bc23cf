package desk

import (
	"context"

	"github.com/parleyhq/parley/comment"
)

// Feature features a published comment among its article's editors'
// picks (or takes it back), audited under the editor's name, and drops the
// article's cached thread on every instance. CodeConflict when the comment
// is not published; CodeNotFound.
func (d *Desk) Feature(ctx context.Context, id int64, featured bool, moderator string) (comment.Comment, error) {
	c, err := d.Store.SetFeatured(ctx, comment.FeatureChange{CommentID: id, Featured: featured, Moderator: moderator, At: d.Now().UTC()})
	if err != nil {
		return c, err
	}
	d.threadChanged(ctx, c.SiteID, c.ArticleURL)
	return c, nil
}
