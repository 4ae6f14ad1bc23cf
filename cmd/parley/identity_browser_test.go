package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-jose/go-jose/v4"

	"github.com/parleyhq/parley/widget"
)

// The SSO widget on a newsroom's page: the page hands the widget a token
// through window.parleySSO (fetched from the newsroom, signed by the test),
// the form shows "Signed in as" and no name or email fields, and the
// comment is the subscriber's. When the server refuses a token (here: the
// newsroom signed it with the wrong secret) the form falls back to its
// name and email fields, and a comment sent with them is accepted. A
// static data-sso-token that has expired shows the fields from the start.
func TestBrowserSSOWidget(t *testing.T) {
	ctx := newBrowser(t)
	const hsSecret = "the-newsroom-hs256-secret-0123456789"
	var parley string
	var wrongKey atomic.Bool
	var staticToken atomic.Value
	staticToken.Store("")
	newsroom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sso-token":
			key := []byte(hsSecret)
			if wrongKey.Load() {
				key = []byte("not-the-secret-the-site-has-set-up!!")
			}
			w.Write([]byte(newsroomToken(t, jose.SigningKey{Algorithm: jose.HS256, Key: key}, "", "news", "acct-77", "Grace Hopper", "grace@example.org", 5*time.Minute)))
		case "/story":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Local news</title>
<script>window.parleySSO = async () => (await fetch("/sso-token")).text();</script></head>
<body><main><h1>Harbour dues go up</h1><p>Story.</p>%s</main></body></html>`,
				widget.Snippet(parley, "news", "http://"+r.Host+"/story", "Harbour dues go up", ""))
		case "/static":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			snip := strings.Replace(string(widget.Snippet(parley, "news", "http://"+r.Host+"/story", "Harbour dues go up", "")),
				"<div data-parley", `<div data-sso-token="`+staticToken.Load().(string)+`" data-parley`, 1)
			fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Local news</title></head><body><main><h1>Static</h1>%s</main></body></html>`, snip)
		default:
			http.NotFound(w, r)
		}
	}))
	defer newsroom.Close()
	secretFile := filepath.Join(t.TempDir(), "sso-secret")
	os.WriteFile(secretFile, []byte(hsSecret+"\n"), 0o600)
	d := startDemo(t, []string{"migrate"}, []string{"site", "add", "news", "--origin", newsroom.URL},
		[]string{"site", "identity", "news", "--sso-secret-file", secretFile})
	parley = d.base

	field := func(name string) string { return shadow + `.querySelector("[name=` + name + `]")` }
	visible := func(name string) string { return `!` + field(name) + `.closest(".field").hidden` }
	send := chromedp.Click(chromedp.JSPath(shadow + `.querySelector("button.send")`))

	browse(t, ctx, "open the newsroom page", chromedp.Navigate(newsroom.URL+"/story"))
	waitFor(t, ctx, "the widget", `document.querySelector("[data-parley]").hasAttribute("data-parley-ready")`)
	waitFor(t, ctx, "signed in", `document.querySelector("[data-parley]").hasAttribute("data-parley-signed-in")`)
	if got := text(t, ctx, shadow+`.querySelector(".signed-in")`); got != "Signed in as Grace Hopper" {
		t.Errorf("signed-in line %q", got)
	}
	var shown struct{ Name, Email bool }
	jsInto(t, ctx, "fields", `({name: `+visible("name")+`, email: `+visible("email")+`})`, &shown)
	if shown.Name || shown.Email {
		t.Errorf("name or email field shown while signed in: %+v", shown)
	}
	axeCheckPage(t, ctx, "the signed-in widget")
	browse(t, ctx, "write and send",
		chromedp.SendKeys(chromedp.JSPath(field("body")), "Subscribers see the dues differently."),
		send)
	waitFor(t, ctx, "the pending comment", shadow+`.querySelector(".own .badge.pending")`)
	code, q := d.api.call("GET", "/api/v1/admin/queue?site=news", nil, nil)
	items, _ := q["items"].([]any)
	if code != 200 || len(items) != 1 || !strings.Contains(fmt.Sprint(items[0]), "Grace Hopper") {
		t.Fatalf("queue after the SSO comment: %d %v", code, q)
	}

	// The newsroom's token is refused: the form falls back to its fields.
	wrongKey.Store(true)
	browse(t, ctx, "reload", chromedp.Navigate(newsroom.URL+"/story"))
	waitFor(t, ctx, "signed in again", `document.querySelector("[data-parley]").hasAttribute("data-parley-signed-in")`)
	browse(t, ctx, "send with a bad token",
		chromedp.SendKeys(chromedp.JSPath(field("body")), "Sent with a token the server refuses."),
		send)
	waitFor(t, ctx, "the fields again", visible("name")+` && `+visible("email")+` && !document.querySelector("[data-parley]").hasAttribute("data-parley-signed-in")`)
	if got := text(t, ctx, shadow+`.querySelector(".status")`); !strings.Contains(got, "could not be confirmed") || !strings.Contains(got, "signature") {
		t.Errorf("status after the refusal: %q", got)
	}
	browse(t, ctx, "fill the fields and send",
		chromedp.SendKeys(chromedp.JSPath(field("name")), "Harbourmaster"),
		chromedp.SendKeys(chromedp.JSPath(field("email")), "hm@example.com"),
		send)
	waitFor(t, ctx, "the second pending comment", shadow+`.querySelectorAll(".own .badge.pending").length === 2`)
	_, q = d.api.call("GET", "/api/v1/admin/queue?site=news", nil, nil)
	if items, _ := q["items"].([]any); len(items) != 2 || !strings.Contains(fmt.Sprint(items[1]), "Harbourmaster") {
		t.Errorf("queue after the fallback: %v", q)
	}

	// A static token that has expired: the fields from the start.
	staticToken.Store(newsroomToken(t, jose.SigningKey{Algorithm: jose.HS256, Key: []byte(hsSecret)}, "", "news", "acct-77", "Grace Hopper", "grace@example.org", -time.Minute))
	browse(t, ctx, "open the static page", chromedp.Navigate(newsroom.URL+"/static"))
	waitFor(t, ctx, "the widget", `document.querySelector("[data-parley]").hasAttribute("data-parley-ready")`)
	jsInto(t, ctx, "fields", `({name: `+visible("name")+`, email: `+visible("email")+`})`, &shown)
	if !shown.Name || !shown.Email {
		t.Errorf("an expired static token hid the fields: %+v", shown)
	}
	// A valid static token signs in.
	staticToken.Store(newsroomToken(t, jose.SigningKey{Algorithm: jose.HS256, Key: []byte(hsSecret)}, "", "news", "acct-78", "Ada Lovelace", "ada@example.org", 5*time.Minute))
	browse(t, ctx, "reopen the static page", chromedp.Navigate(newsroom.URL+"/static"))
	waitFor(t, ctx, "signed in by the static token", `document.querySelector("[data-parley]").hasAttribute("data-parley-signed-in")`)
	if got := text(t, ctx, shadow+`.querySelector(".signed-in")`); got != "Signed in as Ada Lovelace" {
		t.Errorf("signed-in line %q", got)
	}
	noFired(t, ctx)
}
