package sqlite_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

// Reads whose statements are prepared once must never wait for a
// connection they hold themselves: with more readers at once than the read
// pool has connections, on a fresh store (nothing prepared yet) and with
// every statement variant the thread, queue, picks and rules reads make,
// all of them finish.
func TestPreparedReadsUnderContention(t *testing.T) {
	s := open(t)
	defer s.Close()
	ctx := context.Background()
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	if err := s.CreateSite(ctx, comment.Site{ID: "news", Origins: []string{"https://news.example"}, CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	const articles = 12
	for a := range articles {
		url := fmt.Sprintf("https://news.example/%d", a)
		var root int64
		for i := range a + 1 { // a different number of roots in each thread
			at = at.Add(time.Second)
			c := &comment.Comment{SiteID: "news", ArticleURL: url, AuthorName: "R", Body: "b", HTML: "<p>b</p>",
				EmailCipher: []byte{1}, EmailHMAC: []byte{byte(i)}, IPHash: []byte{1}, EditTokenHash: []byte(fmt.Sprint(a, i)),
				Status: comment.StatusApproved, Score: -1, CreatedAt: at, DecidedAt: at, DecidedBy: "m"}
			if i > 0 && i%3 == 0 {
				c.ParentID = root
			}
			if err := s.CreateComment(ctx, c); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				root = c.ID
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := fmt.Sprintf("https://news.example/%d", g%articles)
			var err error
			switch g % 4 {
			case 0:
				_, err = s.Thread(ctx, comment.ThreadQuery{SiteID: "news", URL: url, Limit: 1 + g%7})
			case 1:
				_, err = s.Queue(ctx, comment.QueueQuery{SiteID: "news", Status: comment.StatusApproved, Limit: 1 + g%5, Search: []string{"", "b"}[g%2]})
			case 2:
				_, err = s.Picks(ctx, "news", url)
			default:
				_, err = s.RecentComments(ctx, comment.RecentQuery{SiteID: "news", EmailHMAC: []byte{byte(g % 5)}, Bodies: g%2 == 0})
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
