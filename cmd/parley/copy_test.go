package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/store/postgres"
	"github.com/parleyhq/parley/store/postgres/pgtest"
	"github.com/parleyhq/parley/store/sqlite"
)

// serveFor runs `parley serve` until stop is called, returning its URL.
func serveFor(t testing.TB, args ...string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...), envFrom(nil), strings.NewReader(""), &out, &out)
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v\n%s", err, out.String())
		}
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRE.FindStringSubmatch(out.String()); m != nil {
			return m[1], stop
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("server did not start:\n%s", out.String())
	return "", nil
}

// A seeded SQLite installation copied into PostgreSQL answers the same API
// requests the same way, keeps counting ids after the copied ones, and
// keeps its moderators' passwords and tokens.
func TestCopySQLiteToPostgres(t *testing.T) {
	pg := pgtest.URL(t)
	dir := t.TempDir()
	db, key := filepath.Join(dir, "parley.db"), filepath.Join(dir, "parley.key")
	data := []string{"--db", db, "--secret-file", key}
	mustRun(t, "", append([]string{"site", "add", "news", "--origin", "https://news.example"}, data...)...)
	mustRun(t, "s3cret-passw0rd\n", append([]string{"moderator", "add", "ann", "--role", "admin"}, data...)...)
	out := mustRun(t, "", append([]string{"token", "create", "--moderator", "ann"}, data...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]

	base, stop := serveFor(t, append(data, "--no-rate-limits")...)
	c := client{t: t, base: base, token: token}
	articles := []string{"https://news.example/a", "https://news.example/b"}
	var approved []float64
	for i := range 24 {
		body := map[string]any{"site": "news", "article_url": articles[i%2], "article_title": "Article", "name": fmt.Sprintf("Reader %d", i),
			"email": fmt.Sprintf("r%d@example.com", i), "body": fmt.Sprintf("Comment **%d** with [a link](https://example.org/%d).", i, i)}
		if i%2 == 0 {
			body["notify"] = []string{"decision"} // decision emails wait in the outbox: no SMTP here
		}
		if i >= 12 && i%3 == 0 {
			body["parent_id"] = approved[0]
			body["article_url"] = articles[0]
		}
		code, res := c.call("POST", "/api/v1/comments", body, nil)
		if code != 202 {
			t.Fatalf("submit %d: %d %v", i, code, res)
		}
		id := res["id"].(float64)
		switch i % 4 {
		case 0, 1:
			if code, res := c.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", id), nil, nil); code != 200 {
				t.Fatalf("approve: %d %v", code, res)
			}
			approved = append(approved, id)
		case 2:
			c.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/reject", id), map[string]any{"reason": "spam", "note": "link farm"}, nil)
		}
	}
	c.call("POST", "/api/v1/admin/articles/close", map[string]any{"site": "news", "url": articles[1]}, nil)
	if code, res := c.call("POST", "/api/v1/admin/login", map[string]any{"name": "ann", "password": "s3cret-passw0rd"}, nil); code != 200 {
		t.Fatalf("login: %d %v", code, res)
	}
	stop()
	// A banned commenter (the dashboard's doing) moves too; the ban and
	// the rejection of their pending comment are two more audit entries
	// (closing the article was one).
	keys, err := secret.LoadOrCreate(key)
	if err != nil {
		t.Fatal(err)
	}
	src, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.SetStanding(context.Background(), comment.StandingChange{SiteID: "news", EmailHMAC: keys.EmailHMAC("r3@example.com"),
		Standing: comment.StandingBanned, CommentID: int64(approved[0]), Moderator: "ann", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	backlog, err := src.OutboxBacklog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if backlog[comment.OutboxEmail] == 0 {
		t.Fatal("no email waits in the outbox: the copy of pending items checks nothing")
	}
	src.Close()

	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"copy", "--from", db, "--to", pg}, envFrom(nil), strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("copy: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	t.Logf("copy report:\n%s%s", stdout.String(), stderr.String())
	for _, want := range []string{"comments           24 rows", "audit_log          21 rows", "sessions            1 rows", "commenters          1 rows", "copied "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("copy report lacks %q:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "[##############################] 100%") {
		t.Errorf("no finished progress bar on stderr: %q", stderr.String())
	}
	// Messages waiting to be sent still wait, not marked sent.
	if dst, err := postgres.Open(context.Background(), pg); err != nil {
		t.Fatal(err)
	} else {
		got, err := dst.OutboxBacklog(context.Background())
		dst.Close()
		if err != nil || got[comment.OutboxEmail] != backlog[comment.OutboxEmail] {
			t.Errorf("outbox backlog after the copy = %v (%v), want %v", got, err, backlog)
		}
	}

	// The same requests to a server on each database.
	sqliteBase, _ := serveFor(t, data...)
	pgBase, _ := serveFor(t, "--db", pg, "--secret-file", key)
	paths := []string{
		"/api/v1/threads?site=news&url=https%3A%2F%2Fnews.example%2Fa",
		"/api/v1/threads?site=news&url=https%3A%2F%2Fnews.example%2Fa&sort=newest",
		"/api/v1/threads?site=news&url=https%3A%2F%2Fnews.example%2Fb",
		"/api/v1/admin/queue",
		"/api/v1/admin/queue?status=spam",
		"/api/v1/admin/queue?status=approved",
		"/api/v1/admin/audit",
	}
	for _, p := range paths {
		code1, want := client{t: t, base: sqliteBase, token: token}.call("GET", p, nil, nil)
		code2, got := client{t: t, base: pgBase, token: token}.call("GET", p, nil, nil)
		if code1 != 200 || code2 != code1 {
			t.Errorf("%s: SQLite %d, PostgreSQL %d", p, code1, code2)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-SQLite +PostgreSQL):\n%s", p, diff)
		}
	}
	pc := client{t: t, base: pgBase, token: token}
	if code, res := pc.call("POST", "/api/v1/admin/login", map[string]any{"name": "ann", "password": "s3cret-passw0rd"}, nil); code != 200 {
		t.Errorf("login on PostgreSQL: %d %v", code, res)
	}
	code, res := pc.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": articles[0], "name": "New", "email": "n@example.com", "body": "After the move."}, nil)
	if code != 202 || res["id"].(float64) != 25 {
		t.Errorf("first comment after the copy: %d %v; want id 25", code, res)
	}

	// A second copy refuses the now non-empty target, unless forced.
	err = run(context.Background(), []string{"copy", "--from", db, "--to", pg}, envFrom(nil), strings.NewReader(""), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("copy into a non-empty target: %v", err)
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"copy", "--from", db, "--to", pg, "--force"}, envFrom(nil), strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("copy --force: %v", err)
	}
	if !strings.Contains(stdout.String(), "comments           24 rows") {
		t.Errorf("forced copy report:\n%s", stdout.String())
	}
}

// The checksum ignores row order and sees any changed value, including a
// time off by one microsecond; JSON compares by meaning, not spelling.
func TestCopyChecksum(t *testing.T) {
	cols := []string{"id", "at", "spans", "flagged"}
	types := map[string]string{"id": "bigint", "at": "timestamp with time zone", "spans": "jsonb", "flagged": "boolean"}
	at := time.UnixMicro(1764244800123456).UTC()
	rows := [][]any{{int64(1), at, `[{"start":0,"end":3}]`, true}, {int64(2), at, `[]`, false}}
	sum := func(rows ...[]any) string {
		c := newChecksum()
		for _, r := range rows {
			c.add(r, cols, types)
		}
		return c.String()
	}
	base := sum(rows...)
	if got := sum(rows[1], rows[0]); got != base {
		t.Errorf("order changed the checksum: %s vs %s", got, base)
	}
	// What pgx hands back for jsonb: decoded values.
	decoded := []any{int64(1), at, []any{map[string]any{"end": float64(3), "start": float64(0)}}, true}
	if got := sum(decoded, rows[1]); got != base {
		t.Errorf("decoded JSON changed the checksum: %s vs %s", got, base)
	}
	for _, changed := range [][]any{
		{int64(1), at.Add(time.Microsecond), `[{"start":0,"end":3}]`, true},
		{int64(1), at, `[{"start":0,"end":4}]`, true},
		{int64(1), at, `[{"start":0,"end":3}]`, false},
		{int64(3), at, `[{"start":0,"end":3}]`, true},
	} {
		if got := sum(changed, rows[1]); got == base {
			t.Errorf("row %v has the same checksum as the original", changed)
		}
	}
	if got := sum(rows[0]); got == base {
		t.Error("a missing row left the checksum unchanged")
	}
}
