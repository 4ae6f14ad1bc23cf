package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/store/postgres/pgtest"
)

// needTool finds a program the test runs, skipping without it (failing in CI).
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found: required in CI", name)
		}
		t.Skipf("%s not found", name)
	}
	return p
}

// The PostgreSQL backup commands of docs/operations.md: pg_dump of a
// running installation, pg_restore into a new database, and Parley serving
// the restored database exactly as the original: the same thread, queue
// counts, audit log and bearer token.
func TestPostgresDumpRestore(t *testing.T) {
	pg := pgtest.URL(t)
	pgDump, pgRestore := needTool(t, "pg_dump"), needTool(t, "pg_restore")
	u, err := url.Parse(pg)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	plain := *u // libpq takes no search_path parameter in a URI
	plain.RawQuery = ""

	dir := t.TempDir()
	key := filepath.Join(dir, "parley.key")
	data := []string{"--db", pg, "--secret-file", key}
	mustRun(t, "", append([]string{"site", "add", "news", "--origin", "https://news.example"}, data...)...)
	mustRun(t, "s3cret-passw0rd\n", append([]string{"moderator", "add", "ann", "--role", "admin"}, data...)...)
	out := mustRun(t, "", append([]string{"token", "create", "--moderator", "ann"}, data...)...)
	token := out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]
	token = strings.TrimSpace(token)

	base, stop := serveFor(t, append(data, "--no-rate-limits")...)
	c := client{t: t, base: base, token: token}
	article := "https://news.example/a"
	for i := range 6 {
		code, res := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": article, "article_title": "A",
			"name": fmt.Sprintf("Reader %d", i), "email": fmt.Sprintf("r%d@example.com", i), "body": fmt.Sprintf("Comment %d.", i)}, nil)
		if code != 202 {
			t.Fatalf("submit: %d %v", code, res)
		}
		if i%2 == 0 {
			if code, _ := c.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", res["id"].(float64)), nil, nil); code != 200 {
				t.Fatalf("approve: %d", code)
			}
		}
	}
	snapshot := func(c client) []string {
		var got []string
		for _, p := range []string{"/api/v1/threads?site=news&url=" + article, "/api/v1/admin/queue?site=news", "/api/v1/admin/audit"} {
			code, body := c.call("GET", p, nil, nil)
			if code != 200 {
				t.Fatalf("GET %s: %d %v", p, code, body)
			}
			got = append(got, fmt.Sprint(body))
		}
		return got
	}
	want := snapshot(c)

	// The documented commands, with --schema because each test has its own.
	dump := filepath.Join(dir, "parley.dump")
	if out, err := exec.Command(pgDump, "--format=custom", "--schema="+schema, "--file="+dump, plain.String()).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	stop()

	var b [4]byte
	rand.Read(b[:])
	newDB := "parley_restore_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pgExec := func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, plain.String())
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := pgExec(ctx, "CREATE DATABASE "+newDB); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := pgExec(ctx, "DROP DATABASE IF EXISTS "+newDB+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping %s: %v", newDB, err)
		}
	})
	restored := plain
	restored.Path = "/" + newDB
	if out, err := exec.Command(pgRestore, "--no-owner", "--exit-on-error", "--dbname="+restored.String(), dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}

	q := restored.Query()
	q.Set("search_path", schema)
	restored.RawQuery = q.Encode()
	if out := mustRun(t, "", "migrate", "--db", restored.String(), "--secret-file", key); !strings.Contains(out, "up to date") {
		t.Errorf("migrate on the restored database: %s", out)
	}
	base2, _ := serveFor(t, "--db", restored.String(), "--secret-file", key)
	got := snapshot(client{t: t, base: base2, token: token})
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("after pg_restore, read %d differs:\nbefore %s\nafter  %s", i, want[i], got[i])
		}
	}
	// New comments get new ids: the sequences came back too.
	c2 := client{t: t, base: base2, token: token}
	code, res := c2.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": article, "article_title": "A",
		"name": "After", "email": "after@example.com", "body": "After the restore."}, nil)
	if code != 202 || res["id"].(float64) != 7 {
		t.Errorf("submission after the restore: %d %v, want id 7", code, res)
	}
}
