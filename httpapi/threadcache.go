package httpapi

import "sync"

// threadCache keeps rendered thread responses, ready to send, until a
// decision on their article invalidates them. It is bounded: past max
// entries it starts over, which costs one re-render per thread.
type threadCache struct {
	mu       sync.RWMutex
	max      int
	n        int
	articles map[string]map[string]cachedThread // article key → variant → response
}

type cachedThread struct {
	body []byte
	etag string
}

func newThreadCache(max int) *threadCache {
	return &threadCache{max: max, articles: map[string]map[string]cachedThread{}}
}

func (c *threadCache) get(article, variant string) (cachedThread, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.articles[article][variant]
	return t, ok
}

func (c *threadCache) put(article, variant string, t cachedThread) {
	c.mu.Lock()
	defer c.mu.Unlock()
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
}

func articleKey(site, url string) string { return site + "\x00" + url }
