package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/store/sqlite"
	"github.com/parleyhq/parley/store/storetest"
)

func open(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) comment.Store { return open(t) })
}

func TestPragmas(t *testing.T) {
	s := open(t)
	defer s.Close()
	mode, err := s.JournalMode(context.Background())
	if err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	s := open(t)
	defer s.Close()
	applied, err := s.Migrate(context.Background())
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate applied %v, %v; want nothing", applied, err)
	}
}

// The thread and queue reads must be answered from an index, never by
// scanning the comments table.
func TestQueryPlansUseIndexes(t *testing.T) {
	s := open(t)
	defer s.Close()
	want := map[string]string{
		"thread_roots":   "comments_thread",
		"thread_replies": "comments_thread",
		"queue":          "comments_queue",
		"site_queue":     "comments_site_queue",
	}
	for name, index := range want {
		plan, err := s.ExplainQueryPlan(context.Background(), name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(plan, "INDEX "+index) {
			t.Errorf("%s plan does not use %s:\n%s", name, index, plan)
		}
		for _, line := range strings.Split(plan, "\n") {
			// The replies of one page come from several index ranges (one per
			// root) and are merged by a small sort; every other read is in
			// index order.
			sorts := strings.Contains(line, "USE TEMP B-TREE FOR ORDER BY") && name != "thread_replies"
			if strings.HasPrefix(line, "SCAN c") || sorts {
				t.Errorf("%s plan scans or sorts: %q\n%s", name, line, plan)
			}
		}
	}
}
