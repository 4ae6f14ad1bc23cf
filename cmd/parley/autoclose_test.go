package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/store/sqlite"
)

// parley site set sets the thread order and auto-close; parley article
// auto-close gives one article its own delay, never, or the site's again.
func TestAutoCloseCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	mustRun(t, "", "site", "set", "news", "--db", db, "--default-sort", "featured", "--auto-close-days", "5")
	if out, err := runCmd(t, "", "site", "set", "news", "--db", db, "--default-sort", "best", "--auto-close-days", "-1"); err == nil ||
		!strings.Contains(err.Error()+out, "--default-sort") || !strings.Contains(err.Error()+out, "--auto-close-days") {
		t.Errorf("bad settings: %v %s", err, out)
	}
	url := "https://news.example/live"
	if out := mustRun(t, "", "article", "auto-close", "--site", "news", url, "never", "--db", db); !strings.Contains(out, "never auto-closes") {
		t.Errorf("output %q", out)
	}
	other := "https://news.example/long"
	mustRun(t, "", "article", "auto-close", "--site", "news", other, "30", "--db", db)
	if _, err := runCmd(t, "", "article", "auto-close", "--site", "news", other, "soon", "--db", db); err == nil {
		t.Error("auto-close soon accepted")
	}
	if _, err := runCmd(t, "", "article", "auto-close", "--site", "news", "not-a-url", "3", "--db", db); err == nil {
		t.Error("auto-close of a bad URL accepted")
	}
	check := func(want map[string]int, sort comment.Sort) {
		t.Helper()
		s, err := sqlite.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		site, _ := s.Site(context.Background(), "news")
		if site.Policy.DefaultSort != sort {
			t.Errorf("default_sort = %q", site.Policy.DefaultSort)
		}
		for u, d := range want {
			if got := site.Policy.AutoCloseDaysFor(u); got != d {
				t.Errorf("auto-close of %s = %d, want %d", u, got, d)
			}
		}
	}
	check(map[string]int{url: 0, other: 30, "https://news.example/x": 5}, comment.SortFeatured)
	mustRun(t, "", "article", "auto-close", "--site", "news", url, "default", "--db", db)
	check(map[string]int{url: 5, other: 30}, comment.SortFeatured)
}
