package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// keepTokens puts the reader's edit tokens into the widget's storage, as
// if they had sent those comments from this browser.
func keepTokens(t *testing.T, d demoServer, own map[int64]string) string {
	t.Helper()
	type tok struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	var list []tok
	for id, tk := range own {
		list = append(list, tok{id, tk})
	}
	raw, _ := json.Marshal(list)
	return fmt.Sprintf(`(() => { localStorage.setItem(%q, %q); return true; })()`, "parley:own:demo:"+d.article, string(raw))
}

// The lifecycle in the widget: a reader reports a comment (a notice of
// illegal content needs its explanation, name, email and good faith), the
// author edits a pending and a published comment, deletes one, sees a
// removed comment with replies as a tombstone, and appeals a rejection.
// Every state is axe-clean, and names and bodies are isolated.
func TestBrowserLifecycle(t *testing.T) {
	ctx := newBrowser(t)
	d := startDemo(t)
	submit := func(f map[string]any) (int64, string) {
		t.Helper()
		id, tok, problem := d.submit(f)
		if id == 0 {
			t.Fatalf("submit %v: %v", f, problem)
		}
		return id, tok
	}
	// A thread: Ada's comment with a reply, Ben's comment (reported), and
	// the reader's own: one published, one pending, one rejected.
	ada, _ := submit(map[string]any{"name": "Ada", "body": "The hotline is a start."})
	d.decide(ada, "approve", nil)
	reply, _ := submit(map[string]any{"name": "Cy", "body": "Agreed, but who pays?", "parent_id": ada})
	d.decide(reply, "approve", nil)
	ben, _ := submit(map[string]any{"name": "بن", "body": "مرحبا Everyone involved is a crook.", "email": "ben@example.com"})
	d.decide(ben, "approve", nil)
	mine, mineTok := submit(map[string]any{"name": "Me", "body": "My first take.", "email": "me@example.com"})
	d.decide(mine, "approve", nil)
	pending, pendingTok := submit(map[string]any{"name": "Me", "body": "A pending thought.", "email": "me@example.com"})
	rejected, rejectedTok := submit(map[string]any{"name": "Me", "body": "Off on a tangent.", "email": "me@example.com"})
	d.decide(rejected, "reject", map[string]any{"reason": "off_topic"})

	openDemo(t, ctx, d)
	jsInto(t, ctx, "keep tokens", keepTokens(t, d, map[int64]string{mine: mineTok, pending: pendingTok, rejected: rejectedTok}), nil)
	openDemo(t, ctx, d)
	li := func(id int64) string { return shadow + fmt.Sprintf(`.querySelector("li[data-id='%d']")`, id) }

	// Bidi isolation: every name and body in its own element with dir=auto.
	var dirs []string
	jsInto(t, ctx, "dirs", `[...`+shadow+`.querySelectorAll(".author, .body")].map(e => e.getAttribute("dir"))`, &dirs)
	if len(dirs) < 8 {
		t.Fatalf("only %d names and bodies", len(dirs))
	}
	for _, d := range dirs {
		if d != "auto" {
			t.Fatalf("a name or body without dir=auto: %q", dirs)
		}
	}
	// Report and Reply on others' comments; Edit and Delete only on one's own.
	if got := text(t, ctx, li(ben)+`.querySelector("footer")`); !strings.Contains(got, "Report") || strings.Contains(got, "Edit") || strings.Contains(got, "Delete") {
		t.Fatalf("Ben's comment offers %q", got)
	}
	if got := text(t, ctx, li(mine)+`.querySelector("footer")`); !strings.Contains(got, "Published") || !strings.Contains(got, "Edit") || !strings.Contains(got, "Delete") || strings.Contains(got, "Report") {
		t.Fatalf("the reader's published comment offers %q", got)
	}

	// Report Ben's comment as illegal: the notice's fields are required.
	browse(t, ctx, "open the report form", chromedp.Click(chromedp.JSPath(li(ben)+`.querySelector("footer button.report")`)))
	form := li(ben) + `.querySelector("form.report")`
	waitFor(t, ctx, "the report form", form)
	browse(t, ctx, "send without a reason", chromedp.Click(chromedp.JSPath(form+`.querySelector("button.send")`)))
	if got := text(t, ctx, form+`.querySelector("fieldset + .err")`); got != "Choose a reason." {
		t.Fatalf("no reason: %q", got)
	}
	browse(t, ctx, "choose illegal", chromedp.Click(chromedp.JSPath(form+`.querySelector("input[value=illegal]")`)))
	if got := text(t, ctx, form+`.querySelector(".illegal .notice")`); !strings.Contains(got, "Digital Services Act (Article 16)") {
		t.Fatalf("DSA notice: %q", got)
	}
	browse(t, ctx, "send the notice empty", chromedp.Click(chromedp.JSPath(form+`.querySelector("button.send")`)))
	waitFor(t, ctx, "the notice's errors", form+`.querySelectorAll("[aria-invalid=true]").length >= 3`)
	var errs []string
	jsInto(t, ctx, "errors", `[...`+form+`.querySelectorAll(".err:not([hidden])")].map(e => e.textContent)`, &errs)
	joined := strings.Join(errs, " | ")
	for _, want := range []string{"Why is it illegal? is required", "Your name is required", "Your email is required", "must be confirmed"} {
		if !strings.Contains(joined, want) {
			t.Errorf("notice errors %q lack %q", joined, want)
		}
	}
	axeCheck(t, ctx, "report form with errors")
	browse(t, ctx, "fill the notice",
		chromedp.SendKeys(chromedp.JSPath(form+`.querySelector("textarea")`), "It accuses named people of a crime without evidence."),
		chromedp.SendKeys(chromedp.JSPath(form+`.querySelector("input[type=text]")`), "Nora Notifier"),
		chromedp.SendKeys(chromedp.JSPath(form+`.querySelector("input[type=email]")`), "nora@example.org"),
		chromedp.Click(chromedp.JSPath(form+`.querySelector("input[type=checkbox]")`)),
		chromedp.Click(chromedp.JSPath(form+`.querySelector("button.send")`)))
	waitFor(t, ctx, "the thanks", `!`+form+` && `+li(ben)+`.querySelector(".own-msg").textContent`)
	if got := text(t, ctx, li(ben)+`.querySelector(".own-msg")`); !strings.Contains(got, "Thank you") {
		t.Fatalf("after the report: %q", got)
	}
	if got := text(t, ctx, shadow+`.activeElement`); !strings.Contains(got, "Thank you") {
		t.Errorf("focus after the report is on %q", got)
	}
	code, out := d.api.call("GET", "/api/v1/admin/reports", nil, nil)
	if code != 200 || !strings.Contains(fmt.Sprint(out), "Nora Notifier") || !strings.Contains(fmt.Sprint(out), "accuses named people") {
		t.Fatalf("the reported queue: %d %v", code, out)
	}

	// Edit the pending comment: it changes in place.
	own := func(id int64) string { return shadow + fmt.Sprintf(`.querySelector(".own li[data-id='%d']")`, id) }
	browse(t, ctx, "edit the pending comment", chromedp.Click(chromedp.JSPath(own(pending)+`.querySelector("footer button.edit")`)))
	waitFor(t, ctx, "the edit form", own(pending)+`.querySelector("form.edit textarea").value === "A pending thought."`)
	axeCheck(t, ctx, "edit form")
	browse(t, ctx, "change it",
		chromedp.Evaluate[chromedp.Void](own(pending)+`.querySelector("form.edit textarea").value = ""`),
		chromedp.SendKeys(chromedp.JSPath(own(pending)+`.querySelector("form.edit textarea")`), "A <b>better</b> pending thought."),
		chromedp.Click(chromedp.JSPath(own(pending)+`.querySelector("form.edit button.send")`)))
	waitFor(t, ctx, "the edited body", `!`+own(pending)+`.querySelector("form.edit") && `+own(pending)+`.querySelector(".body").textContent.includes("better")`)
	if got := text(t, ctx, own(pending)+`.querySelector(".body")`); got != "A <b>better</b> pending thought." {
		t.Fatalf("edited body shows %q (raw HTML must read as text)", got)
	}
	// Edit the published comment: the revision waits, the text stays.
	browse(t, ctx, "edit the published comment", chromedp.Click(chromedp.JSPath(li(mine)+`.querySelector("footer button.edit")`)))
	waitFor(t, ctx, "its edit form", li(mine)+`.querySelector("form.edit textarea")`)
	browse(t, ctx, "change it",
		chromedp.SendKeys(chromedp.JSPath(li(mine)+`.querySelector("form.edit textarea")`), " Revised."),
		chromedp.Click(chromedp.JSPath(li(mine)+`.querySelector("form.edit button.send")`)))
	waitFor(t, ctx, "the edit message", li(mine)+`.querySelector(".own-msg").textContent.includes("once a moderator approves")`)
	if got := text(t, ctx, li(mine)+`.querySelector(".body")`); got != "My first take." {
		t.Fatalf("the published text changed before review: %q", got)
	}

	// Delete the published comment: asked once, then gone from the thread.
	browse(t, ctx, "delete", chromedp.Click(chromedp.JSPath(li(mine)+`.querySelector("footer button.delete")`)))
	waitFor(t, ctx, "the confirmation", li(mine)+`.querySelector(".confirm")`)
	axeCheck(t, ctx, "delete confirmation")
	browse(t, ctx, "confirm", chromedp.Click(chromedp.JSPath(li(mine)+`.querySelector(".confirm button")`)))
	waitFor(t, ctx, "the comment gone", `!`+li(mine))
	if code, out := d.api.call("GET", fmt.Sprintf("/api/v1/comments/%d?token=%s", mine, mineTok), nil, nil); code != 200 || out["status"] != "deleted" {
		t.Fatalf("after delete: %d %v", code, out)
	}

	// A removed comment with a reply is a tombstone; the reply keeps its place.
	d.decide(ada, "remove", map[string]any{"reason": "legal"})
	openDemo(t, ctx, d)
	if got := text(t, ctx, li(ada)+`.querySelector(":scope > article")`); got != "Removed by a moderator" {
		t.Fatalf("tombstone %q", got)
	}
	if got := text(t, ctx, li(ada)+`.querySelector(":scope > ol li[data-id='`+fmt.Sprint(reply)+`'] .body")`); got != "Agreed, but who pays?" {
		t.Fatalf("the reply under the tombstone: %q", got)
	}

	// Appeal the rejected comment.
	if got := text(t, ctx, own(rejected)+`.querySelector(".badge")`); got != "Not published: it is off topic" {
		t.Fatalf("rejected badge %q", got)
	}
	browse(t, ctx, "open the appeal", chromedp.Click(chromedp.JSPath(own(rejected)+`.querySelector("footer button.appeal")`)))
	appeal := own(rejected) + `.querySelector("form.appeal")`
	waitFor(t, ctx, "the appeal form", appeal)
	browse(t, ctx, "send it empty", chromedp.Click(chromedp.JSPath(appeal+`.querySelector("button.send")`)))
	waitFor(t, ctx, "the message error", appeal+`.querySelector("textarea[aria-invalid=true]")`)
	axeCheck(t, ctx, "appeal form with an error")
	browse(t, ctx, "appeal",
		chromedp.SendKeys(chromedp.JSPath(appeal+`.querySelector("textarea")`), "It answers the article's second paragraph."),
		chromedp.Click(chromedp.JSPath(appeal+`.querySelector("button.send")`)))
	waitFor(t, ctx, "the appeal sent", `!`+appeal)
	if got := text(t, ctx, own(rejected)+`.querySelector(".own-msg")`); got != "Your appeal awaits a moderator." {
		t.Fatalf("after appealing: %q", got)
	}
	openDemo(t, ctx, d)
	if got := text(t, ctx, own(rejected)+`.querySelector(".own-msg")`); got != "Your appeal awaits a moderator." {
		t.Fatalf("after a reload: %q", got)
	}
	if n := text(t, ctx, own(rejected)+`.querySelector("footer button.appeal")`); n != "" {
		t.Fatalf("the appeal is offered again: %q", n)
	}
	axeCheck(t, ctx, "thread with a tombstone and an appeal")
	noFired(t, ctx)
}
