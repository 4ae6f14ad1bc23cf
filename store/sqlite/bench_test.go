package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/store/sqlite"
)

// BenchmarkCreateComment measures durable comment writes from 32 writers at
// once: the group commit batches whatever waits into one fsync'd
// transaction. (BenchmarkSubmit in httpapi adds the HTTP and policy work.)
func BenchmarkCreateComment(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "parley.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateSite(ctx, comment.Site{ID: "news", Origins: []string{"https://news.example"}, CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			c := &comment.Comment{SiteID: "news", ArticleURL: fmt.Sprintf("https://news.example/a%d", i%50), ArticleTitle: "A",
				AuthorName: "Reader", EmailCipher: []byte("cipher"), EmailHMAC: []byte(fmt.Sprint(i % 1000)), Body: "A comment of some length about the plan.",
				HTML: "<p>A comment of some length about the plan.</p>", Status: comment.StatusPending, EditTokenHash: []byte(fmt.Sprint(i)),
				Score: 0.1, CreatedAt: time.Now()}
			if err := s.CreateComment(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "comments/s")
}
