package httpapi

import (
	"context"
	"sync"

	"github.com/parleyhq/parley/comment"
)

// aliasCache keeps each site's article aliases (a URL whose page names
// another as canonical → that canonical URL), so that thread reads and
// submissions under an alias use the canonical article without a database
// query. A site's aliases are read on its first use and dropped by a
// NoticeAlias on the Bus (desk.CanonicalizeArticle sends one) or a
// NoticeReset, then read again.
type aliasCache struct {
	mu    sync.RWMutex
	gen   uint64
	sites map[string]map[string]string
}

func newAliasCache() *aliasCache { return &aliasCache{sites: map[string]map[string]string{}} }

// resolve returns the canonical URL of url on a site: its alias's target,
// else url itself.
func (c *aliasCache) resolve(ctx context.Context, store comment.Store, siteID, url string) (string, error) {
	c.mu.RLock()
	aliases, ok := c.sites[siteID]
	gen := c.gen
	c.mu.RUnlock()
	if !ok {
		var err error
		if aliases, err = store.ArticleAliases(ctx, siteID); err != nil {
			return url, err
		}
		c.mu.Lock()
		// An alias heard of while these were read may be missing from them:
		// keep nothing then.
		if gen == c.gen && len(c.sites) < 10000 {
			c.sites[siteID] = aliases
		}
		c.mu.Unlock()
	}
	if canonical, ok := aliases[url]; ok {
		return canonical, nil
	}
	return url, nil
}

func (c *aliasCache) drop(siteID string) {
	c.mu.Lock()
	delete(c.sites, siteID)
	c.gen++
	c.mu.Unlock()
}

func (c *aliasCache) reset() {
	c.mu.Lock()
	c.sites = map[string]map[string]string{}
	c.gen++
	c.mu.Unlock()
}
