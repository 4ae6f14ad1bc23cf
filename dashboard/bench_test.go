package dashboard_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/secret"
)

// seedPending writes n pending comments (5% flagged with a span, 10%
// replies to approved comments, from n/5 commenters, over 200 articles)
// straight into the SQLite file, in one transaction.
func seedPending(b *testing.B, e *env, n int) {
	b.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(e.dir, "parley.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	start := e.clock.Now().Add(-30 * 24 * time.Hour).UnixMicro()
	for a := 1; a <= 200; a++ {
		if _, err := tx.Exec(`INSERT INTO articles (id, site_id, url, title, created_at) VALUES (?, 'news', ?, ?, ?)`,
			a, fmt.Sprintf("%s/story-%d", origin, a), fmt.Sprintf("Story number %d about the energy debate", a), start); err != nil {
			b.Fatal(err)
		}
	}
	ins, err := tx.Prepare(`INSERT INTO comments (site_id, article_id, parent_id, root_id, author_name, author_website, email_cipher, email_hmac,
		body, html, status, edit_token_hash, score, flagged, spans, created_at, decided_at, decided_by)
		VALUES ('news', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	cipher, _ := e.keys.EncryptEmail("reader@example.com")
	// 1,000 approved comments to reply to.
	for i := 1; i <= 1000; i++ {
		if _, err := ins.Exec(1+i%200, nil, nil, fmt.Sprintf("Reader %d", i%7000), "", cipher, e.keys.EmailHMAC(fmt.Sprintf("r%d@example.com", i%(n/5))),
			"An earlier approved comment.", "<p>An earlier approved comment.</p>", "approved", []byte(fmt.Sprint("a", i)), 0.1, 0, "[]",
			start+int64(i), start+int64(i)+60e6, "ann"); err != nil {
			b.Fatal(err)
		}
	}
	for i := 1; i <= n; i++ {
		var parent, root any
		article := 1 + i%200
		if i%10 == 0 {
			p := int64(1 + i%1000)
			parent, root, article = p, p, 1+int(p)%200
		}
		body := fmt.Sprintf("Comment %d: the grid needs storage before it needs more panels, and prices follow.", i)
		score, flagged, spans := 0.12, 0, "[]"
		if i%20 == 0 {
			body = fmt.Sprintf("Comment %d: only a fool would write this.", i)
			score, flagged, spans = 0.91, 1, fmt.Sprintf(`[{"start":%d,"end":%d,"text":"fool"}]`, strings.Index(body, "fool"), strings.Index(body, "fool")+4)
		}
		if _, err := ins.Exec(article, parent, root, fmt.Sprintf("Reader %d", i%7000), "https://blog.example", cipher,
			e.keys.EmailHMAC(fmt.Sprintf("r%d@example.com", i%(n/5))), body, "<p>"+body+"</p>", "pending", []byte(fmt.Sprint("t", i)),
			score, flagged, spans, start+int64(i)*1000, nil, ""); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPendingQueue100k renders the first page of the pending queue
// (50 comments with their history, parents and word matches, and every
// count) with 100,000 pending comments in the database, as an admin.
func BenchmarkPendingQueue100k(b *testing.B) {
	e := newEnv(b, false)
	seedPending(b, e, 100_000)
	m, err := e.store.ModeratorByName(context.Background(), "ann")
	if err != nil {
		b.Fatal(err)
	}
	token := secret.NewToken()
	if err := e.store.CreateSession(context.Background(), m.ID, secret.TokenHash(token), "csrf", e.clock.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/admin/queue/pending", nil)
	req.AddCookie(&http.Cookie{Name: "parley_session", Value: token})
	w := httptest.NewRecorder()
	e.dash.ServeHTTP(w, req)
	if w.Code != 200 || strings.Count(w.Body.String(), `<li class="item`) != 50 || !strings.Contains(w.Body.String(), `data-count="pending">100000<`) {
		b.Fatalf("queue page: %d\n%.2000s", w.Code, w.Body.String())
	}
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		e.dash.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
