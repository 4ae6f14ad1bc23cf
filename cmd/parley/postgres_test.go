package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/store/postgres/pgtest"
)

// Two `parley serve` instances on two ports and one PostgreSQL database, set
// up with the CLI: a comment submitted to A and approved on B is in A's next
// thread read although A had cached the thread, an article closed from the
// command line is closed on both, and the submission limit is shared.
func TestServeTwoInstancesOnPostgres(t *testing.T) {
	pg := pgtest.URL(t)
	key := t.TempDir() + "/parley.key"
	data := []string{"--db", pg, "--secret-file", key}
	mustRun(t, "", append([]string{"migrate"}, data...)...)
	mustRun(t, "", append([]string{"site", "add", "news", "--origin", "https://news.example"}, data...)...)
	mustRun(t, "s3cret-passw0rd\n", append([]string{"moderator", "add", "ann", "--role", "admin"}, data...)...)
	lines := strings.Split(strings.TrimSpace(mustRun(t, "", append([]string{"token", "create", "--moderator", "ann"}, data...)...)), "\n")
	token := lines[len(lines)-1]
	baseA, _ := serveFor(t, data...)
	baseB, _ := serveFor(t, data...)
	a, b := client{t: t, base: baseA, token: token}, client{t: t, base: baseB, token: token}
	article := "https://news.example/two"
	submit := func(c client, body string) (int, map[string]any) {
		return c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": article, "article_title": "Two",
			"name": "Ada", "email": "ada@example.com", "body": body}, nil)
	}
	accepted := 0
	var ids []float64
	for i := range 12 {
		c := a
		if i%2 == 1 {
			c = b
		}
		code, res := submit(c, fmt.Sprintf("Comment %d.", i))
		switch code {
		case 202:
			accepted++
			ids = append(ids, res["id"].(float64))
		case 429:
		default:
			t.Fatalf("submit %d: %d %v", i, code, res)
		}
	}
	if accepted != 10 {
		t.Errorf("%d of 12 submissions accepted across both instances, want the burst of 10", accepted)
	}
	if got := a.threadIDs("news", article); len(got) != 0 {
		t.Fatalf("pending comments visible: %v", got)
	}
	for _, id := range ids[:3] {
		if code, res := b.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", id), nil, nil); code != 200 {
			t.Fatalf("approve on B: %d %v", code, res)
		}
		if got := a.threadIDs("news", article); len(got) == 0 || got[len(got)-1] != id {
			t.Fatalf("A's thread %v lacks comment %.0f approved on B", got, id)
		}
	}
	mustRun(t, "", append([]string{"article", "close", "--site", "news", article}, data...)...)
	for _, c := range []client{a, b} {
		code, th := c.call("GET", "/api/v1/threads?site=news&url="+url.QueryEscape(article), nil, nil)
		closed, _ := th["article"].(map[string]any)["closed"].(bool)
		for i := 0; code == 200 && !closed && i < 100; i++ { // the command's notice is not waited for
			time.Sleep(20 * time.Millisecond)
			code, th = c.call("GET", "/api/v1/threads?site=news&url="+url.QueryEscape(article), nil, nil)
			closed, _ = th["article"].(map[string]any)["closed"].(bool)
		}
		if !closed {
			t.Errorf("%s still shows the article open after `parley article close`", c.base)
		}
	}
}

// A moderator's dashboard on A, streaming live updates, sees a comment
// submitted to B and B's decision on it, with the queue counts after each.
func TestDashboardLiveAcrossInstances(t *testing.T) {
	pg := pgtest.URL(t)
	key := t.TempDir() + "/parley.key"
	data := []string{"--db", pg, "--secret-file", key}
	mustRun(t, "", append([]string{"site", "add", "news", "--origin", "https://news.example"}, data...)...)
	mustRun(t, "s3cret-passw0rd\n", append([]string{"moderator", "add", "ann", "--role", "admin"}, data...)...)
	lines := strings.Split(strings.TrimSpace(mustRun(t, "", append([]string{"token", "create", "--moderator", "ann"}, data...)...)), "\n")
	token := lines[len(lines)-1]
	baseA, _ := serveFor(t, data...)
	baseB, _ := serveFor(t, data...)

	// Ann logs in on A and opens the live stream there (subscribed once the
	// response headers arrive).
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Post(baseA+"/api/v1/admin/login", "application/json", strings.NewReader(`{"name":"ann","password":"s3cret-passw0rd"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login on A: %v %v", resp.Status, err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", baseA+"/admin/events", nil)
	stream, err := browser.Do(req)
	if err != nil || stream.StatusCode != 200 {
		t.Fatalf("events on A: %v %v", stream.Status, err)
	}
	defer stream.Body.Close()
	events := make(chan map[string]any, 8)
	go func() {
		sc := bufio.NewScanner(stream.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var e map[string]any
				json.Unmarshal([]byte(data), &e)
				events <- e
			}
		}
		close(events)
	}()

	b := client{t: t, base: baseB, token: token}
	code, res := b.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": "https://news.example/live", "article_title": "Live",
		"name": "Ada", "email": "ada@example.com", "body": "Sent to B."}, nil)
	if code != 202 {
		t.Fatalf("submit to B: %d %v", code, res)
	}
	id := res["id"].(float64)
	// Each event carries the counts as A reads them when it delivers the
	// event, so the approval waits until the submission was heard.
	for i, want := range []struct {
		kind, status string
		pending      float64
	}{{"submitted", "pending", 1}, {"decided", "approved", 0}} {
		if i == 1 {
			if code, res := b.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", id), nil, nil); code != 200 {
				t.Fatalf("approve on B: %d %v", code, res)
			}
		}
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatal("A's stream ended")
			}
			counts, _ := e["counts"].(map[string]any)
			if e["kind"] != want.kind || e["comment_id"] != id || e["status"] != want.status || counts["pending"] != want.pending {
				t.Errorf("A's dashboard heard %v, want %s of comment %.0f (%s, %v pending)", e, want.kind, id, want.status, want.pending)
			}
		case <-ctx.Done():
			t.Fatalf("A's dashboard did not hear %s of the comment on B", want.kind)
		}
	}
}
