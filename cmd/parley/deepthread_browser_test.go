package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// deepChainTotal is how many replies TestBrowserDeepThread builds: all but
// 100 seeded into the database (as data from before the cap, or an import,
// would be), the rest as reply requests through the API.
// PARLEY_DEEP_HTTP=N sends N of them through the API instead (the full run:
// 10000).
const deepChainTotal = 10000

// TestBrowserDeepThread: a chain of 10,000 replies. 9,900 are seeded through
// the store, one under the other (far deeper than the cap, as imported data
// could be); then 100 reply requests, each answering the newest comment, go
// through the API: each is stored at the cap under the chain's comment at
// depth 49 and says so, with no other error. The widget then renders the
// whole thread, 9,900 levels deep, without overflowing its stack.
func TestBrowserDeepThread(t *testing.T) {
	ctx := newBrowser(t)
	viaHTTP := 100
	if v, err := strconv.Atoi(os.Getenv("PARLEY_DEEP_HTTP")); err == nil && v > 0 && v <= deepChainTotal {
		viaHTTP = v
	}
	dir := t.TempDir()
	base, out := startServer(t, "demo", "--addr", "127.0.0.1:0", "--dir", dir, "--no-rate-limits")
	tok := regexp.MustCompile(`API token:\s+(\S+)`).FindStringSubmatch(out.String())
	d := demoServer{base: base, article: base + "/demo/", api: client{t: t, base: base, token: tok[1]}}

	top, _, problem := d.submit(map[string]any{"name": "Karin D.", "body": "The first word."})
	if top == 0 {
		t.Fatalf("submit: %v", problem)
	}
	d.decide(top, "approve", nil)
	// Seeded in one transaction on a second connection to the file (as an
	// import would write), so that CI spends seconds, not a minute of fsyncs.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "parley.db")+"?_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	chain := []int64{top}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var articleID int64
	if err := tx.QueryRow(`SELECT article_id FROM comments WHERE id = ?`, top).Scan(&articleID); err != nil {
		t.Fatal(err)
	}
	for i := range deepChainTotal - viaHTTP {
		at := time.Now().UnixMicro()
		res, err := tx.Exec(`INSERT INTO comments (site_id, article_id, parent_id, root_id, author_name, email_cipher, email_hmac, body, html,
			status, edit_token_hash, created_at, decided_at, decided_by) VALUES ('demo', ?, ?, ?, ?, x'01', x'02', 'Deeper.', '<p>Deeper.</p>', 'approved', ?, ?, ?, 'seed')`,
			articleID, chain[len(chain)-1], top, fmt.Sprintf("Reader %d", i+1), []byte(fmt.Sprint("seed", i)), at, at)
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		id, _ := res.LastInsertId()
		chain = append(chain, id)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d nested replies into the database in %v", len(chain)-1, time.Since(start))

	start = time.Now()
	// chain[d] is the chain's comment at depth d (the top at 0); the
	// server's cap is depth 50 (--max-reply-depth's default).
	const maxDepth = 50
	newest, depth := chain[len(chain)-1], len(chain)-1
	for i := range viaHTTP {
		code, r := d.api.call("POST", "/api/v1/comments", map[string]any{"site": "demo", "article_url": d.article, "name": "Late reader",
			"email": "late@example.com", "body": fmt.Sprintf("Reply request %d.", i+1), "parent_id": newest}, nil)
		if code != 202 {
			t.Fatalf("reply request %d: %d %v", i+1, code, r)
		}
		id := int64(r["id"].(float64))
		p, _ := r["parent_id"].(float64)
		if depth < maxDepth {
			// Under the cap: stored where asked, without a notice.
			if int64(p) != newest || r["notice"] != nil {
				t.Fatalf("reply request %d to depth %d: parent %v, notice %v; want %d and no notice", i+1, depth, r["parent_id"], r["notice"], newest)
			}
			depth++
			chain = append(chain, id)
		} else if int64(p) != chain[maxDepth-1] || r["notice"] == nil {
			// The newest is at the cap or deeper: the reply goes under the
			// chain's comment at depth 49 (so it is at the cap), and says so.
			t.Fatalf("reply request %d: parent %v, notice %v; want %d and a notice", i+1, r["parent_id"], r["notice"], chain[maxDepth-1])
		} else {
			depth = maxDepth
		}
		d.decide(id, "approve", nil)
		newest = id
	}
	t.Logf("%d reply requests through the API in %v", viaHTTP, time.Since(start))

	start = time.Now()
	openDemo(t, ctx, d)
	var got struct {
		Count   int
		Deepest bool
		Message string
	}
	jsInto(t, ctx, "the rendered thread", `(() => { const r = `+shadow+`;
		return {count: r.querySelectorAll(".thread li").length, deepest: !!r.getElementById(r.querySelector("li[data-id]").id.replace(/c\d+$/, "c`+fmt.Sprint(chain[len(chain)-1])+`")),
			message: (r.querySelector(".thread-msg") || {}).textContent || ""}; })()`, &got)
	if got.Count != deepChainTotal+1 || !got.Deepest || got.Message != "" {
		t.Errorf("the widget shows %d comments (deepest present: %v, message %q); want %d", got.Count, got.Deepest, got.Message, deepChainTotal+1)
	}
	t.Logf("the widget rendered %d comments in %v", got.Count, time.Since(start))
}
