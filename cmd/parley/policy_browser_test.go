package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/parleyhq/parley/internal/testenv"
)

// A moderator filters the queue by the rule that held each comment, and
// tests the site's settings on a text, in a real browser.
func TestRuleFiltersInBrowser(t *testing.T) {
	testenv.Browser(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	mustRun(t, "", "site", "set", "news", "--db", db, "--max-links", "1", "--blocked-domains", "watches.example", "--velocity-max", "0")
	mustRun(t, "ann-password-1\n", "moderator", "add", "ann", "--role", "admin", "--db", db)
	base, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn", "--no-rate-limits")
	c := client{t: t, base: base}
	for _, s := range []struct{ name, email, body string }{
		{"Ada", "ada@example.com", "A hotline is a start, but it needs funding beyond one year."},
		{"Troll", "troll@example.com", "Cheap watches at https://watches.example and https://more.example"},
		{"Ben", "ben@example.com", "The 2019 figure was lower."},
	} {
		if code, body := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": "https://news.example/energy",
			"name": s.name, "email": s.email, "body": s.body}, nil); code != 202 {
			t.Fatalf("submit: %d %v", code, body)
		}
	}
	ann := newDashboardBrowser(t)
	dashLogin(t, ann, base, "ann", "ann-password-1")
	if n := eval[int](t, ann, `document.querySelectorAll("li.item").length`); n != 3 {
		t.Fatalf("queue shows %d comments, want 3", n)
	}
	if got := eval[string](t, ann, `document.querySelector('nav.rules a[data-rule="link_domain"] .count').textContent`); got != "1" {
		t.Errorf("link_domain count = %q", got)
	}
	do(t, ann, "filter by link_domain", chromedp.Click(chromedp.CSS(`nav.rules a[data-rule="link_domain"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.rules a[data-rule="link_domain"][aria-current="page"]`)))
	if n := eval[int](t, ann, `document.querySelectorAll("li.item").length`); n != 1 {
		t.Errorf("link_domain queue shows %d comments, want 1", n)
	}
	held := eval[string](t, ann, `document.querySelector("li.item .holds").textContent`)
	for _, want := range []string{"link_domain link to watches.example", "links 2 links, more than 1", "new_commenter new commenter, 1 of 2"} {
		if !strings.Contains(held, want) {
			t.Errorf("holds %q lack %q", held, want)
		}
	}
	axeCheck(t, ann, "queue filtered by rule")
	do(t, ann, "site settings", chromedp.Navigate(base+"/admin/sites/news"), chromedp.WaitVisible(chromedp.CSS(`#test_email`)),
		chromedp.SendKeys(chromedp.CSS(`#test_email`), "someone@mailinator.com"),
		chromedp.SendKeys(chromedp.CSS(`#test_url`), "https://news.example/energy"),
		chromedp.SendKeys(chromedp.CSS(`#test_body`), "Hello there"),
		chromedp.Click(chromedp.CSS(`form[action$="/test#test"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.test-result`)))
	if got := eval[string](t, ann, `document.querySelector(".test-result").textContent`); !strings.Contains(got, "held for a moderator") || !strings.Contains(got, "disposable email domain mailinator.com") {
		t.Errorf("test result = %q", got)
	}
	axePage(t, ann, "site settings with a test result")
}

// In a postmoderate section the form promises what happens: the comment
// appears at once, and moderators may remove it.
func TestPostmoderatePromiseInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	d := startDemo(t)
	if code, body := d.api.call("PATCH", "/api/v1/admin/sites/demo/policy", map[string]any{"hold_new": 0,
		"sections": []map[string]string{{"prefix": "/demo/", "mode": "postmoderate"}}}, nil); code != 200 {
		t.Fatalf("set the section's mode: %d %v", code, body)
	}
	openDemo(t, ctx, d)
	want := "Your comment appears at once; moderators may remove it. No ad hominem attacks will be posted. Your email address will not be published. Required fields are marked *"
	waitFor(t, ctx, "the postmoderate promise", shadow+`.querySelector(".notice").textContent.startsWith("Your comment appears at once")`)
	if got := text(t, ctx, shadow+`.querySelector(".notice")`); got != want {
		t.Errorf("notice %q", got)
	}
	field := func(name string) string { return shadow + `.querySelector("[name=` + name + `]")` }
	browse(t, ctx, "send a comment",
		chromedp.SendKeys(chromedp.JSPath(field("name")), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.JSPath(field("email")), "ada@example.com"),
		chromedp.SendKeys(chromedp.JSPath(field("body")), "Published at once in a live section."),
		chromedp.Click(chromedp.JSPath(shadow+`.querySelector("button.send")`)))
	waitFor(t, ctx, "the published comment", shadow+`.querySelector(".own .badge.approved")`)
	if got := text(t, ctx, shadow+`.querySelector(".status")`); got != "Your comment appears at once; moderators may remove it." {
		t.Errorf("status after sending %q", got)
	}
}

// A featured comment heads the thread under "Editors' picks".
func TestEditorsPicksInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	d := startDemo(t)
	code, body := d.api.call("POST", "/api/v1/comments", map[string]any{"site": "demo", "article_url": d.article,
		"name": "Ada Lovelace", "email": "ada@example.com", "body": "The storage question decides the whole plan."}, nil)
	if code != 202 {
		t.Fatalf("submit: %d %v", code, body)
	}
	id := int64(body["id"].(float64))
	for _, step := range []string{"approve", "feature"} {
		if code, body := d.api.call("POST", fmt.Sprintf("/api/v1/admin/comments/%d/%s", id, step), nil, nil); code != 200 {
			t.Fatalf("%s: %d %v", step, code, body)
		}
	}
	openDemo(t, ctx, d)
	waitFor(t, ctx, "the editors' picks", shadow+`.querySelector("section.picks h3")`)
	if got := text(t, ctx, shadow+`.querySelector("section.picks h3")`); got != "Editors' picks" {
		t.Errorf("heading %q", got)
	}
	if got := text(t, ctx, shadow+`.querySelector("section.picks article")`); !strings.Contains(got, "Ada Lovelace") || !strings.Contains(got, "storage question") {
		t.Errorf("pick %q", got)
	}
	axeCheck(t, ctx, "thread with editors' picks")
}
