package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/store/sqlite"
)

// parley backup while a running server takes submissions over HTTP, then
// parley restore of that backup: into a new file, and (refused, then
// forced) over the database the server has open.
func TestBackupRestoreCLI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	setUpSite(t, db)
	base, _ := startServer(t, "serve", "--db", db, "--addr", "127.0.0.1:0", "--no-rate-limits", "--access-log=false")
	c := client{t: t, base: base}

	var acked atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				code, _ := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": "https://news.example/b",
					"article_title": "B", "name": "R", "email": fmt.Sprintf("r%d-%d@example.com", w, i), "body": "A view."}, nil)
				if code != 202 {
					t.Errorf("submission during the backup: %d", code)
					return
				}
				acked.Add(1)
			}
		}()
	}
	for acked.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	before := acked.Load()
	bk := filepath.Join(dir, "backup.db")
	out := mustRun(t, "", "backup", "--db", db, "--to", bk)
	after := acked.Load()
	close(stop)
	wg.Wait()
	if !strings.Contains(out, "integrity ok, row counts match") {
		t.Errorf("backup output:\n%s", out)
	}
	m := regexp.MustCompile(`(?m)^comments\s+(\d+) rows$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no comments row count in:\n%s", out)
	}
	var n int64
	fmt.Sscan(m[1], &n)
	if n < before || n > after {
		t.Errorf("backup holds %d comments; %d were acknowledged before it began, %d when it ended", n, before, after)
	}

	// Into a new file: a server starts on it and serves the copied thread.
	restored := filepath.Join(dir, "restored.db")
	out = mustRun(t, "", "restore", "--from", bk, "--db", restored)
	if !strings.Contains(out, "restored "+restored) {
		t.Errorf("restore output:\n%s", out)
	}
	got, err := sqlite.Verify(context.Background(), restored)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range got {
		if tr.Table == "comments" && tr.Rows != n {
			t.Errorf("restored %d comments, the backup has %d", tr.Rows, n)
		}
	}

	// Over the live database: refused without --force.
	out, err = runCmd(t, "", "restore", "--from", bk, "--db", db)
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("restore over the live database: %v\n%s", err, out)
	}
	if _, err := runCmd(t, "", "restore", "--from", bk, "--db", db, "--force"); err != nil {
		t.Errorf("restore --force: %v", err)
	}

	t.Run("ErrUsage", func(t *testing.T) {
		for _, args := range [][]string{
			{"backup", "--db", db},
			{"backup", "--db", "postgres://x@127.0.0.1/db", "--to", filepath.Join(dir, "pg.db")},
			{"backup", "--db", db, "--to", bk}, // exists
			{"restore", "--db", db},
			{"restore", "--from", filepath.Join(dir, "missing.db"), "--db", filepath.Join(dir, "n.db")},
		} {
			if out, err := runCmd(t, "", args...); err == nil {
				t.Errorf("parley %v succeeded:\n%s", args, out)
			}
		}
	})
}

func TestVersion(t *testing.T) {
	out := mustRun(t, "", "version")
	for _, re := range []string{`(?m)^parley dev$`, `(?m)^commit \S+$`, `(?m)^go go1\.\S+$`, `(?m)^model adhominem-\S+$`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("version output lacks %s:\n%s", re, out)
		}
	}
}
