package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/parleyhq/parley/comment"
)

// submissionTests check that submissions arriving together (a store may
// write them in one batch) are each answered on their own.
var submissionTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"ConcurrentSubmissionsAnsweredAlone", testConcurrentSubmissions},
}

// Many submissions at once, a third of them refused (a closed article, a
// reply to a pending comment): every accepted one is stored with its own ID,
// every refused one gets its own error and leaves nothing behind.
func testConcurrentSubmissions(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "news")
	mustCreate(t, s, newComment("news", "https://news.example/closed", 0))
	if err := s.SetArticleClosed(ctx, "news", "https://news.example/closed", true); err != nil {
		t.Fatal(err)
	}
	pending := mustCreate(t, s, newComment("news", "https://news.example/open", 1))
	const n = 90
	errs := make([]error, n)
	cs := make([]*comment.Comment, n)
	var wg sync.WaitGroup
	for i := range n {
		c := newComment("news", fmt.Sprintf("https://news.example/a%d", i%7), 10+i)
		switch i % 3 {
		case 1:
			c.ArticleURL = "https://news.example/closed"
		case 2:
			c.ArticleURL, c.ParentID = "https://news.example/open", pending.ID
		}
		cs[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateComment(ctx, c)
		}()
	}
	wg.Wait()
	ids := map[int64]bool{}
	for i, c := range cs {
		switch i % 3 {
		case 0:
			if errs[i] != nil {
				t.Fatalf("submission %d: %v", i, errs[i])
			}
			if c.ID == 0 || ids[c.ID] {
				t.Fatalf("submission %d: ID %d missing or shared", i, c.ID)
			}
			ids[c.ID] = true
			got, err := s.Comment(ctx, c.ID)
			if err != nil || got.Body != c.Body || got.ArticleURL != c.ArticleURL {
				t.Fatalf("submission %d read back: %+v, %v", i, got, err)
			}
		default:
			wantCode(t, errs[i], comment.CodeInvalid)
		}
	}
	counts, err := s.CountByStatus(ctx, "news")
	if err != nil {
		t.Fatal(err)
	}
	// Two set-up comments and one in three of the rest.
	if want := 2 + n/3; counts[comment.StatusPending] != want {
		t.Errorf("pending comments stored = %d, want %d (refused ones left rows behind?)", counts[comment.StatusPending], want)
	}
}
