package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/parleyhq/parley/classify"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/moderation"
)

func seedThread(b *testing.B, e *env, n int) string {
	b.Helper()
	for i := range n {
		req := validSubmission()
		req["body"] = fmt.Sprintf("Comment %d: the hotline is a start, but the patrol question decides everything. **Really.** https://example.org/%d", i, i)
		var out submitted
		doRequest(b, http.DefaultClient, e.srv.URL, "POST", "/api/v1/comments", req, nil, &out)
		doRequest(b, http.DefaultClient, e.srv.URL, "POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", out.ID), nil, map[string]string{"Authorization": "Bearer " + e.token}, nil)
	}
	return "/api/v1/threads?" + threadQuery("")
}

// get reads a URL to the end over keep-alive connections.
func get(b *testing.B, client *http.Client, url string) int {
	resp, err := client.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return int(n)
}

// BenchmarkThreadRead reads a cached 200-comment thread through the whole
// HTTP stack (client and server in this process); BenchmarkStaticFile serves
// the same bytes from a file with http.FileServer, the yardstick for "as fast
// as a static file". parley bench measures the same pair over real
// connections with more clients; its ratio is the one the docs report.
func BenchmarkThreadRead(b *testing.B) {
	e := newEnv(b, servingLogger)
	path := seedThread(b, e, 200)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	size := get(b, client, e.srv.URL+path)
	b.SetBytes(int64(size))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, client, e.srv.URL+path)
		}
	})
}

func BenchmarkStaticFile(b *testing.B) {
	e := newEnv(b)
	path := seedThread(b, e, 200)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	resp, err := client.Get(e.srv.URL + path)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "thread.json"), body, 0o644); err != nil {
		b.Fatal(err)
	}
	static := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer static.Close()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, client, static.URL+"/thread.json")
		}
	})
}

// BenchmarkThreadHandler is the server's own work for a cached thread (a
// cache hit: no database query), without the network: the handler writes
// into a recorder. BenchmarkStaticFileHandler is http.FileServer's work for
// the same bytes, the same way.
func BenchmarkThreadHandler(b *testing.B) {
	e := newEnv(b, servingLogger)
	path := seedThread(b, e, 200)
	req := httptest.NewRequest("GET", path, nil)
	w := httptest.NewRecorder()
	e.api.ServeHTTP(w, req)
	if w.Code != 200 {
		b.Fatalf("thread: %d", w.Code)
	}
	b.SetBytes(int64(w.Body.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := &discardRecorder{h: http.Header{}}
		e.api.ServeHTTP(w, req)
		if w.code != 200 {
			b.Fatalf("thread: %d", w.code)
		}
	}
}

func BenchmarkStaticFileHandler(b *testing.B) {
	e := newEnv(b)
	path := seedThread(b, e, 200)
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "thread.json"), rec.Body.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	fs := http.FileServer(http.Dir(dir))
	req := httptest.NewRequest("GET", "/thread.json", nil)
	b.SetBytes(int64(rec.Body.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := &discardRecorder{h: http.Header{}}
		fs.ServeHTTP(w, req)
		if w.code != 200 {
			b.Fatalf("static: %d", w.code)
		}
	}
}

// servingLogger logs at info, as parley serve does by default (the tests'
// logger records every request at debug).
func servingLogger(c *httpapi.Config) {
	c.Logger = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// discardRecorder is a ResponseWriter that keeps the status and drops the
// body, so that neither handler pays for a recorder's copy.
type discardRecorder struct {
	h    http.Header
	code int
}

func (d *discardRecorder) Header() http.Header { return d.h }
func (d *discardRecorder) WriteHeader(code int) {
	if d.code == 0 {
		d.code = code
	}
}
func (d *discardRecorder) Write(p []byte) (int, error) {
	if d.code == 0 {
		d.code = 200
	}
	return len(p), nil
}

// modelClassifier puts the embedded ad hominem model behind the moderation
// seam, as parley serve does.
type modelClassifier struct{ m *classify.Model }

func (c modelClassifier) Score(body string) (float64, []comment.Span) {
	r := c.m.Score(body)
	spans := make([]comment.Span, len(r.Spans))
	for i, s := range r.Spans {
		spans[i] = comment.Span{Start: s.Start, End: s.End, Text: s.Text}
	}
	return r.Score, spans
}

func (c modelClassifier) FlagThreshold() float64 { return c.m.FlagThreshold() }

// BenchmarkSubmit measures accepted comments as parley serve takes them:
// validation, Markdown rendering, encryption, the author's history, the
// classifier's score (the embedded model) and a durable (synchronous=FULL)
// SQLite group commit each, from 32 clients at once.
func BenchmarkSubmit(b *testing.B) {
	e := newEnv(b, servingLogger, func(c *httpapi.Config) {
		c.Policy = moderation.Policy{Classifier: modelClassifier{classify.Default()}}
	})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next atomic.Int64
	b.SetParallelism(32 / max(1, runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			req := validSubmission()
			req["email"] = fmt.Sprintf("reader%d@example.com", i%1000)
			req["body"] = fmt.Sprintf("Submission %d: the minister's plan looks costly to me, and the figures in paragraph three do not add up.", i)
			raw, _ := json.Marshal(req)
			resp, err := client.Post(e.srv.URL+"/api/v1/comments", "application/json", bytes.NewReader(raw))
			if err != nil {
				b.Fatal(err)
			}
			var out submitted
			json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if resp.StatusCode != 202 || out.ID == 0 {
				b.Fatalf("submit: %d", resp.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "comments/s")
	// The classifier really ran: every stored comment has a score.
	b.StopTimer()
	q, err := e.store.Queue(context.Background(), comment.QueueQuery{Status: comment.StatusPending, Limit: 1})
	if err != nil || len(q) == 0 || q[0].Score < 0 {
		b.Fatalf("no scored comment stored: %+v %v", q, err)
	}
}
