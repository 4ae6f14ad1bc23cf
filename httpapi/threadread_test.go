package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
)

// countingStore counts the reads that a thread request may make.
type countingStore struct {
	comment.Store
	sites, threads, aliases atomic.Int64
}

func (s *countingStore) ArticleAliases(ctx context.Context, siteID string) (map[string]string, error) {
	s.aliases.Add(1)
	return s.Store.ArticleAliases(ctx, siteID)
}

func (s *countingStore) Site(ctx context.Context, id string) (comment.Site, error) {
	s.sites.Add(1)
	return s.Store.Site(ctx, id)
}

func (s *countingStore) Thread(ctx context.Context, q comment.ThreadQuery) (comment.Thread, error) {
	s.threads.Add(1)
	return s.Store.Thread(ctx, q)
}

// rawGet reads a thread with the given Accept-Encoding, without the
// client's own decompression.
func rawGet(t *testing.T, base, query, encoding string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/threads?"+query, nil)
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", query, resp.StatusCode, body)
	}
	return resp, body
}

// A cached thread is served without touching the database: neither the
// site, nor its article aliases, nor the thread is read again until a
// change drops them.
func TestThreadCacheHitQueriesNothing(t *testing.T) {
	var cs *countingStore
	e := newEnv(t, func(c *httpapi.Config) {
		cs = &countingStore{Store: c.Store}
		c.Store = cs
	})
	a := e.submit(validSubmission())
	e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", a.ID), nil, nil)
	_, first := rawGet(t, e.srv.URL, threadQuery(""), "")
	sites, threads := cs.sites.Load(), cs.threads.Load()
	if cs.aliases.Load() != 1 {
		t.Errorf("the site's aliases were read %d times, want once", cs.aliases.Load())
	}
	for range 5 {
		if _, body := rawGet(t, e.srv.URL, threadQuery(""), ""); !bytes.Equal(body, first) {
			t.Fatal("a cached read differs from the first")
		}
	}
	if cs.sites.Load() != sites || cs.threads.Load() != threads || cs.aliases.Load() != 1 {
		t.Errorf("cache hits queried the store: sites %d→%d, threads %d→%d, aliases 1→%d", sites, cs.sites.Load(), threads, cs.threads.Load(), cs.aliases.Load())
	}

	// A site change heard on the Bus drops the cached site: the next read
	// looks it up again, and sees the new origins.
	site, _ := e.store.Site(context.Background(), "news")
	site.Origins = []string{"https://other.example"}
	if err := e.api.Desk.UpdateSite(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/threads?"+threadQuery(""), nil)
	req.Header.Set("Origin", origin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("read from a removed origin after UpdateSite: %d, want 403", resp.StatusCode)
	}
	if cs.sites.Load() != sites+1 {
		t.Errorf("site lookups after UpdateSite: %d, want %d", cs.sites.Load(), sites+1)
	}
}

// A URL off the site's origins is answered (an empty thread) but never
// cached, so that nobody can fill the cache with made-up URLs.
func TestThreadCacheSkipsOffOriginURLs(t *testing.T) {
	var cs *countingStore
	e := newEnv(t, func(c *httpapi.Config) {
		cs = &countingStore{Store: c.Store}
		c.Store = cs
	})
	q := "site=news&url=" + url.QueryEscape("https://elsewhere.example/x")
	rawGet(t, e.srv.URL, q, "")
	rawGet(t, e.srv.URL, q, "")
	if n := cs.threads.Load(); n != 2 {
		t.Errorf("off-origin URL read twice queried the thread %d times, want 2 (not cached)", n)
	}
	rawGet(t, e.srv.URL, threadQuery(""), "")
	rawGet(t, e.srv.URL, threadQuery(""), "")
	if n := cs.threads.Load(); n != 3 {
		t.Errorf("on-origin URL read twice: %d thread queries in all, want 3 (cached)", n)
	}
}

// Brotli and gzip are served to clients that accept them, and decode to the
// same bytes as the plain response.
func TestThreadCompressed(t *testing.T) {
	e := newEnv(t)
	for i := range 20 {
		req := validSubmission()
		req["body"] = fmt.Sprintf("Comment %d: the patrol question decides everything, **really**.", i)
		a := e.submit(req)
		e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", a.ID), nil, nil)
	}
	_, plain := rawGet(t, e.srv.URL, threadQuery(""), "")
	for _, tc := range []struct {
		accept, want string
		decode       func(io.Reader) io.Reader
	}{
		{"gzip, deflate, br", "br", func(r io.Reader) io.Reader { return brotli.NewReader(r) }},
		{"gzip", "gzip", func(r io.Reader) io.Reader { z, _ := gzip.NewReader(r); return z }},
	} {
		resp, body := rawGet(t, e.srv.URL, threadQuery(""), tc.accept)
		if got := resp.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.want)
			continue
		}
		if len(body) >= len(plain) {
			t.Errorf("%s body %d bytes, plain %d", tc.want, len(body), len(plain))
		}
		if resp.Header.Values("Vary") == nil || resp.Header.Get("ETag") == "" {
			t.Errorf("%s: missing Vary or ETag: %v", tc.want, resp.Header)
		}
		decoded, err := io.ReadAll(tc.decode(bytes.NewReader(body)))
		if err != nil || !bytes.Equal(decoded, plain) {
			t.Errorf("%s does not decode to the plain body (err %v)", tc.want, err)
		}
	}
}
