package httpapi

import (
	"context"

	"github.com/parleyhq/parley/comment"
)

// aliasCache keeps each site's article aliases (a URL whose page names
// another as canonical → that canonical URL), so that thread reads and
// submissions under an alias use the canonical article without a database
// query; desk.CanonicalizeArticle's NoticeAlias drops a site's.
type aliasCache struct{ *perSite[map[string]string] }

func newAliasCache() aliasCache { return aliasCache{newPerSite[map[string]string]()} }

// resolve returns the canonical URL of url on a site: its alias's target,
// else url itself.
func (c aliasCache) resolve(ctx context.Context, store comment.Store, siteID, url string) (string, error) {
	aliases, err := c.get(siteID, func() (map[string]string, error) { return store.ArticleAliases(ctx, siteID) })
	if err != nil {
		return url, err
	}
	if canonical, ok := aliases[url]; ok {
		return canonical, nil
	}
	return url, nil
}
