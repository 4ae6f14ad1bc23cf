package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/store/postgres"
	"github.com/parleyhq/parley/store/postgres/pgtest"
)

// The life of a comment through the real program, on two instances sharing
// PostgreSQL: a published comment removed on B leaves a tombstone in A's
// thread (A had it cached), restored from the command line it is back on
// both; its author edits within the window and is refused past it, then
// deletes; a rejected comment is appealed and overturned, then removed at the
// command line; a moderator's title is published; readers' reports reach the
// hold threshold; a banned commenter cannot post from a new email on the
// same address.
func TestLifecycleTwoInstancesOnPostgres(t *testing.T) {
	pg := pgtest.URL(t)
	key := t.TempDir() + "/parley.key"
	data := []string{"--db", pg, "--secret-file", key}
	mustRun(t, "", append([]string{"migrate"}, data...)...)
	mustRun(t, "", append([]string{"site", "add", "news", "--origin", "https://news.example"}, data...)...)
	mustRun(t, "s3cret-passw0rd\n", append([]string{"moderator", "add", "ann", "--role", "admin"}, data...)...)
	mustRun(t, "s3cret-passw0rd\n", append([]string{"moderator", "add", "bea", "--role", "admin"}, data...)...)
	tokenOf := func(name string) string {
		lines := strings.Split(strings.TrimSpace(mustRun(t, "", append([]string{"token", "create", "--moderator", name}, data...)...)), "\n")
		return lines[len(lines)-1]
	}
	baseA, _ := serveFor(t, data...)
	baseB, _ := serveFor(t, data...)
	a, b := client{t: t, base: baseA, token: tokenOf("ann")}, client{t: t, base: baseB, token: tokenOf("bea")}
	article := "https://news.example/life"
	submit := func(c client, email, body string, parent float64) (float64, string) {
		req := map[string]any{"site": "news", "article_url": article, "article_title": "Life", "name": "Ada", "email": email, "body": body}
		if parent != 0 {
			req["parent_id"] = parent
		}
		code, res := c.call("POST", "/api/v1/comments", req, nil)
		if code != 202 {
			t.Fatalf("submit: %d %v", code, res)
		}
		return res["id"].(float64), res["edit_token"].(string)
	}
	must := func(want int, c client, method, path string, body any) map[string]any {
		t.Helper()
		code, res := c.call(method, path, body, nil)
		if code != want {
			t.Fatalf("%s %s on %s: %d %v, want %d", method, path, c.base, code, res, want)
		}
		return res
	}
	thread := func(c client) []any {
		_, th := c.call("GET", "/api/v1/threads?site=news&url="+url.QueryEscape(article), nil, nil)
		return th["comments"].([]any)
	}
	inThread := func(c client, id float64) bool {
		for _, x := range thread(c) {
			if x.(map[string]any)["id"] == id {
				return true
			}
		}
		return false
	}
	parent, parentTok := submit(a, "ada@example.com", "The hotline is a start.", 0)
	must(200, a, "POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", parent), nil)
	reply, _ := submit(a, "bob@example.com", "The patrols decide it.", parent)
	must(200, a, "POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", reply), nil)
	if got := thread(a); len(got) != 1 { // A caches the thread
		t.Fatalf("A's thread: %v", got)
	}

	must(200, b, "POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/remove", parent), map[string]any{"reason": "legal", "note": "notice"})
	got := thread(a)
	if len(got) != 1 || got[0].(map[string]any)["removed"] != true || got[0].(map[string]any)["author"] != nil {
		t.Fatalf("A's thread after removal on B: %v, want a tombstone", got)
	}
	if replies := got[0].(map[string]any)["replies"].([]any); len(replies) != 1 {
		t.Fatalf("the reply lost its place: %v", got)
	}
	mustRun(t, "", append([]string{"comment", "restore", fmt.Sprintf("%.0f", parent)}, data...)...)
	for _, c := range []client{a, b} {
		ok := false
		for i := 0; i < 100 && !ok; i++ { // the command's notice is not waited for
			th := thread(c)
			ok = len(th) == 1 && th[0].(map[string]any)["removed"] == nil
			if !ok {
				time.Sleep(20 * time.Millisecond)
			}
		}
		if !ok {
			t.Errorf("%s still shows the comment removed after `parley comment restore`", c.base)
		}
	}

	// The author edits within the window: the edit waits for review, then shows on both.
	own := fmt.Sprintf("/api/v1/comments/%.0f?token=%s", parent, parentTok)
	if res := must(200, a, "PATCH", own, map[string]any{"body": "The hotline is a start; a treaty would be better."}); res["pending_edit"] != true {
		t.Fatalf("edit: %v", res)
	}
	_, q := b.call("GET", "/api/v1/admin/queue", nil, nil)
	items := q["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["revision_of"] != parent {
		t.Fatalf("queue after the edit: %v", items)
	}
	must(200, b, "POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", items[0].(map[string]any)["id"]), nil)
	if html := thread(a)[0].(map[string]any)["html"]; !strings.Contains(html.(string), "treaty") {
		t.Errorf("A shows %q after the edit was approved on B", html)
	}

	// Past the window (15 minutes after sending; the comment is made older
	// in the database) the author's edit is refused with a 409 that says so.
	conn, err := pgx.Connect(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), `UPDATE comments SET created_at = created_at - interval '16 minutes' WHERE id = $1`, int64(parent)); err != nil {
		t.Fatal(err)
	}
	conn.Close(context.Background())
	code, res := b.call("PATCH", own, map[string]any{"body": "Too late to change."}, nil)
	if code != 409 || !strings.Contains(fmt.Sprint(res["detail"]), "edit window has closed") {
		t.Fatalf("edit past the window: %d %v, want 409 saying the window has closed", code, res)
	}
	if html := thread(a)[0].(map[string]any)["html"]; strings.Contains(html.(string), "Too late") {
		t.Errorf("A shows %q after an edit refused past the window", html)
	}

	// The author deletes: a tombstone, since the reply stays.
	must(200, b, "DELETE", own, nil)
	if got := thread(a); len(got) != 1 || got[0].(map[string]any)["deleted"] != true {
		t.Errorf("A's thread after deletion: %v", got)
	}

	// Rejected, appealed, overturned by the other moderator.
	rej, rejTok := submit(b, "cy@example.com", "Off topic, perhaps.", 0)
	must(200, a, "POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/reject", rej), map[string]any{"reason": "off_topic"})
	must(202, b, "POST", fmt.Sprintf("/api/v1/comments/%.0f/appeal?token=%s", rej, rejTok), map[string]any{"message": "It is about the talks."})
	must(403, a, "POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/appeal", rej), map[string]any{"outcome": "overturned"})
	must(200, b, "POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/appeal", rej), map[string]any{"outcome": "overturned"})
	if res := must(200, a, "GET", fmt.Sprintf("/api/v1/comments/%.0f?token=%s", rej, rejTok), nil); res["status"] != "approved" {
		t.Errorf("author sees %v after the appeal was overturned", res)
	}

	// The newsroom's lawyer removes it at the command line: a reason is
	// required and must be one of the list; the removal is audited under the
	// CLI's name and reaches both instances.
	rejID := fmt.Sprintf("%.0f", rej)
	for _, bad := range [][]string{{}, {"--reason", "libel"}} {
		out, err := runCmd(t, "", append(append([]string{"comment", "remove", rejID}, bad...), data...)...)
		if err == nil || !strings.Contains(errorText(err, false), "(reason ") {
			t.Errorf("parley comment remove %v: %v %s, want a refusal naming the reason", bad, err, out)
		}
	}
	if out := mustRun(t, "", append([]string{"comment", "remove", rejID, "--reason", "legal", "--note", "court order 2026/114"}, data...)...); !strings.Contains(out, "removed") {
		t.Errorf("parley comment remove printed %q", out)
	}
	for _, c := range []client{a, b} {
		gone := false
		for i := 0; i < 100 && !gone; i++ { // the command's notice is not waited for
			if gone = !inThread(c, rej); !gone {
				time.Sleep(20 * time.Millisecond)
			}
		}
		if !gone {
			t.Errorf("%s still shows comment %s after `parley comment remove`", c.base, rejID)
		}
	}
	entries := must(200, a, "GET", "/api/v1/admin/audit?comment_id="+rejID, nil)["entries"].([]any)
	if len(entries) == 0 {
		t.Fatal("no audit entry for the CLI removal")
	}
	if e := entries[0].(map[string]any); e["action"] != "remove" || e["moderator"] != "cli:unknown" || e["reason"] != "legal" || e["note"] != "court order 2026/114" {
		t.Errorf("audit of the CLI removal: %v, want remove by cli:unknown (no $USER here), legal, with the note", e)
	}
	if res := must(200, a, "GET", fmt.Sprintf("/api/v1/comments/%s?token=%s", rejID, rejTok), nil); res["status"] != "removed" || res["reason"] != "legal" {
		t.Errorf("author sees %v after the CLI removal, want removed for legal", res)
	}

	// A moderator's title is the newsroom's, published on both instances.
	mustRun(t, "", append([]string{"article", "title", "--site", "news", article, "Life after the talks"}, data...)...)
	for _, c := range []client{a, b} {
		title := ""
		for i := 0; i < 100 && title != "Life after the talks"; i++ {
			_, th := c.call("GET", "/api/v1/threads?site=news&url="+url.QueryEscape(article), nil, nil)
			if title = fmt.Sprint(th["article"].(map[string]any)["title"]); title != "Life after the talks" {
				time.Sleep(20 * time.Millisecond)
			}
		}
		if title != "Life after the talks" {
			t.Errorf("%s shows the title %q after `parley article title`", c.base, title)
		}
	}

	// Reports up to the site's hold threshold (2) send a published comment
	// back to the queue, on both instances. (Reports read the site from the
	// database, so the setting written here applies at once.)
	ps, err := postgres.Open(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	site, err := ps.Site(context.Background(), "news")
	if err != nil {
		t.Fatal(err)
	}
	site.ReportHold = 2
	if err := ps.UpdateSite(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	ps.Close()
	reported, _ := submit(a, "dee@example.com", "A comment readers dislike.", 0)
	must(200, a, "POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", reported), nil)
	if !inThread(b, reported) {
		t.Fatal("approved comment not in B's thread")
	}
	must(202, a, "POST", fmt.Sprintf("/api/v1/comments/%.0f/reports", reported), map[string]any{"reason": "off_topic", "email": "r1@example.com"})
	if !inThread(b, reported) {
		t.Fatal("held after one report, threshold 2")
	}
	must(202, b, "POST", fmt.Sprintf("/api/v1/comments/%.0f/reports", reported), map[string]any{"reason": "spam", "email": "r2@example.com"})
	if inThread(a, reported) || inThread(b, reported) {
		t.Error("still published after two readers reported it")
	}

	// A ban holds the address: a new email from it is refused.
	banned, _ := submit(a, "eve@example.com", "Something.", 0)
	must(200, a, "POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/ban", banned), map[string]any{"reason": "abuse"})
	code, res = b.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": article, "article_title": "Life",
		"name": "Eve", "email": "eve-new@example.com", "body": "Hello again."}, nil)
	if code != 403 || !strings.Contains(fmt.Sprint(res["detail"]), "abuse") {
		t.Errorf("new email from a banned address: %d %v, want 403 with the reason", code, res)
	}
}
