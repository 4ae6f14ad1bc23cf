package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
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

// BenchmarkThreadRead reads a 50-comment thread through the whole HTTP
// stack; BenchmarkStaticFile serves the same bytes from a file with
// http.FileServer, the yardstick for "as fast as a static file".
func BenchmarkThreadRead(b *testing.B) {
	e := newEnv(b)
	path := seedThread(b, e, 50)
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
	path := seedThread(b, e, 50)
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

// BenchmarkSubmit measures accepted comments: validation, rendering,
// encryption and a durable (synchronous=FULL) SQLite commit each.
func BenchmarkSubmit(b *testing.B) {
	e := newEnv(b)
	raw, _ := json.Marshal(validSubmission())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(e.srv.URL+"/api/v1/comments", "application/json", bytes.NewReader(raw))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 202 {
				b.Fatalf("submit: %d", resp.StatusCode)
			}
		}
	})
}
