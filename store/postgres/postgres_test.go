package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/internal/testenv"
	"github.com/parleyhq/parley/store/postgres"
	"github.com/parleyhq/parley/store/postgres/pgtest"
	"github.com/parleyhq/parley/store/storetest"
)

func open(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	testenv.Postgres(t) // the parent skips (or fails under CI) by itself, never passes empty
	storetest.Run(t, func(t *testing.T) comment.Store { return open(t, pgtest.URL(t)) })
}

// Instances starting together must apply each migration once: the advisory
// lock serializes them and the second finds nothing to do.
func TestMigrateConcurrently(t *testing.T) {
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(context.Background(), url)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := open(t, url)
	defer s.Close()
	applied, err := s.Migrate(context.Background())
	if err != nil || len(applied) != 0 {
		t.Fatalf("Migrate after open applied %v, %v; want nothing", applied, err)
	}
	files, _ := filepath.Glob("migrations/*.sql")
	var n int
	if err := s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(files) || n == 0 {
		t.Fatalf("schema_migrations has %d rows, %v; want one per migration file (%d)", n, err, len(files))
	}
}

// Counts come from trigger-kept deltas folded into comment_counts at most
// once a second: right before and after a fold they agree with count(*),
// and emptying the comments table (copy --force) empties them.
func TestCommentCounts(t *testing.T) {
	s := open(t, pgtest.URL(t))
	defer s.Close()
	ctx := context.Background()
	if err := s.CreateSite(ctx, comment.Site{ID: "news", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	add := func(n int) []int64 {
		var ids []int64
		for i := range n {
			c := &comment.Comment{SiteID: "news", ArticleURL: "https://news.example/a", ArticleTitle: "A", AuthorName: "R", Body: "b", HTML: "b",
				EmailCipher: []byte{1}, EmailHMAC: []byte{2}, EditTokenHash: []byte(fmt.Sprint(time.Now().UnixNano(), i)), Status: comment.StatusPending,
				Flagged: i%2 == 0, CreatedAt: time.Now()}
			if err := s.CreateComment(ctx, c); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		return ids
	}
	check := func(when string) {
		t.Helper()
		got, err := s.CountByStatus(ctx, "news")
		if err != nil {
			t.Fatal(err)
		}
		want := map[comment.Status]int{}
		rows, _ := s.Pool().Query(ctx, `SELECT status, count(*) FROM comments GROUP BY status`)
		for rows.Next() {
			var st string
			var n int
			rows.Scan(&st, &n)
			want[comment.Status(st)] = n
		}
		rows.Close()
		for _, st := range []comment.Status{comment.StatusPending, comment.StatusApproved, comment.StatusRejected, comment.StatusSpam} {
			if got[st] != want[st] {
				t.Errorf("%s: %s count %d, want %d", when, st, got[st], want[st])
			}
		}
		var flagged int
		s.Pool().QueryRow(ctx, `SELECT count(*) FROM comments WHERE status = 'pending' AND flagged`).Scan(&flagged)
		if n, err := s.CountFlagged(ctx, "news"); err != nil || n != flagged {
			t.Errorf("%s: CountFlagged = %d, %v; want %d", when, n, err, flagged)
		}
	}
	ids := add(6)
	check("first count (folds)")
	add(3)
	if _, err := s.Decide(ctx, comment.Decision{CommentID: ids[0], Action: comment.ActionApprove, Moderator: "m", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(ctx, comment.Decision{CommentID: ids[1], Action: comment.ActionReject, Reason: comment.ReasonSpam, Moderator: "m", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	check("deltas not yet folded")
	time.Sleep(1100 * time.Millisecond)
	check("after a fold")
	var deltas int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM comment_count_deltas`).Scan(&deltas); err != nil || deltas != 0 {
		t.Errorf("%d deltas left after a fold, %v", deltas, err)
	}
	if _, err := s.Pool().Exec(ctx, `TRUNCATE comments CASCADE`); err != nil {
		t.Fatal(err)
	}
	check("after TRUNCATE")
}
