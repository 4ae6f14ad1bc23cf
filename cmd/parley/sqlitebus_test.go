package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"
)

// TestCLIReachesRunningServerOnSQLite: `parley article close|open` on
// SQLite reaches a running server whose thread is cached: the thread's
// state changes within a second, without any other change to the article.
func TestCLIReachesRunningServerOnSQLite(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	mustRun(t, "s3cret-passw0rd\n", "moderator", "add", "ann", "--role", "admin", "--db", db)
	token := lastLine(mustRun(t, "", "token", "create", "--moderator", "ann", "--db", db))
	base, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn")
	c := client{t: t, base: base, token: token}
	article := "https://news.example/world/talks"
	code, sub := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": article, "name": "Ada", "email": "ada@example.com", "body": "A start."}, nil)
	if code != 202 {
		t.Fatalf("submit: %d %v", code, sub)
	}
	if code, _ := c.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", sub["id"]), nil, nil); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	closed := func() bool {
		_, th := c.call("GET", "/api/v1/threads?site=news&url="+url.QueryEscape(article), nil, nil)
		return th["article"].(map[string]any)["closed"].(bool)
	}
	if closed() { // now cached
		t.Fatal("closed before the CLI closed it")
	}
	for _, step := range []struct {
		cmd  string
		want bool
	}{{"close", true}, {"open", false}, {"close", true}} {
		mustRun(t, "", "article", step.cmd, "--site", "news", article, "--db", db)
		start := time.Now()
		for closed() != step.want {
			if time.Since(start) > time.Second {
				t.Fatalf("after parley article %s the running server's thread still says closed=%v", step.cmd, !step.want)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("article %s reached the server in %v", step.cmd, time.Since(start))
	}
}
