package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/smtptest"
	"github.com/parleyhq/parley/store/postgres/pgtest"
)

// Two instances on one PostgreSQL database, both sending the outbox to one
// SMTP server: each message is sent exactly once (FOR UPDATE SKIP LOCKED),
// whichever instance made the decision.
func TestMailTwoInstancesOnPostgres(t *testing.T) {
	pg := pgtest.URL(t)
	smtp := smtptest.Start(t)
	data := []string{"--db", pg, "--secret-file", t.TempDir() + "/parley.key"}
	mustRun(t, "", append([]string{"migrate"}, data...)...)
	mustRun(t, "", append([]string{"site", "add", "news", "--origin", "https://news.example"}, data...)...)
	mustRun(t, "s3cret-passw0rd\n", append([]string{"moderator", "add", "ann", "--role", "admin"}, data...)...)
	lines := strings.Split(strings.TrimSpace(mustRun(t, "", append([]string{"token", "create", "--moderator", "ann"}, data...)...)), "\n")
	tok := lines[len(lines)-1]
	args := append(data, "--smtp-url", smtp.URL(), "--mail-from", "comments@news.example", "--no-rate-limits")
	baseA, _ := serveFor(t, args...)
	baseB, _ := serveFor(t, args...)
	cs := []client{{t: t, base: baseA, token: tok}, {t: t, base: baseB, token: tok}}
	const n = 24
	for i := range n {
		c := cs[i%2]
		code, res := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": "https://news.example/pg",
			"name": "R", "email": fmt.Sprintf("r%d@example.com", i), "body": fmt.Sprintf("Comment %d", i), "notify": []string{"decision"}}, nil)
		if code != 202 {
			t.Fatalf("submit: %d %v", code, res)
		}
		if code, res := cs[(i+1)%2].call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", res["id"].(float64)), nil, nil); code != 200 {
			t.Fatalf("approve: %d %v", code, res)
		}
	}
	smtp.Wait(n, 30*time.Second)
	time.Sleep(1500 * time.Millisecond) // time for a second copy, were there one
	ids := map[string]int{}
	to := map[string]bool{}
	for _, m := range smtp.Messages() {
		ids[m.Header.Get("Message-Id")]++
		to[m.To[0]] = true
	}
	if len(smtp.Messages()) != n || len(ids) != n || len(to) != n {
		t.Fatalf("%d messages, %d Message-IDs, %d recipients; want %d of each", len(smtp.Messages()), len(ids), len(to), n)
	}
}
