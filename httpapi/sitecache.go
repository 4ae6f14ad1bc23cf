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

// perSite keeps one value per site read from the store, so that a hot path
// (a cached thread read, a submission) makes no query for it: the site's
// settings (siteCache), its article aliases (aliasCache). A site's entry
// is dropped by its notice on the Bus, every entry by a NoticeReset; a
// value read while a drop was heard may be older than the change and is
// not kept. Errors (an unknown site among them) are never kept, so a site
// added later is seen at once.
type perSite[T any] struct {
	mu    sync.RWMutex
	gen   uint64
	items map[string]T
}

func newPerSite[T any]() *perSite[T] { return &perSite[T]{items: map[string]T{}} }

// get returns a site's value from the cache, or from read.
func (c *perSite[T]) get(id string, read func() (T, error)) (T, error) {
	c.mu.RLock()
	v, ok := c.items[id]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		return v, nil
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if gen == c.gen && len(c.items) < 10000 {
		c.items[id] = v
	}
	c.mu.Unlock()
	return v, nil
}

func (c *perSite[T]) drop(id string) {
	c.mu.Lock()
	delete(c.items, id)
	c.gen++
	c.mu.Unlock()
}

func (c *perSite[T]) reset() {
	c.mu.Lock()
	c.items = map[string]T{}
	c.gen++
	c.mu.Unlock()
}

// siteCache keeps the sites that thread reads look up; desk.UpdateSite's
// NoticeSite drops one.
type siteCache struct{ *perSite[comment.Site] }

func newSiteCache() siteCache { return siteCache{newPerSite[comment.Site]()} }

// site returns a site from the cache or the store.
func (c siteCache) site(ctx context.Context, store comment.Store, id string) (comment.Site, error) {
	return c.get(id, func() (comment.Site, error) { return store.Site(ctx, id) })
}

// siteChangedHere drops a site's cached copy and the cached threads, whose
// origin checks used it. desk.UpdateSite's notice brings it here.
func (s *Server) siteChangedHere(site string) {
	s.sites.drop(site)
	s.threads.reset()
}
