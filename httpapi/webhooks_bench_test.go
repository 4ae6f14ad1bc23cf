package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

// BenchmarkSubmitWebhooks measures what webhooks cost a submission: the
// read of the site's webhooks, and one outbox item per subscribed webhook
// written in the comment's own transaction (no classifier, 16 clients).
func BenchmarkSubmitWebhooks(b *testing.B) {
	for _, hooks := range []int{0, 2} {
		b.Run(fmt.Sprintf("hooks=%d", hooks), func(b *testing.B) {
			e := newEnv(b)
			ctx := context.Background()
			for i := range hooks {
				if _, err := e.store.CreateWebhook(ctx, comment.Webhook{SiteID: "news", URL: fmt.Sprintf("https://cms.example/%d", i), SecretCipher: []byte{1},
					Events: []string{comment.EventCommentCreated}, Format: comment.WebhookJSON, Enabled: true, CreatedAt: time.Now()}); err != nil {
					b.Fatal(err)
				}
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			var next atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1)
					req := validSubmission()
					req["email"] = fmt.Sprintf("reader%d@example.com", i%1000)
					raw, _ := json.Marshal(req)
					resp, err := client.Post(e.srv.URL+"/api/v1/comments", "application/json", bytes.NewReader(raw))
					if err != nil {
						b.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != 202 {
						b.Fatalf("submit: %d", resp.StatusCode)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "comments/s")
			b.StopTimer()
			items, err := e.store.OutboxItems(ctx, comment.OutboxFilter{Kind: comment.OutboxWebhook, Limit: 1000000})
			if err != nil || len(items) != hooks*b.N {
				b.Fatalf("queued %d webhook items for %d comments and %d hooks: %v", len(items), b.N, hooks, err)
			}
		})
	}
}
