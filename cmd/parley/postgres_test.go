package main

import (
	"fmt"
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
