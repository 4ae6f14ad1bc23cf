package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley/internal/testenv"
)

// TestWebhooksPageInBrowser: an admin adds a webhook from the site's
// settings, sees its secret once and sends a test; the page passes axe.
func TestWebhooksPageInBrowser(t *testing.T) {
	testenv.Browser(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	mustRun(t, "ann-password-1\n", "moderator", "add", "ann", "--role", "admin", "--db", db)
	base, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn", "--no-rate-limits")
	ann := newDashboardBrowser(t)
	dashLogin(t, ann, base, "ann", "ann-password-1")
	do(t, ann, "site settings to webhooks",
		chromedp.Navigate(base+"/admin/sites/news"),
		chromedp.Click(chromedp.CSS(`a[href="/admin/sites/news/webhooks"]`)),
		chromedp.WaitVisible(chromedp.CSS("#new-url")))
	axePage(t, ann, "webhooks page, empty")
	do(t, ann, "add a webhook",
		chromedp.SendKeys(chromedp.CSS("#new-url"), "https://cms.example/parley"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/sites/news/webhooks"] input[value="comment.created"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/admin/sites/news/webhooks"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#new-secret")))
	if s := eval[string](t, ann, `document.querySelector("#new-secret").textContent`); len(s) < 32 {
		t.Errorf("secret shown = %q", s)
	}
	do(t, ann, "send a test",
		chromedp.Click(chromedp.CSS(`form[action$="/test"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-status]`)))
	if ev := eval[string](t, ann, `document.querySelector("tr[data-status] td:nth-child(2)").textContent`); !strings.Contains(ev, "webhook.test") {
		t.Errorf("delivery listed: %q", ev)
	}
	axePage(t, ann, "webhooks page with a webhook and a delivery")
}
