package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parleyhq/parley/store/postgres/pgtest"
)

// BenchmarkPostgresInstances measures submissions and thread reads per
// second against one and two `parley serve` instances (in this process, on
// two ports) sharing one PostgreSQL database, rate limits off. The client
// spreads requests over the instances round-robin. Submissions come from
// 1,000 readers (each submission looks up its author's history). Client, servers and
// PostgreSQL share the machine's cores, so this measures whether a second
// instance helps on one machine, not what two machines would do.
//
//	PARLEY_TEST_POSTGRES=postgres://... go test -run '^$' -bench PostgresInstances ./cmd/parley
func BenchmarkPostgresInstances(b *testing.B) {
	pg := pgtest.URL(b)
	key := b.TempDir() + "/parley.key"
	cmd := func(stdin string, args ...string) string {
		var out bytes.Buffer
		if err := run(context.Background(), append(args, "--db", pg, "--secret-file", key), envFrom(nil), strings.NewReader(stdin), &out, &out); err != nil {
			b.Fatalf("parley %v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	cmd("", "site", "add", "news", "--origin", "https://news.example")
	cmd("s3cret-passw0rd\n", "moderator", "add", "ann", "--role", "admin")
	lines := strings.Split(strings.TrimSpace(cmd("", "token", "create", "--moderator", "ann")), "\n")
	token := lines[len(lines)-1]
	var bases []string
	for range 2 {
		base, _ := serveFor(b, "--db", pg, "--secret-file", key, "--no-rate-limits")
		bases = append(bases, base)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	post := func(base, path string, body any) (int, map[string]any) {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	// A thread of 50 approved comments to read.
	article := "https://news.example/2026/read-me"
	for i := range 50 {
		code, res := post(bases[0], "/api/v1/comments", map[string]any{"site": "news", "article_url": article, "name": "Ada",
			"email": "ada@example.com", "body": fmt.Sprintf("Comment %d about the talks, with some **Markdown**.", i)})
		if code != 202 {
			b.Fatalf("seed: %d %v", code, res)
		}
		if code, res := post(bases[0], fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", res["id"]), nil); code != 200 {
			b.Fatalf("approve: %d %v", code, res)
		}
	}
	threadPath := "/api/v1/threads?site=news&url=" + url.QueryEscape(article)

	for _, n := range []int{1, 2} {
		instances := bases[:n]
		b.Run(fmt.Sprintf("submit/instances=%d", n), func(b *testing.B) {
			var next atomic.Int64
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1)
					body, _ := json.Marshal(map[string]any{"site": "news", "article_url": fmt.Sprintf("https://news.example/a%d", i%20),
						"name": "Reader", "email": fmt.Sprintf("r%d@example.com", i%1000), "body": fmt.Sprintf("Submission %d: the minister's plan looks costly to me.", i)})
					resp, err := client.Post(instances[i%int64(n)]+"/api/v1/comments", "application/json", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 202 {
						b.Errorf("submit: %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "submissions/s")
		})
		b.Run(fmt.Sprintf("thread/instances=%d", n), func(b *testing.B) {
			var next atomic.Int64
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1)
					resp, err := client.Get(instances[i%int64(n)] + threadPath)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("thread: %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
		})
	}
}
