package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/store/sqlite"
	"github.com/parleyhq/parley/webhook"
)

// TestWebhooksAndDataRights runs the real program: a webhook whose
// receiver is down for its first two calls gets the signed call on the
// third, with one delivery ID throughout; then a commenter asks for their
// data, downloads it through the emailed link and erases it.
func TestWebhooksAndDataRights(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	mustRun(t, "ann-password-1\n", "moderator", "add", "ann", "--role", "admin", "--db", db)
	out := mustRun(t, "", "token", "create", "--moderator", "ann", "--db", db)
	token := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	base, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn", "--no-rate-limits")
	c := client{t: t, base: base, token: token}

	var mu sync.Mutex
	var calls []*http.Request
	var bodies [][]byte
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		calls, bodies = append(calls, r), append(bodies, b)
		if len(calls) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable) // down for a while
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rc.Close()
	code, hook := c.call("POST", "/api/v1/admin/sites/news/webhooks", map[string]any{"url": rc.URL + "/in", "events": []string{"comment.created"}}, nil)
	if code != 201 {
		t.Fatalf("create webhook: %d %v", code, hook)
	}
	secret := hook["secret"].(string)
	code, sub := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": "https://news.example/energy",
		"article_title": "Who pays?", "name": "Ada", "email": "ada@example.com", "body": "A hotline is a start."}, nil)
	if code != 202 {
		t.Fatalf("submit: %d %v", code, sub)
	}
	id := int64(sub["id"].(float64))
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(calls)
		mu.Unlock()
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls after 20 s, want 3 (two refused, then taken)", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	for i, r := range calls {
		if err := webhook.Verify([]byte(secret), r.Header.Get("Parley-Signature"), bodies[i], time.Now(), time.Minute); err != nil {
			t.Errorf("call %d: %v", i, err)
		}
		if r.Header.Get("Parley-Delivery") != calls[0].Header.Get("Parley-Delivery") || r.Header.Get("Parley-Delivery") == "" {
			t.Errorf("call %d has delivery ID %q, the first %q", i, r.Header.Get("Parley-Delivery"), calls[0].Header.Get("Parley-Delivery"))
		}
	}
	var ev webhook.Event
	if err := json.Unmarshal(bodies[2], &ev); err != nil || ev.Event != "comment.created" || ev.Comment == nil || ev.Comment.ID != id || strings.Contains(string(bodies[2]), "ada@example.com") {
		t.Errorf("body %s: %v", bodies[2], err)
	}
	mu.Unlock()
	// The dashboard's API shows the delivery, delivered after two failures.
	var deliveries []any
	for time.Now().Before(deadline) {
		_, d := c.call("GET", fmt.Sprintf("/api/v1/admin/sites/news/webhooks/%v/deliveries", hook["id"]), nil, nil)
		deliveries, _ = d["deliveries"].([]any)
		if len(deliveries) == 1 && deliveries[0].(map[string]any)["status"] == "delivered" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(deliveries) != 1 || deliveries[0].(map[string]any)["status"] != "delivered" || deliveries[0].(map[string]any)["attempts"] != float64(2) {
		t.Errorf("deliveries = %v", deliveries)
	}

	// Data rights: the link is in the queued email (no mail server here).
	if code, body := c.call("POST", "/api/v1/data-requests", map[string]any{"site": "news", "email": "ada@example.com"}, nil); code != 202 {
		t.Fatalf("data request: %d %v", code, body)
	}
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	items, err := st.OutboxItems(context.Background(), comment.OutboxFilter{Topic: "data_request"})
	st.Close()
	if err != nil || len(items) != 1 {
		t.Fatalf("queued emails: %v, %v", items, err)
	}
	var payload map[string]any
	json.Unmarshal(items[0].Payload, &payload)
	exportURL, _ := url.Parse(payload["export_url"].(string))
	code, ex := c.call("GET", exportURL.RequestURI(), nil, nil)
	if code != 200 || len(ex["comments"].([]any)) != 1 {
		t.Fatalf("export: %d %v", code, ex)
	}
	code, er := c.call("POST", "/api/v1/data-requests/erase", map[string]any{"token": exportURL.Query().Get("token")}, nil)
	if code != 200 || er["deleted"] != float64(1) {
		t.Fatalf("erase: %d %v", code, er)
	}
	code, ex = c.call("GET", exportURL.RequestURI(), nil, nil)
	if code != 200 || len(ex["comments"].([]any)) != 0 {
		t.Errorf("after erasure: %d %v", code, ex)
	}
}
