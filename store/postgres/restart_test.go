package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/store/postgres/pgtest"
)

// PostgreSQL restarts under a trickle of submissions to two instances:
// requests that meet the outage fail with a clear 503 and Retry-After, the
// next ones succeed once it is back, every acknowledged comment is there
// afterwards, and the instances' notice bus reconnects (a decision on B
// again reaches A's cache at once).
func TestPostgresRestart(t *testing.T) {
	pgtest.Cluster(t) // skip early when PostgreSQL cannot be restarted here
	c := newClusterAt(t, pgtest.ExclusiveURL(t))
	a, b := c.start(t, false), c.start(t, false)
	hearEachOther(t, a, b)

	type result struct {
		code       int
		id         int64
		body       string
		retryAfter string
		detail     string
	}
	var mu sync.Mutex
	var results []result
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w, in := range []*instance{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(15 * time.Millisecond):
				}
				body := fmt.Sprintf("Trickle %d-%d: a comment that must not be lost.", w, i)
				raw, _ := json.Marshal(map[string]any{"site": "news", "article_url": articleURL, "article_title": "Talks",
					"name": "Ada", "email": "ada@example.com", "body": body})
				resp, err := http.Post(in.url+"/api/v1/comments", "application/json", strings.NewReader(string(raw)))
				if err != nil {
					t.Errorf("submit: %v", err)
					return
				}
				var out struct {
					ID     int64  `json:"id"`
					Detail string `json:"detail"`
				}
				json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				mu.Lock()
				results = append(results, result{resp.StatusCode, out.ID, body, resp.Header.Get("Retry-After"), out.Detail})
				mu.Unlock()
			}
		}()
	}
	count := func() (ok, unavailable int) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range results {
			switch r.code {
			case 202:
				ok++
			case 503:
				unavailable++
			}
		}
		return
	}
	time.Sleep(300 * time.Millisecond)
	before, _ := count()
	pgtest.Restart(t)
	// Once PostgreSQL is back, submissions succeed again.
	deadline := time.Now().Add(15 * time.Second)
	for {
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		n := len(results)
		recovered := n >= 4 && results[n-1].code == 202 && results[n-2].code == 202 && results[n-3].code == 202 && results[n-4].code == 202
		mu.Unlock()
		if recovered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("submissions do not succeed after PostgreSQL is back")
		}
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()

	accepted, unavailable := count()
	t.Logf("%d submissions: %d accepted (%d before the restart), %d answered 503", len(results), accepted, before, unavailable)
	if before == 0 {
		t.Fatal("no submission accepted before the restart")
	}
	ctx := context.Background()
	for _, r := range results {
		switch r.code {
		case 202:
			got, err := a.store.Comment(ctx, r.id)
			if err != nil || got.Body != r.body {
				t.Errorf("acknowledged comment %d lost after the restart: %+v, %v", r.id, got.Body, err)
			}
		case 503:
			if r.retryAfter == "" || !strings.Contains(r.detail, "unavailable") {
				t.Errorf("503 without Retry-After or a clear message: %+v", r)
			}
		default:
			t.Errorf("submission answered %d during the restart (want 202 or 503): %+v", r.code, r)
		}
	}

	// The bus reconnected on both instances: B's decision reaches A's cache.
	hearEachOther(t, a, b)
	var last int64
	for _, r := range results {
		if r.code == 202 {
			last = r.id
		}
	}
	before2 := a.threadIDs()
	if contains(before2, last) {
		t.Fatalf("pending comment %d in thread", last)
	}
	if code := b.call("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", last), nil, nil); code != 200 {
		t.Fatalf("approve on B after the restart: %d", code)
	}
	if after := a.threadIDs(); !contains(after, last) {
		t.Errorf("A's thread %v lacks comment %d approved on B after the restart", after, last)
	}
}
