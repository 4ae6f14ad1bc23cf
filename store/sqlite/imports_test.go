package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

// An import raises the writer's page cache to a bounded 64 MiB and puts
// statement journals in memory; both are set back when it ends, committed
// or rolled back.
func TestImportPragmas(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateSite(ctx, comment.Site{ID: "demo", Origins: []string{"https://news.example"}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	pragmas := func(q func(string) *int) (int, int) { return *q("PRAGMA cache_size"), *q("PRAGMA temp_store") }
	for _, commit := range []bool{true, false} {
		tx, err := s.BeginImport(ctx, "demo")
		if err != nil {
			t.Fatal(err)
		}
		itx := tx.(*importTx)
		cache, temp := pragmas(func(p string) *int {
			var v int
			if err := itx.tx.QueryRowContext(ctx, p).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return &v
		})
		if cache != -65536 || temp != 2 {
			t.Errorf("during the import: cache_size %d, temp_store %d; want -65536 and 2 (memory)", cache, temp)
		}
		if commit {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
		cache, temp = pragmas(func(p string) *int {
			var v int
			if err := s.w.QueryRowContext(ctx, p).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return &v
		})
		if cache != -2000 || temp != 0 {
			t.Errorf("after (commit %v): cache_size %d, temp_store %d; want SQLite's defaults", commit, cache, temp)
		}
	}
}
