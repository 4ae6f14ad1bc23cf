package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/parleyhq/parley/internal/testenv"
)

// The Reported and Appeals queues with the keyboard alone: dismiss one
// comment's reports (d), remove the most reported one as legal with a note
// (m, a reason's first letter, Tab, the note, Enter); the moderator who
// rejected a comment is refused its appeal, another overturns (o) and
// upholds (u). Every new page is axe-clean.
func TestDashboardLifecycleInBrowser(t *testing.T) {
	testenv.Browser(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	mustRun(t, "ann-password-1\n", "moderator", "add", "ann", "--role", "admin", "--db", db)
	mustRun(t, "bob-password-1\n", "moderator", "add", "bob", "--db", db)
	out := mustRun(t, "", "token", "create", "--moderator", "ann", "--db", db)
	token := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	base, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn", "--no-rate-limits")
	c := client{t: t, base: base, token: token}
	submit := func(name, body string) (int64, string) {
		t.Helper()
		code, out := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": "https://news.example/energy",
			"article_title": "Who pays for the energy transition?", "name": name, "email": strings.ToLower(name) + "@example.com", "body": body}, nil)
		if code != 202 {
			t.Fatalf("submit: %d %v", code, out)
		}
		return int64(out["id"].(float64)), out["edit_token"].(string)
	}
	call := func(want int, method, path string, body any) map[string]any {
		t.Helper()
		code, out := c.call(method, path, body, nil)
		if code != want {
			t.Fatalf("%s %s: %d %v", method, path, code, out)
		}
		return out
	}
	libel, _ := submit("Mallory", "The minister took bribes from the **grid operator**.")
	spammy, _ := submit("Dan", "Has anyone costed the storage?")
	for _, id := range []int64{libel, spammy} {
		call(200, "POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", id), nil)
	}
	call(202, "POST", fmt.Sprintf("/api/v1/comments/%d/reports", libel), map[string]any{"reason": "personal_attack", "email": "r1@example.org"})
	call(202, "POST", fmt.Sprintf("/api/v1/comments/%d/reports", libel), map[string]any{"reason": "illegal", "explanation": "Accuses a named minister of a crime.",
		"name": "Nora Notifier", "email": "nora@example.org", "good_faith": true})
	call(202, "POST", fmt.Sprintf("/api/v1/comments/%d/reports", spammy), map[string]any{"reason": "spam"})
	var appealed []int64
	for i, body := range []string{"Off on a tangent about trains.", "Another tangent.", "A third tangent."} {
		id, tok := submit(fmt.Sprintf("Writer%d", i), body)
		call(200, "POST", fmt.Sprintf("/api/v1/admin/comments/%d/reject", id), map[string]any{"reason": "off_topic", "note": "not about energy"})
		call(202, "POST", fmt.Sprintf("/api/v1/comments/%d/appeal?token=%s", id, tok), map[string]any{"message": "Trains run on energy too."})
		appealed = append(appealed, id)
	}

	troll1, _ := submit("Troll", "Cheap watches.")
	troll2, _ := submit("Troll", "Cheaper watches.")
	bystander, _ := submit("Eve", "I changed my mind.")

	ann := newDashboardBrowser(t)
	dashLogin(t, ann, base, "ann", "ann-password-1")
	// p p rejects every pending comment of the current comment's author.
	for range 3 {
		if a := eval[string](t, ann, `document.querySelector("li.item.current .author strong").textContent`); a == "Troll" {
			break
		}
		do(t, ann, "move on", chromedp.KeyEvent("j"))
	}
	do(t, ann, "reject all of Troll's pending comments", chromedp.KeyEvent("p"), chromedp.KeyEvent("p"),
		chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf("#c%d", troll1))), chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf("#c%d", troll2))))
	if n := eval[int](t, ann, fmt.Sprintf(`document.querySelectorAll("#c%d:not(.done)").length`, bystander)); n != 1 {
		t.Errorf("another commenter's comment left the queue")
	}
	do(t, ann, "the Reported queue with the keyboard", chromedp.KeyEvent("?"), chromedp.KeyEvent(kb.Escape),
		chromedp.Navigate(base+"/admin/reported"), chromedp.WaitVisible(chromedp.CSS("#items li.item.current")))
	if first := eval[string](t, ann, `document.querySelector("li.item.current").dataset.id`); first != fmt.Sprint(libel) {
		t.Fatalf("most reported first: current is %s, want %d", first, libel)
	}
	if got := eval[string](t, ann, `document.querySelector("#c`+fmt.Sprint(libel)+` .reports").textContent`); !strings.Contains(got, "Accuses a named minister") || !strings.Contains(got, "Nora Notifier") {
		t.Errorf("reports shown: %q", got)
	}
	// As published, with the raw text one key away.
	if got := eval[string](t, ann, `document.querySelector("li.item.current .rendered strong").textContent`); got != "grid operator" {
		t.Errorf("rendered as published: %q", got)
	}
	do(t, ann, "show the raw text", chromedp.KeyEvent("v"))
	if open := eval[bool](t, ann, `document.querySelector("li.item.current details.raw").open`); !open {
		t.Errorf("v did not show the raw text")
	}
	axeCheckPage(t, ann, "reported queue")
	do(t, ann, "dismiss the second comment's reports", chromedp.KeyEvent("j"), chromedp.KeyEvent("d"),
		chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf("#c%d", spammy))))
	do(t, ann, "remove the libel as legal with a note", chromedp.KeyEvent("m"))
	do(t, ann, "choose legal", chromedp.WaitReady(chromedp.CSS("details.remove[open] select:focus")), chromedp.KeyEvent("l"),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("court order 12/2026"), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf("#c%d", libel))))
	// The list may empty (from the live stream) before the answer arrives.
	do(t, ann, "the removal is announced", chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.getElementById("live").textContent === "Removed comment %d."`, libel)))
	log := call(200, "GET", fmt.Sprintf("/api/v1/admin/audit?comment=%d", libel), nil)
	if s := fmt.Sprint(log); !strings.Contains(s, "action:remove") || !strings.Contains(s, "reason:legal") || !strings.Contains(s, "court order 12/2026") {
		t.Errorf("audit of the removal: %s", s)
	}
	if s := fmt.Sprint(call(200, "GET", fmt.Sprintf("/api/v1/admin/audit?comment=%d", spammy), nil)); !strings.Contains(s, "dismiss_reports") {
		t.Errorf("audit of the dismissal: %s", s)
	}
	do(t, ann, "the removed queue", chromedp.Navigate(base+"/admin/queue/removed"), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#c%d form.restore", libel))))
	axeCheckPage(t, ann, "removed queue")
	do(t, ann, "the comment's page", chromedp.Navigate(fmt.Sprintf("%s/admin/comments/%d", base, libel)), chromedp.WaitVisible(chromedp.CSS("form.restore")))
	axeCheckPage(t, ann, "comment page")

	// Appeals: ann rejected them, so bob decides.
	do(t, ann, "the Appeals queue", chromedp.Navigate(base+"/admin/appeals"), chromedp.WaitVisible(chromedp.CSS("#items li.item.current")))
	axeCheckPage(t, ann, "appeals queue")
	if got := eval[string](t, ann, `document.querySelector("li.item.current .original").textContent`); !strings.Contains(got, "off-topic") || !strings.Contains(got, "ann") || !strings.Contains(got, "not about energy") {
		t.Errorf("decision under appeal: %q", got)
	}
	do(t, ann, "ann tries to overturn her own decision", chromedp.KeyEvent("o"),
		chromedp.Poll[chromedp.Void](`document.getElementById("live").textContent.includes("another moderator")`))
	if n := eval[int](t, ann, `document.querySelectorAll("li.item:not(.done)").length`); n != 3 {
		t.Errorf("after the refusal %d appeals listed, want 3", n)
	}
	bob := newDashboardBrowser(t)
	dashLogin(t, bob, base, "bob", "bob-password-1")
	do(t, bob, "bob overturns the first and upholds the second", chromedp.Navigate(base+"/admin/appeals"),
		chromedp.WaitVisible(chromedp.CSS("#items li.item.current")),
		chromedp.KeyEvent("o"), chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf("#c%d", appealed[0]))),
		chromedp.KeyEvent("u"), chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf("#c%d", appealed[1]))))
	for i, want := range []string{"appeal:overturn", "appeal:uphold"} {
		s := fmt.Sprint(call(200, "GET", fmt.Sprintf("/api/v1/admin/audit?comment=%d", appealed[i]), nil))
		if !strings.Contains(s, strings.TrimPrefix(want, "appeal:")) || !strings.Contains(s, "moderator:bob") {
			t.Errorf("audit of appeal %d: %s", i, s)
		}
	}
	threads := call(200, "GET", "/api/v1/threads?site=news&url="+"https://news.example/energy", nil)
	if s := fmt.Sprint(threads); !strings.Contains(s, "Off on a tangent") || strings.Contains(s, "Another tangent") {
		t.Errorf("after the appeals the thread is %s", s)
	}
}

// axeCheckPage fails the test on any serious or critical axe violation of
// a dashboard page (axeCheck also insists on seeing the widget's fields).
func axeCheckPage(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	res := axeRun(t, ctx, what)
	if res.Version == "" {
		t.Fatalf("axe did not run on %s", what)
	}
	t.Logf("%s: axe %s, %d violations", what, res.Version, len(res.Violations))
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			for _, n := range v.Nodes {
				t.Errorf("%s: axe %s (%s): %s at %v: %.200s", what, v.ID, v.Impact, v.Help, n.Target, n.HTML)
			}
		} else {
			t.Logf("%s: axe %s (%s): %s, %d nodes", what, v.ID, v.Impact, v.Help, len(v.Nodes))
		}
	}
}
