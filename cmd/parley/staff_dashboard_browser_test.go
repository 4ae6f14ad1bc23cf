package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/parleyhq/parley/internal/testenv"
)

// A moderator replies as staff from a comment's page in a real browser:
// the reply is published at once and its page shows the Staff badge; the
// comment page and the site page with the staff forms pass axe.
func TestStaffReplyFromDashboardInBrowser(t *testing.T) {
	testenv.Browser(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	mustRun(t, "ann-password-1\n", "moderator", "add", "ann", "--role", "admin", "--db", db)
	base, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn", "--no-rate-limits")
	c := client{t: t, base: base}
	code, body := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": "https://news.example/energy",
		"name": "Ada", "email": "ada@example.com", "body": "Is the 2019 figure right?"}, nil)
	if code != 202 {
		t.Fatalf("submit: %d %v", code, body)
	}
	id := int64(body["id"].(float64))
	ann := newDashboardBrowser(t)
	dashLogin(t, ann, base, "ann", "ann-password-1")
	do(t, ann, "approve", chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action="/admin/comments/%d/approve"] button`, id))),
		chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf(`form[action="/admin/comments/%d/approve"]`, id))))
	do(t, ann, "the comment page", chromedp.Navigate(fmt.Sprintf("%s/admin/comments/%d", base, id)), chromedp.WaitVisible(chromedp.CSS(`#reply_body`)))
	axePage(t, ann, "comment page with the staff reply form")
	do(t, ann, "reply as staff", chromedp.SendKeys(chromedp.CSS(`#reply_body`), "It was 4.2%; we corrected the article."),
		chromedp.Click(chromedp.CSS(`form.staff-reply button`)), chromedp.WaitVisible(chromedp.CSS(`.badge.staff`)))
	if got := eval[string](t, ann, `document.querySelector(".item.single").textContent`); !strings.Contains(got, "we corrected the article") || !strings.Contains(got, "ann") {
		t.Errorf("the staff reply's page reads %q", got)
	}
	_, th := c.call("GET", "/api/v1/threads?site=news&url=https://news.example/energy", nil, nil)
	root := th["comments"].([]any)[0].(map[string]any)
	replies := root["replies"].([]any)
	if _, forged := root["staff"]; forged || len(replies) != 1 || replies[0].(map[string]any)["staff"] != true {
		t.Errorf("thread: %v", th)
	}
	do(t, ann, "the site page", chromedp.Navigate(base+"/admin/sites/news"), chromedp.WaitVisible(chromedp.CSS(`#staff_body`)))
	axePage(t, ann, "site page with the staff comment form")
}
