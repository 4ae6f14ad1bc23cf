package httpapi

import (
	"context"
	"sync"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
)

// NoticeSite and SiteNotice: see package desk.
const NoticeSite = desk.NoticeSite

// SiteNotice names the site whose settings changed.
type SiteNotice = desk.SiteNotice

// siteCache keeps the sites that thread reads look up, so that a cached
// thread is served without a database query. A site's entry is dropped by a
// NoticeSite on the Bus (desk.UpdateSite sends one) or a NoticeReset. Unknown
// sites are not cached: a site added later is seen at once.
type siteCache struct {
	mu    sync.RWMutex
	gen   uint64
	sites map[string]comment.Site
}

func newSiteCache() *siteCache { return &siteCache{sites: map[string]comment.Site{}} }

// site returns a site from the cache or the store.
func (c *siteCache) site(ctx context.Context, store comment.Store, id string) (comment.Site, error) {
	c.mu.RLock()
	site, ok := c.sites[id]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		return site, nil
	}
	site, err := store.Site(ctx, id)
	if err != nil {
		return site, err
	}
	c.mu.Lock()
	// A change heard while the site was read may be newer than what was
	// read: keep nothing then.
	if gen == c.gen && len(c.sites) < 10000 {
		c.sites[id] = site
	}
	c.mu.Unlock()
	return site, nil
}

func (c *siteCache) drop(id string) {
	c.mu.Lock()
	delete(c.sites, id)
	c.gen++
	c.mu.Unlock()
}

func (c *siteCache) reset() {
	c.mu.Lock()
	c.sites = map[string]comment.Site{}
	c.gen++
	c.mu.Unlock()
}

// siteChangedHere drops a site's cached copy and the cached threads, whose
// origin checks used it. desk.UpdateSite's notice brings it here.
func (s *Server) siteChangedHere(site string) {
	s.sites.drop(site)
	s.threads.reset()
}
