package main

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/smtptest"
)

// The real binary is SIGKILLed between the commit of decisions and the
// sending of their emails (while the mail server is down), and again while
// the mail server has taken a message but not yet answered: after restarts
// every message is delivered, none more than twice, and a copy carries the
// same Message-ID.
func TestMailCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildParley(t)
	smtp := smtptest.Start(t)
	smtp.Stop()
	data, db, token := mailSetup(t)
	args := append(data, "--smtp-url", smtp.URL(), "--mail-from", "comments@news.example", "--log-level", "warn")
	base, cmd := startBinary(t, bin, args...)
	c := client{t: t, base: base, token: token}
	const n = 8
	for i := range n {
		code, res := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": "https://news.example/crash",
			"name": "R", "email": fmt.Sprintf("r%d@example.com", i), "body": fmt.Sprintf("Comment %d", i), "notify": []string{"decision"}}, nil)
		if code != 202 {
			t.Fatalf("submit: %d %v", code, res)
		}
		if code, res := c.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", res["id"].(float64)), nil, nil); code != 200 {
			t.Fatalf("approve: %d %v", code, res)
		}
	}
	// Committed, not sent: the mail server is down. Kill.
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()

	// The mail server is back but slow to answer; kill again once it has
	// taken a message.
	smtp.SetDelay(5 * time.Second)
	smtp.Restart()
	_, cmd = startBinary(t, bin, args...)
	smtp.Wait(1, 30*time.Second)
	cmd.Process.Kill()
	cmd.Wait()

	// The claim of the killed process lasts its lease (two minutes); let
	// it pass, and restart with a prompt mail server.
	sq, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	if _, err := sq.Exec(`UPDATE outbox SET claimed_until = NULL, next_attempt = 0 WHERE sent_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	smtp.SetDelay(0)
	startBinary(t, bin, args...)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var unsent int
		if err := sq.QueryRow(`SELECT count(*) FROM outbox WHERE sent_at IS NULL`).Scan(&unsent); err != nil {
			t.Fatal(err)
		}
		if unsent == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still unsent", unsent)
		}
		time.Sleep(100 * time.Millisecond)
	}
	byID := map[string]int{}
	idsOf := map[string]map[string]bool{}
	for _, m := range smtp.Messages() {
		id := m.Header.Get("Message-Id")
		byID[id]++
		if idsOf[m.To[0]] == nil {
			idsOf[m.To[0]] = map[string]bool{}
		}
		idsOf[m.To[0]][id] = true
	}
	dups := 0
	for id, k := range byID {
		if k > 2 {
			t.Errorf("message %s delivered %d times", id, k)
		}
		dups += k - 1
	}
	for i := range n {
		to := fmt.Sprintf("r%d@example.com", i)
		if len(idsOf[to]) != 1 {
			t.Errorf("%s got %d distinct Message-IDs, want 1", to, len(idsOf[to]))
		}
	}
	if len(idsOf) != n {
		t.Errorf("%d recipients got mail, want %d", len(idsOf), n)
	}
	t.Logf("%d messages, %d delivered twice (same Message-ID)", len(smtp.Messages()), dups)
	if dups != 1 {
		t.Errorf("%d duplicates; the kill while the server held its answer should make exactly one", dups)
	}
	_ = strings.Contains
}
