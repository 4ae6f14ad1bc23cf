package httpapi

import (
	"sync"
	"sync/atomic"
)

// threadCache keeps rendered thread responses, ready to send, until a
// decision on their article invalidates them. It is bounded: past max
// entries it starts over, which costs one re-render per thread.
//
// A render that started before an invalidation must not be stored after it
// (it may hold the old thread): put takes the generation read before the
// render and stores nothing if any invalidation happened since.
type threadCache struct {
	mu       sync.RWMutex
	max      int
	n        int
	gen      uint64                             // counts invalidations
	articles map[string]map[string]cachedThread // article key → variant → response
	// hits and misses count get's answers, for the metrics.
	hits, misses atomic.Uint64
}

type cachedThread struct {
	body []byte
	etag string
}

func newThreadCache(max int) *threadCache {
	return &threadCache{max: max, articles: map[string]map[string]cachedThread{}}
}

// get returns a cached response, or the generation to hand to put.
func (c *threadCache) get(article, variant string) (cachedThread, bool, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.articles[article][variant]
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return t, ok, c.gen
}

func (c *threadCache) put(article, variant string, t cachedThread, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.n >= c.max {
		c.articles, c.n = map[string]map[string]cachedThread{}, 0
	}
	m := c.articles[article]
	if m == nil {
		m = map[string]cachedThread{}
		c.articles[article] = m
	}
	if _, ok := m[variant]; !ok {
		c.n++
	}
	m[variant] = t
}

// invalidate drops every cached page of one article.
func (c *threadCache) invalidate(article string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n -= len(c.articles[article])
	delete(c.articles, article)
	c.gen++
}

// reset drops everything.
func (c *threadCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.articles, c.n = map[string]map[string]cachedThread{}, 0
	c.gen++
}

func articleKey(site, url string) string { return site + "\x00" + url }
