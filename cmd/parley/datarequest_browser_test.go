package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The readers' data-request page: axe-clean before and after sending,
// usable with the keyboard alone, and its answer says what happens next.
func TestBrowserDataRequestPage(t *testing.T) {
	ctx := newBrowser(t)
	base, _ := startServer(t, "demo", "--addr", "127.0.0.1:0", "--dir", t.TempDir(), "--no-rate-limits")
	browse(t, ctx, "open the page", chromedp.Navigate(base+"/api/v1/data-requests?site=demo"))
	waitFor(t, ctx, "the form", `document.querySelector("#email")`)
	axeCheckPage(t, ctx, "data-request form")
	email := chromedp.JSPath(`document.querySelector("#email")`)
	browse(t, ctx, "type an address and send with the keyboard", chromedp.SendKeys(email, "reader@example.com"), chromedp.SendKeys(email, "\r"))
	waitFor(t, ctx, "the answer", `document.querySelector("[role=status]")`)
	got := text(t, ctx, `document.querySelector("[role=status]")`)
	if !strings.Contains(got, "a message is on its way") || !strings.Contains(got, "24 hours") {
		t.Errorf("answer %q", got)
	}
	axeCheckPage(t, ctx, "data-request answer")
}
