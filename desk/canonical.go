package desk

import (
	"context"
	"encoding/json"

	"github.com/parleyhq/parley/comment"
)

// NoticeAlias says a site gained an article alias; the payload is an
// AliasNotice. Each instance drops the site's aliases it keeps in memory and
// reads them again on next use.
const NoticeAlias = "alias"

// AliasNotice names the site whose article aliases changed.
type AliasNotice struct {
	Site string `json:"site"`
}

// CanonicalizeArticle moves an article to the canonical URL its page names
// (see comment.LifecycleStore), drops the cached threads of both URLs on
// every instance, and tells every instance to read the site's aliases
// again. The store's codes.
func (d *Desk) CanonicalizeArticle(ctx context.Context, ch comment.ArticleCanonical) (comment.Article, error) {
	if ch.At.IsZero() {
		ch.At = d.Now().UTC()
	}
	a, err := d.Store.CanonicalizeArticle(ctx, ch)
	if err != nil {
		return a, err
	}
	payload, _ := json.Marshal(AliasNotice{Site: ch.SiteID})
	if err := d.Bus.Publish(ctx, NoticeAlias, payload); err != nil {
		d.Logger.Warn("publishing an alias change failed", "err", err)
	}
	d.threadChanged(ctx, ch.SiteID, ch.URL)
	d.threadChanged(ctx, ch.SiteID, ch.Canonical)
	return a, nil
}
