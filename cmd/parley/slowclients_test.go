package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// setupNews makes a database with the site "news" and an admin token.
func setupNews(t *testing.T, db string) string {
	t.Helper()
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	mustRun(t, "correct horse battery\n", "moderator", "add", "ann", "--role", "admin", "--db", db)
	lines := strings.Split(strings.TrimSpace(mustRun(t, "", "token", "create", "--moderator", "ann", "--db", db)), "\n")
	return lines[len(lines)-1]
}

// seedApproved submits and approves n comments under article.
func seedApproved(t *testing.T, c client, article string, n int) {
	t.Helper()
	for i := range n {
		code, out := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": article, "article_title": "Talks",
			"name": "Ada", "email": "ada@example.com", "body": fmt.Sprintf("Point %d about the patrols.", i)}, nil)
		if code != 202 {
			t.Fatalf("seed: %d %v", code, out)
		}
		if code, out := c.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", out["id"].(float64)), nil, nil); code != 200 {
			t.Fatalf("approve: %d %v", code, out)
		}
	}
}

// readThread times one thread read on a fresh connection.
func readThread(base, article string) (time.Duration, error) {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	start := time.Now()
	resp, err := client.Get(base + "/api/v1/threads?site=news&url=" + article)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return time.Since(start), err
}

// 1,000 idle connections and 200 uploads trickling their bodies do not
// keep a reader from getting a thread within 100 ms.
func TestSlowClientsDoNotStarveReaders(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 1,200 connections")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	token := setupNews(t, db)
	base, _ := startBinary(t, buildParley(t), "--db", db, "--log-level", "error")
	c := client{t: t, base: base, token: token}
	const article = "https://news.example/world/talks"
	seedApproved(t, c, article, 10) // the burst one address may post
	addr := strings.TrimPrefix(base, "http://")

	var conns []net.Conn
	defer func() {
		for _, conn := range conns {
			conn.Close()
		}
	}()
	for i := range 1000 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("idle connection %d: %v", i, err)
		}
		conns = append(conns, conn)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	body := `{"site":"news","article_url":"` + article + `","name":"Slow","email":"slow@example.com","body":"` + strings.Repeat("s", 1500) + `"}`
	for i := range 200 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("slow upload %d: %v", i, err)
		}
		conns = append(conns, conn)
		fmt.Fprintf(conn, "POST /api/v1/comments HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", addr, len(body))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < len(body); j++ {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := conn.Write([]byte{body[j]}); err != nil {
					return
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	time.Sleep(300 * time.Millisecond) // every slow upload has started

	var took []time.Duration
	for i := range 20 {
		d, err := readThread(base, article)
		if err != nil {
			t.Fatalf("read %d under 1,200 slow connections: %v", i, err)
		}
		took = append(took, d)
		time.Sleep(20 * time.Millisecond)
	}
	slices.Sort(took)
	median, worst := took[len(took)/2], took[len(took)-1]
	t.Logf("20 thread reads beside 1,000 idle connections and 200 slow uploads: median %v, slowest %v", median, worst)
	if median > 100*time.Millisecond {
		t.Errorf("median read took %v, want at most 100 ms", median)
	}
	// The slow connections are still open: the server did not shed them
	// by failing.
	if _, err := conns[0].Write([]byte("G")); err != nil {
		t.Errorf("an idle connection was dropped within seconds: %v", err)
	}
}
