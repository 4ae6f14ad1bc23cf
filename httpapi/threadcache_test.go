package httpapi

import (
	"context"
	"encoding/json"
	"testing"
)

// A render that began before an invalidation is not cached after it: it may
// hold the thread as it was before the change.
func TestThreadCacheDropsRacingRender(t *testing.T) {
	c := newThreadCache(1 << 20)
	key := articleKey("news", "https://news.example/a")
	_, ok, gen := c.get(key, "oldest|")
	if ok {
		t.Fatal("empty cache hit")
	}
	c.invalidate(key) // a decision lands while the thread is read and rendered
	c.put(key, "oldest|", &cachedThread{body: []byte("stale")}, gen)
	if _, ok, _ := c.get(key, "oldest|"); ok {
		t.Fatal("a render older than the invalidation was cached")
	}
	_, _, gen = c.get(key, "oldest|")
	c.put(key, "oldest|", &cachedThread{body: []byte("fresh")}, gen)
	if got, ok, _ := c.get(key, "oldest|"); !ok || string(got.body) != "fresh" {
		t.Fatalf("fresh render not cached: %q %v", got.body, ok)
	}
	c.reset()
	if _, ok, _ := c.get(key, "oldest|"); ok {
		t.Fatal("reset kept an entry")
	}
}

// The Server hears thread and reset notices from its Bus, whoever sent them.
func TestServerHearsBusNotices(t *testing.T) {
	bus := NewLocalBus()
	s := New(Config{Bus: bus})
	key := articleKey("news", "https://news.example/a")
	put := func() {
		_, _, gen := s.threads.get(key, "v")
		s.threads.put(key, "v", &cachedThread{body: []byte("x")}, gen)
	}
	put()
	payload, _ := json.Marshal(ThreadNotice{Site: "news", URL: "https://news.example/a"})
	bus.Publish(context.Background(), NoticeThread, payload)
	if _, ok, _ := s.threads.get(key, "v"); ok {
		t.Error("thread notice did not drop the cached thread")
	}
	put()
	bus.Publish(context.Background(), NoticeReset, nil)
	if _, ok, _ := s.threads.get(key, "v"); ok {
		t.Error("reset notice did not drop the cache")
	}
	s.Close()
	put()
	bus.Publish(context.Background(), NoticeThread, payload)
	if _, ok, _ := s.threads.get(key, "v"); !ok {
		t.Error("a closed Server still hears its bus")
	}
}

// The cache is bounded by bytes and evicts the least recently used page.
func TestThreadCacheLRUByBytes(t *testing.T) {
	page := func(n int) *cachedThread { return &cachedThread{body: make([]byte, n)} }
	c := newThreadCache(3 * (1000 + entryOverhead))
	for _, a := range []string{"a", "b", "c"} {
		_, _, gen := c.get(a, "v")
		c.put(a, "v", page(1000), gen)
	}
	c.get("a", "v") // a is now the most recently used; b the least
	_, _, gen := c.get("d", "v")
	c.put("d", "v", page(1000), gen)
	for art, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok, _ := c.get(art, "v"); ok != want {
			t.Errorf("%s cached = %v, want %v", art, ok, want)
		}
	}
	if n, b := c.stats(); n != 3 || b != 3*(1000+entryOverhead) {
		t.Errorf("stats = %d entries, %d bytes; want 3, %d", n, b, 3*(1000+entryOverhead))
	}
	// A page bigger than the whole bound is not kept.
	_, _, gen = c.get("huge", "v")
	c.put("huge", "v", page(1<<20), gen)
	if _, ok, _ := c.get("huge", "v"); ok {
		t.Error("a page over the bound was cached")
	}
	// Compressed forms count: compressing a kept page grows the total, and
	// invalidating its article gives all of it back.
	tp, ok, _ := c.get("a", "v")
	if !ok {
		t.Fatal("a evicted")
	}
	c.invalidate("c") // room to grow
	_, before := c.stats()
	tp.gzipped()
	_, after := c.stats()
	if after != before+int64(len(tp.gzip)) {
		t.Errorf("gzip not counted: %d → %d (gzip %d bytes)", before, after, len(tp.gzip))
	}
	c.invalidate("a")
	c.invalidate("d")
	if n, b := c.stats(); n != 0 || b != 0 {
		t.Errorf("after invalidating all: %d entries, %d bytes", n, b)
	}
}

func TestAcceptEncoding(t *testing.T) {
	for header, want := range map[string]string{
		"":                             "",
		"gzip":                         "gzip",
		"gzip, deflate, br":            "br",
		"br;q=0, gzip":                 "gzip",
		"BR;q=0.5":                     "br",
		"identity":                     "",
		"gzip;q=0":                     "",
		"deflate, gzip;q=1.0, *;q=0.5": "gzip",
	} {
		if got := acceptEncoding(header); got != want {
			t.Errorf("acceptEncoding(%q) = %q, want %q", header, got, want)
		}
	}
}
