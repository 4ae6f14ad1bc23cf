package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The widget's email opt-ins: off by default, ticked ones travel as
// "notify"; the demo's mail catcher takes the decision email of the
// comment that asked for it and none for the one that did not, and the
// dashboard's Mail page lists it. The form with its opt-ins and the Mail
// page are axe-clean.
func TestBrowserMailOptIns(t *testing.T) {
	ctx := newBrowser(t)
	dir := t.TempDir()
	base, out := startServer(t, "demo", "--addr", "127.0.0.1:0", "--dir", dir, "--no-rate-limits", "--mail-tick", "200ms")
	m := regexp.MustCompile(`API token:\s+(\S+)`).FindStringSubmatch(out.String())
	pw := regexp.MustCompile(`Moderator login:\s+name "([^"]+)", password "([^"]+)"`).FindStringSubmatch(out.String())
	if m == nil || pw == nil {
		t.Fatalf("demo output:\n%s", out.String())
	}
	d := demoServer{base: base, article: base + "/demo/", api: client{t: t, base: base, token: m[1]}}
	_ = filepath.Join
	openDemo(t, ctx, d)

	box := func(v string) string { return shadow + `.querySelector("fieldset.notify input[value=` + v + `]")` }
	if got := text(t, ctx, shadow+`.querySelector("fieldset.notify legend")`); got != "Email me (optional)" {
		t.Fatalf("opt-in legend %q", got)
	}
	var checked []bool
	jsInto(t, ctx, "boxes", `[...`+shadow+`.querySelectorAll("fieldset.notify input[type=checkbox]")].map(b => b.checked)`, &checked)
	if len(checked) != 2 || checked[0] || checked[1] {
		t.Fatalf("opt-ins %v: want two, both off", checked)
	}
	if got := text(t, ctx, box("decision")+`.nextElementSibling`); !strings.Contains(got, "published") {
		t.Errorf("decision box label %q", got)
	}
	axeCheck(t, ctx, "form with opt-ins")

	field := func(name string) string { return shadow + `.querySelector("[name=` + name + `]")` }
	send := func(name, body string, tick ...string) {
		t.Helper()
		acts := []chromedp.Action[chromedp.Void]{
			chromedp.Evaluate[chromedp.Void](field("name") + `.value = ""`),
			chromedp.Evaluate[chromedp.Void](field("email") + `.value = ""`),
			chromedp.SendKeys(chromedp.JSPath(field("name")), name),
			chromedp.SendKeys(chromedp.JSPath(field("email")), strings.ToLower(name)+"@example.com"),
			chromedp.SendKeys(chromedp.JSPath(field("body")), body),
		}
		for _, v := range tick {
			acts = append(acts, chromedp.Click(chromedp.JSPath(box(v))))
		}
		acts = append(acts, chromedp.Click(chromedp.JSPath(shadow+`.querySelector("button.send")`)))
		browse(t, ctx, "send "+body, acts...)
		waitFor(t, ctx, "the comment pending", `[...`+shadow+`.querySelectorAll(".own .body")].some(b => b.textContent === `+fmt.Sprintf("%q", body)+`)`)
	}
	send("Ada", "Tell me what happens.", "decision", "replies")
	// Untick for the next comment, which asks for nothing.
	browse(t, ctx, "untick", chromedp.Click(chromedp.JSPath(box("decision"))), chromedp.Click(chromedp.JSPath(box("replies"))))
	send("Ben", "Tell me nothing.")

	_, q := d.api.call("GET", "/api/v1/admin/queue", nil, nil)
	ids := map[string]int64{}
	for _, it := range q["items"].([]any) {
		item := it.(map[string]any)
		ids[fmt.Sprint(item["body"])] = int64(item["id"].(float64))
	}
	if len(ids) != 2 {
		t.Fatalf("queue: %v", q)
	}
	d.decide(ids["Tell me what happens."], "approve", nil)
	d.decide(ids["Tell me nothing."], "approve", nil)

	// The dashboard's Mail page shows the one message the catcher took.
	dashLogin(t, ctx, base, pw[1], pw[2])
	// The page is not live: reload it until the worker (which polls the
	// outbox every second) has handed the message to the catcher.
	sentRow := `[...document.querySelectorAll("tr[data-topic=decision]")].some(r => r.textContent.includes("sent"))`
	for deadline := time.Now().Add(15 * time.Second); ; {
		browse(t, ctx, "open the Mail page", chromedp.Navigate(base+"/admin/mail"))
		var ok bool
		jsInto(t, ctx, "the decision email sent", sentRow, &ok)
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the decision email was not shown as sent within 15 s")
		}
		time.Sleep(300 * time.Millisecond)
	}
	var rows []string
	// Only the decision emails: the demo moderator's hourly digest may be
	// there too.
	jsInto(t, ctx, "mail rows", `[...document.querySelectorAll("table.mail tbody tr[data-topic=decision]")].map(r => r.textContent.replace(/\s+/g, " "))`, &rows)
	if len(rows) != 1 || !strings.Contains(rows[0], "Your comment was published") || !strings.Contains(rows[0], "ada@example.com") {
		t.Fatalf("Mail page rows: %q", rows)
	}
	if got := text(t, ctx, `document.getElementById("backlog")`); !strings.Contains(got, "Waiting to be sent:") {
		t.Errorf("backlog line %q", got)
	}
	// The demo moderator's hourly digest, queued as soon as a comment waited.
	if got := text(t, ctx, `document.querySelector("tr[data-topic=digest]")`); !strings.Contains(got, "moderator@demo.invalid") ||
		!strings.Contains(got, "Moderation queue: ") || !strings.Contains(got, "demo, Ada, waiting 1 minute: Tell me what happens.") {
		t.Errorf("the demo moderator's digest: %q", got)
	}
	axePage(t, ctx, "Mail page")
	noFired(t, ctx)
}
