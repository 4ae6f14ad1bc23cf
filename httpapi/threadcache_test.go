package httpapi

import (
	"context"
	"encoding/json"
	"testing"
)

// A render that began before an invalidation is not cached after it: it may
// hold the thread as it was before the change.
func TestThreadCacheDropsRacingRender(t *testing.T) {
	c := newThreadCache(10)
	key := articleKey("news", "https://news.example/a")
	_, ok, gen := c.get(key, "oldest|")
	if ok {
		t.Fatal("empty cache hit")
	}
	c.invalidate(key) // a decision lands while the thread is read and rendered
	c.put(key, "oldest|", cachedThread{body: []byte("stale")}, gen)
	if _, ok, _ := c.get(key, "oldest|"); ok {
		t.Fatal("a render older than the invalidation was cached")
	}
	_, _, gen = c.get(key, "oldest|")
	c.put(key, "oldest|", cachedThread{body: []byte("fresh")}, gen)
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
		s.threads.put(key, "v", cachedThread{body: []byte("x")}, gen)
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
