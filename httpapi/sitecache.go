package httpapi

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/parleyhq/parley/comment"
)

// NoticeSite says a site's settings changed; the payload is a SiteNotice.
const NoticeSite = "site"

// SiteNotice names the site whose settings changed.
type SiteNotice struct {
	Site string `json:"site"`
}

// siteCache keeps the sites that thread reads look up, so that a cached
// thread is served without a database query. A site's entry is dropped by a
// NoticeSite on the Bus (SiteChanged sends one) or a NoticeReset. Unknown
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

// SiteChanged tells every instance (this one first) that a site's settings
// changed, so that each drops its cached copy and the site's cached threads
// (whose origin checks depend on it). Whoever updates a site calls it after
// the update commits. Failing to publish is logged, not returned.
func (s *Server) SiteChanged(ctx context.Context, site string) {
	s.siteChangedHere(site)
	payload, _ := json.Marshal(SiteNotice{Site: site})
	if err := s.Bus.Publish(ctx, NoticeSite, payload); err != nil {
		s.Logger.Warn("publishing a site change failed", "err", err)
	}
}

func (s *Server) siteChangedHere(site string) {
	s.sites.drop(site)
	s.threads.reset()
}
