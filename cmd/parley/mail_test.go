package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/smtptest"
	_ "modernc.org/sqlite"
)

var urlRE = regexp.MustCompile(`https?://\S+`)

// linkIn returns the first URL in text containing want.
func linkIn(t *testing.T, text, want string) string {
	t.Helper()
	for _, u := range urlRE.FindAllString(text, -1) {
		if strings.Contains(u, want) {
			return u
		}
	}
	t.Fatalf("no %s link in:\n%s", want, text)
	return ""
}

func postForm(t *testing.T, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func getPage(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// mailSetup makes a database with a site, an admin (ann) with a token and
// a moderator (bea) with an email and an hourly digest.
func mailSetup(t *testing.T) (data []string, db, token string) {
	dir := t.TempDir()
	db = dir + "/parley.db"
	data = []string{"--db", db, "--secret-file", dir + "/parley.key"}
	mustRun(t, "", append([]string{"site", "add", "news", "--origin", "https://news.example"}, data...)...)
	mustRun(t, "s3cret-passw0rd\n", append([]string{"moderator", "add", "ann", "--role", "admin"}, data...)...)
	out := mustRun(t, "s3cret-passw0rd\n", append([]string{"moderator", "add", "bea", "--email", "bea@news.example"}, data...)...)
	if !strings.Contains(out, "gets email (no digest") {
		t.Fatalf("moderator add --email: %q", out)
	}
	lines := strings.Split(strings.TrimSpace(mustRun(t, "", append([]string{"token", "create", "--moderator", "ann"}, data...)...)), "\n")
	return data, db, lines[len(lines)-1]
}

// Email through the real program and a real SMTP server: decision notices
// (published with the link; rejected with the reason, the shared note only
// and the appeal link, which works), reply notices (the first at once, the
// next ones batched), one-click unsubscribe, the moderator's digest, and a
// mail server that goes down and comes back with nothing lost.
func TestMailEndToEnd(t *testing.T) {
	smtp := smtptest.Start(t)
	data, db, token := mailSetup(t)
	base, _ := serveFor(t, append(data, "--smtp-url", smtp.URL(), "--mail-from", "Comments <comments@news.example>", "--mail-tick", "100ms")...)
	c := client{t: t, base: base, token: token}
	article := "https://news.example/talks"
	submit := func(email, body string, parent float64, notify []string, lang string) float64 {
		t.Helper()
		req := map[string]any{"site": "news", "article_url": article, "article_title": "The talks", "name": strings.Split(email, "@")[0], "email": email, "body": body}
		if parent != 0 {
			req["parent_id"] = parent
		}
		if notify != nil {
			req["notify"] = notify
		}
		if lang != "" {
			req["lang"] = lang
		}
		code, res := c.call("POST", "/api/v1/comments", req, nil)
		if code != 202 {
			t.Fatalf("submit: %d %v", code, res)
		}
		return res["id"].(float64)
	}
	decide := func(id float64, action string, body map[string]any) {
		t.Helper()
		if code, res := c.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/%s", id, action), body, nil); code != 200 {
			t.Fatalf("%s %.0f: %d %v", action, id, code, res)
		}
	}
	// An unknown opt-in is refused, naming notify.
	code, res := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": article, "name": "X", "email": "x@example.com",
		"body": "Hello", "notify": []string{"decision", "weekly"}}, nil)
	if code != 422 || !strings.Contains(fmt.Sprint(res["errors"]), "notify") {
		t.Fatalf("unknown notify value: %d %v", code, res)
	}

	// The digest comes first: bea's hourly digest is due at once.
	ada := submit("ada@example.com", "A hotline is a start.", 0, []string{"decision", "replies"}, "")
	flagged := submit("cy@example.com", "You are an idiot and a liar.", 0, []string{"decision"}, "fr")
	quiet := submit("dan@example.com", "No email for me.", 0, nil, "")
	// bea asks for an hourly digest now that three comments wait.
	out := mustRun(t, "", append([]string{"moderator", "mail", "bea", "--email", "bea@news.example", "--digest", "hourly"}, data...)...)
	if !strings.Contains(out, "hourly digest") {
		t.Fatalf("moderator mail: %q", out)
	}
	msgs := smtp.Wait(1, 10*time.Second)
	digest := msgs[0]
	if digest.To[0] != "bea@news.example" || !strings.HasPrefix(digest.Subject(), "Moderation queue: 3 waiting") {
		t.Fatalf("digest to %v: %q\n%s", digest.To, digest.Subject(), digest.Text())
	}
	dt := digest.Text()
	if i, j := strings.Index(dt, "- [flagged] news, cy"), strings.Index(dt, "- news, ada"); i < 0 || j < 0 || i > j {
		t.Errorf("the digest does not list the flagged comment first:\n%s", dt)
	}
	if !strings.Contains(dt, "Oldest waiting:") || !strings.Contains(dt, base+"/admin/") {
		t.Errorf("digest text:\n%s", dt)
	}

	// Decisions.
	decide(ada, "approve", nil)
	decide(flagged, "reject", map[string]any{"reason": "ad_hominem", "note": "Argue with the point, not the person.", "share_note": true})
	decide(quiet, "reject", map[string]any{"reason": "off_topic", "note": "internal: third strike"})
	msgs = smtp.Wait(3, 15*time.Second)
	pub, rej := msgs[1], msgs[2]
	if pub.To[0] != "ada@example.com" || pub.Subject() != "Your comment was published: The talks" || !strings.Contains(pub.Text(), article) {
		t.Errorf("published notice to %v: %q\n%s", pub.To, pub.Subject(), pub.Text())
	}
	if !strings.Contains(pub.HTML(), `href="`+article+`"`) {
		t.Errorf("published notice HTML has no link:\n%s", pub.HTML())
	}
	rt := rej.Text()
	if rej.To[0] != "cy@example.com" || rej.Subject() != "Votre commentaire n'a pas été publié : The talks" ||
		!strings.Contains(rt, "il attaque une personne") || !strings.Contains(rt, "Argue with the point, not the person.") {
		t.Errorf("rejection notice to %v: %q\n%s", rej.To, rej.Subject(), rt)
	}
	for _, m := range msgs {
		if strings.Contains(m.Text(), "third strike") || m.To[0] == "dan@example.com" {
			t.Errorf("a note not shared, or a message nobody asked for, was sent: %v\n%s", m.To, m.Text())
		}
	}
	// Each message: its own Message-ID, the RFC 8058 headers, two parts.
	seen := map[string]bool{}
	for _, m := range msgs {
		id := m.Header.Get("Message-Id")
		if !strings.HasSuffix(id, "@parley>") || seen[id] {
			t.Errorf("Message-ID %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
		if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.Contains(m.Header.Get("List-Unsubscribe"), base+"/mail/unsubscribe?t=") {
			t.Errorf("unsubscribe headers: %v", m.Header)
		}
		if m.HTML() == "" || m.Text() == "" {
			t.Errorf("not multipart text and HTML: %s", m.Raw)
		}
	}

	// The appeal link of the rejection works, once.
	appeal := linkIn(t, rt, "/mail/appeal")
	if code, page := getPage(t, appeal); code != 200 || !strings.Contains(page, "<textarea") {
		t.Fatalf("appeal page: %d\n%s", code, page)
	}
	if code, page := postForm(t, appeal, url.Values{"message": {"I criticised his record."}}); code != 200 || !strings.Contains(page, "Appeal sent") {
		t.Fatalf("appeal: %d\n%s", code, page)
	}
	_, appeals := c.call("GET", "/api/v1/admin/appeals", nil, nil)
	if items := appeals["items"].([]any); len(items) != 1 || items[0].(map[string]any)["message"] != "I criticised his record." {
		t.Fatalf("appeals: %v", appeals)
	}
	if code, _ := postForm(t, appeal, url.Values{"message": {"Again"}}); code != 409 {
		t.Errorf("second appeal: %d, want 409", code)
	}
	if code, _ := getPage(t, strings.Replace(appeal, "t=", "t=x", 1)); code != 404 {
		t.Errorf("a changed appeal link: %d, want 404", code)
	}
	// Another moderator overturns it: the author hears it was published.
	beaTok := strings.Split(strings.TrimSpace(mustRun(t, "", append([]string{"token", "create", "--moderator", "bea"}, data...)...)), "\n")
	bea := client{t: t, base: base, token: beaTok[len(beaTok)-1]}
	if code, res := bea.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/appeal", flagged), map[string]any{"outcome": "overturned"}, nil); code != 200 {
		t.Fatalf("overturn: %d %v", code, res)
	}
	over := smtp.Wait(4, 15*time.Second)[3]
	if over.To[0] != "cy@example.com" || over.Subject() != "Votre commentaire a été publié : The talks" || !strings.Contains(over.Text(), "Votre contestation a abouti.") {
		t.Fatalf("overturned appeal notice to %v: %q\n%s", over.To, over.Subject(), over.Text())
	}

	// Replies: the first at once; the next two batched into one message.
	r1 := submit("eve@example.com", "Hotlines failed before.", ada, nil, "")
	r2 := submit("fay@example.com", "They did not.", ada, nil, "")
	r3 := submit("gus@example.com", "Sometimes they did.", ada, nil, "")
	own := submit("ada@example.com", "My own follow-up.", ada, nil, "")
	decide(r1, "approve", nil)
	first := smtp.Wait(5, 15*time.Second)[4]
	if first.To[0] != "ada@example.com" || first.Subject() != "A reply to your comment: The talks" || !strings.Contains(first.Text(), "Hotlines failed before.") {
		t.Fatalf("first reply notice to %v: %q\n%s", first.To, first.Subject(), first.Text())
	}
	decide(r2, "approve", nil)
	decide(r3, "approve", nil)
	decide(own, "approve", nil)
	time.Sleep(1500 * time.Millisecond)
	if n := len(smtp.Messages()); n != 5 {
		t.Fatalf("%d messages: the replies within the hour were not held for the batch", n)
	}
	sq, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	var batches int
	var next int64
	if err := sq.QueryRow(`SELECT count(*), max(next_attempt) FROM outbox WHERE topic = 'reply' AND sent_at IS NULL`).Scan(&batches, &next); err != nil || batches != 1 {
		t.Fatalf("pending reply batches: %d, %v", batches, err)
	}
	if wait := time.Until(time.UnixMicro(next)); wait < 55*time.Minute || wait > 61*time.Minute {
		t.Errorf("the batch is due in %v, want about an hour", wait)
	}
	// The hour passes (the batch is made due now).
	if _, err := sq.Exec(`UPDATE outbox SET next_attempt = 0 WHERE topic = 'reply' AND sent_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	batch := smtp.Wait(6, 15*time.Second)[5]
	bt := batch.Text()
	if batch.Subject() != "2 replies to your comment: The talks" || !strings.Contains(bt, "They did not.") || !strings.Contains(bt, "Sometimes they did.") ||
		strings.Contains(bt, "Hotlines failed before.") || strings.Contains(bt, "My own follow-up.") {
		t.Fatalf("batched reply notice %q:\n%s", batch.Subject(), bt)
	}

	// One-click unsubscribe (RFC 8058): a GET only asks; the POST stops
	// every message to ada on the site.
	unsub := strings.Trim(first.Header.Get("List-Unsubscribe"), "<>")
	if code, page := getPage(t, unsub); code != 200 || !strings.Contains(page, `method="post"`) {
		t.Fatalf("unsubscribe page: %d\n%s", code, page)
	}
	resp, err := http.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %v %v", resp, err)
	}
	resp.Body.Close()
	again := submit("ada@example.com", "Another thought.", 0, []string{"decision"}, "")
	decide(again, "approve", nil)

	// The mail server goes down; a decision is made; nothing is lost.
	smtp.Stop()
	hal := submit("hal@example.com", "Sent while the mail server is down.", 0, []string{"decision"}, "")
	decide(hal, "approve", nil)
	time.Sleep(2500 * time.Millisecond) // a few failed attempts
	if code, metrics := getPage(t, base+"/metrics"); code != 200 || !regexp.MustCompile(`parley_outbox_backlog\{kind="email"\} [1-9]`).MatchString(metrics) {
		t.Errorf("/metrics does not show the email backlog while the server is down (%d)", code)
	}
	var attempts int
	sq.QueryRow(`SELECT attempts FROM outbox WHERE topic = 'decision' AND sent_at IS NULL`).Scan(&attempts)
	if attempts < 1 {
		t.Errorf("no failed attempt recorded while the server was down")
	}
	smtp.Restart()
	msgs = smtp.Wait(7, 30*time.Second)
	if back := msgs[6]; back.To[0] != "hal@example.com" || !strings.Contains(back.Text(), "Sent while the mail server is down.") {
		t.Errorf("after the server came back: %v %q", back.To, back.Subject())
	}
	time.Sleep(500 * time.Millisecond)
	for _, m := range smtp.Messages() {
		if m.To[0] == "ada@example.com" && strings.Contains(m.Text(), "Another thought.") {
			t.Errorf("a message was sent to an unsubscribed address")
		}
	}
	if n := len(smtp.Messages()); n != 7 {
		t.Errorf("%d messages in all, want 7", n)
	}
	// A published comment taken down: its author, who asked for decisions,
	// hears that it was removed, why, the note shared, and may appeal.
	decide(hal, "remove", map[string]any{"reason": "legal", "note": "A court order names this comment.", "share_note": true})
	removed := smtp.Wait(8, 15*time.Second)[7]
	if rt := removed.Text(); removed.To[0] != "hal@example.com" || removed.Subject() != "Your comment was removed: The talks" ||
		!strings.Contains(rt, "was removed by a moderator") || !strings.Contains(rt, "legal reasons") ||
		!strings.Contains(rt, "A court order names this comment.") || !strings.Contains(removed.HTML(), "legal reasons") {
		t.Fatalf("removal notice to %v: %q\n%s", removed.To, removed.Subject(), rt)
	}
	if code, page := getPage(t, linkIn(t, removed.Text(), "/mail/appeal")); code != 200 || !strings.Contains(page, "<textarea") {
		t.Errorf("the removal's appeal page: %d\n%s", code, page)
	}
	// Marked sent just after the server took it.
	var backlog int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		sq.QueryRow(`SELECT count(*) FROM outbox WHERE sent_at IS NULL`).Scan(&backlog)
		if backlog == 0 || time.Now().After(deadline) {
			break
		}
	}
	if backlog != 0 {
		t.Errorf("%d items still in the outbox", backlog)
	}
	_ = context.Background
}
