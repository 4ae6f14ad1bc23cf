package httpapi

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"sync"
	"sync/atomic"
	"time"

	"github.com/andybalholm/brotli"
)

// DefaultThreadCacheBytes bounds the rendered threads kept in memory.
const DefaultThreadCacheBytes = 24 << 20

// threadCache keeps rendered thread responses, ready to send, until a
// decision on their article invalidates them. It is a least-recently-used
// cache bounded by bytes: bodies and their compressed forms count.
//
// A render that started before an invalidation must not be stored after it
// (it may hold the old thread): put takes the generation read before the
// render and stores nothing if any invalidation happened since.
type threadCache struct {
	mu       sync.Mutex
	maxBytes int64
	bytes    int64
	gen      uint64 // counts invalidations
	lru      *list.List
	entries  map[threadKey]*list.Element
	articles map[string]map[string]struct{} // article key → its cached variants
	// hits and misses count get's answers, for the metrics.
	hits, misses atomic.Uint64
}

type threadKey struct{ article, variant string }

type cacheEntry struct {
	key  threadKey
	t    *cachedThread
	cost int64 // bytes counted for this entry
}

// cachedThread is one rendered thread page. Its compressed forms are made
// once, the first time a client asks for each, and kept with it.
type cachedThread struct {
	body []byte
	etag string
	// expires, when set, is when the body goes stale on its own (an
	// article auto-closing); a later read builds it again.
	expires time.Time

	gzipOnce, brOnce sync.Once
	gzip, br         []byte
	// grew reports compressed bytes added, so the cache can count them.
	grew func(n int)
}

func newThreadCache(maxBytes int64) *threadCache {
	return &threadCache{maxBytes: maxBytes, lru: list.New(), entries: map[threadKey]*list.Element{},
		articles: map[string]map[string]struct{}{}}
}

// get returns a cached response, or the generation to hand to put.
func (c *threadCache) get(article, variant string) (*cachedThread, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[threadKey{article, variant}]
	if !ok {
		c.misses.Add(1)
		return nil, false, c.gen
	}
	c.hits.Add(1)
	c.lru.MoveToFront(el)
	return el.Value.(*cacheEntry).t, true, c.gen
}

// put stores a rendered page unless an invalidation came after gen, then
// evicts the least recently used pages past the byte bound. A page larger
// than the whole bound is not stored.
func (c *threadCache) put(article, variant string, t *cachedThread, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || int64(len(t.body)) > c.maxBytes {
		return
	}
	k := threadKey{article, variant}
	if el, ok := c.entries[k]; ok {
		c.remove(el)
	}
	t.grew = func(n int) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if el, ok := c.entries[k]; ok && el.Value.(*cacheEntry).t == t {
			el.Value.(*cacheEntry).cost += int64(n)
			c.bytes += int64(n)
			c.evict()
		}
	}
	cost := int64(len(t.body)) + entryOverhead
	c.entries[k] = c.lru.PushFront(&cacheEntry{key: k, t: t, cost: cost})
	if c.articles[article] == nil {
		c.articles[article] = map[string]struct{}{}
	}
	c.articles[article][variant] = struct{}{}
	c.bytes += cost
	c.evict()
}

// entryOverhead is counted for each entry beside its bodies: keys, headers.
const entryOverhead = 256

func (c *threadCache) evict() {
	for c.bytes > c.maxBytes && c.lru.Len() > 0 {
		c.remove(c.lru.Back())
	}
}

func (c *threadCache) remove(el *list.Element) {
	e := el.Value.(*cacheEntry)
	c.lru.Remove(el)
	delete(c.entries, e.key)
	if vs := c.articles[e.key.article]; vs != nil {
		delete(vs, e.key.variant)
		if len(vs) == 0 {
			delete(c.articles, e.key.article)
		}
	}
	c.bytes -= e.cost
}

// invalidate drops every cached page of one article.
func (c *threadCache) invalidate(article string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for v := range c.articles[article] {
		if el, ok := c.entries[threadKey{article, v}]; ok {
			c.remove(el)
		}
	}
	c.gen++
}

// reset drops everything.
func (c *threadCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	c.entries = map[threadKey]*list.Element{}
	c.articles = map[string]map[string]struct{}{}
	c.bytes = 0
	c.gen++
}

// stats reports the entries and bytes held, for tests.
func (c *threadCache) stats() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.bytes
}

// gzipped returns the body compressed with gzip, compressing it once.
func (t *cachedThread) gzipped() []byte {
	t.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(t.body)
		zw.Close()
		t.gzip = buf.Bytes()
		if t.grew != nil {
			t.grew(len(t.gzip))
		}
	})
	return t.gzip
}

// brotlied returns the body compressed with Brotli, compressing it once.
func (t *cachedThread) brotlied() []byte {
	t.brOnce.Do(func() {
		var buf bytes.Buffer
		bw := brotli.NewWriterLevel(&buf, 9)
		bw.Write(t.body)
		bw.Close()
		t.br = buf.Bytes()
		if t.grew != nil {
			t.grew(len(t.br))
		}
	})
	return t.br
}

func articleKey(site, url string) string { return site + "\x00" + url }
