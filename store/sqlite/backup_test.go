package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/store/sqlite"
)

func rowsOf(t *testing.T, tables []sqlite.TableRows, name string) int64 {
	t.Helper()
	for _, tr := range tables {
		if tr.Table == name {
			return tr.Rows
		}
	}
	t.Fatalf("no table %s in %v", name, tables)
	return 0
}

// Backups taken while comments are written and decided are consistent
// copies: each passes the integrity check, holds the rows its report says,
// includes every comment acknowledged before it started, and opens as a
// working store whose kept counts match its rows.
func TestBackupUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "parley.db")
	s, err := sqlite.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateSite(ctx, comment.Site{ID: "news", Origins: []string{"https://news.example"}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}

	var acked atomic.Int64 // comments whose CreateComment returned
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writeErr atomic.Value
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				c := &comment.Comment{SiteID: "news", ArticleURL: fmt.Sprintf("https://news.example/%d", i%7), ArticleTitle: "T",
					AuthorName: "R", Body: strings.Repeat("word ", 40), HTML: "<p>x</p>", EmailCipher: []byte{1}, EmailHMAC: []byte{byte(w), byte(i)},
					Status: comment.StatusPending, Score: -1, EditTokenHash: []byte(fmt.Sprintf("%d-%d", w, i)), CreatedAt: time.Now()}
				if err := s.CreateComment(ctx, c); err != nil {
					writeErr.Store(err)
					return
				}
				acked.Add(1)
				if i%3 == 0 {
					if _, err := s.Decide(ctx, comment.Decision{CommentID: c.ID, Action: comment.ActionApprove, Moderator: "ann", At: time.Now()}); err != nil {
						writeErr.Store(err)
						return
					}
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)

	for n := range 3 {
		before := acked.Load()
		dst := filepath.Join(dir, fmt.Sprintf("backup-%d.db", n))
		rep, err := sqlite.Backup(ctx, src, dst)
		if err != nil {
			t.Fatal(err)
		}
		after := acked.Load()
		comments := rowsOf(t, rep.Tables, "comments")
		if comments < before || comments > after {
			t.Errorf("backup %d: %d comments, want between %d (acknowledged before) and %d (after)", n, comments, before, after)
		}
		st, err := os.Stat(dst)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 || st.Size() != rep.Bytes {
			t.Errorf("backup %d: mode %v size %d, want 0600 and %d", n, st.Mode().Perm(), st.Size(), rep.Bytes)
		}
		if _, err := os.Stat(dst + ".partial"); !os.IsNotExist(err) {
			t.Errorf("backup %d left its partial file: %v", n, err)
		}
		got, err := sqlite.Verify(ctx, dst)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(rep.Tables) {
			t.Errorf("backup %d: verify %v, report %v", n, got, rep.Tables)
		}
		// The copy is a working store, and the trigger-kept counts agree
		// with its rows: the snapshot was one transaction's view.
		b, err := sqlite.Open(ctx, dst)
		if err != nil {
			t.Fatal(err)
		}
		counts, err := b.CountByStatus(ctx, "news")
		if err != nil {
			t.Fatal(err)
		}
		if int64(counts[comment.StatusPending]+counts[comment.StatusApproved]) != comments {
			t.Errorf("backup %d: kept counts %v, rows %d", n, counts, comments)
		}
		b.Close()
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if err := writeErr.Load(); err != nil {
		t.Fatalf("a writer failed during the backups: %v", err)
	}
	t.Logf("%d comments written during the backups", acked.Load())
	if acked.Load() < 50 {
		t.Errorf("only %d comments written during the backups: not much of a concurrent test", acked.Load())
	}

	t.Run("ErrExists", func(t *testing.T) {
		if _, err := sqlite.Backup(ctx, src, filepath.Join(dir, "backup-0.db")); err == nil || !strings.Contains(err.Error(), "exists") {
			t.Errorf("backup over an existing file: %v", err)
		}
	})
	t.Run("ErrNoSource", func(t *testing.T) {
		if _, err := sqlite.Backup(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db")); err == nil {
			t.Error("backup of a missing database succeeded")
		}
		if _, err := os.Stat(filepath.Join(dir, "missing.db")); !os.IsNotExist(err) {
			t.Error("backup created the missing source")
		}
	})
}

// Restore checks the backup, refuses to overwrite a database in use unless
// forced, and leaves a database equal to the backup.
func TestRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "parley.db")
	s, err := sqlite.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSite(ctx, comment.Site{ID: "news", Origins: []string{"https://news.example"}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	bk := filepath.Join(dir, "backup.db")
	if _, err := sqlite.Backup(ctx, src, bk); err != nil {
		t.Fatal(err)
	}

	t.Run("OKNewFile", func(t *testing.T) {
		dst := filepath.Join(dir, "new.db")
		rep, err := sqlite.Restore(ctx, bk, dst, false)
		if err != nil {
			t.Fatal(err)
		}
		if rowsOf(t, rep.Tables, "sites") != 1 {
			t.Errorf("report %v", rep.Tables)
		}
		if st, _ := os.Stat(dst); st.Mode().Perm() != 0o600 {
			t.Errorf("restored file mode %v, want 0600", st.Mode().Perm())
		}
		r, err := sqlite.Open(ctx, dst)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if _, err := r.Site(ctx, "news"); err != nil {
			t.Errorf("restored database lacks the site: %v", err)
		}
	})

	// A live database: a store open on it, with a site the backup lacks.
	live := filepath.Join(dir, "live.db")
	ls, err := sqlite.Open(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	if err := ls.CreateSite(ctx, comment.Site{ID: "other", Origins: []string{"https://other.example"}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrLiveWithoutForce", func(t *testing.T) {
		_, err := sqlite.Restore(ctx, bk, live, false)
		if err == nil || !strings.Contains(err.Error(), "--force") {
			t.Fatalf("restore over a live database: %v", err)
		}
		if _, err := ls.Site(ctx, "other"); err != nil {
			t.Errorf("the refused restore changed the database: %v", err)
		}
	})
	t.Run("OKForce", func(t *testing.T) {
		if _, err := sqlite.Restore(ctx, bk, live, true); err != nil {
			t.Fatal(err)
		}
		// The store that was open sees the restored database.
		if _, err := ls.Site(ctx, "other"); comment.ErrorCode(err) != comment.CodeNotFound {
			t.Errorf("site other after restore: %v, want not found", err)
		}
		if _, err := ls.Site(ctx, "news"); err != nil {
			t.Errorf("site news after restore: %v", err)
		}
	})
	t.Run("ErrCorruptBackup", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.db")
		if err := os.WriteFile(bad, []byte(strings.Repeat("not a database ", 500)), 0o600); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, "from-bad.db")
		if _, err := sqlite.Restore(ctx, bad, dst, false); err == nil {
			t.Error("restore from a file that is no database succeeded")
		}
	})
}
