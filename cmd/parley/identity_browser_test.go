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

	"github.com/parleyhq/parley/internal/testenv"
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

// The dashboard's identity settings and badges in Chromium, checked by
// axe-core: the site page with its sign-in form (and with a refused
// secret), and the queue with a signed-in subscriber's comment.
func TestDashboardIdentityInBrowser(t *testing.T) {
	testenv.Browser(t)
	const hsSecret = "the-newsroom-hs256-secret-0123456789"
	secretFile := filepath.Join(t.TempDir(), "sso-secret")
	os.WriteFile(secretFile, []byte(hsSecret+"\n"), 0o600)
	db, token := identitySetup(t, "--sso-secret-file", secretFile, "--verify", "on")
	base, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn", "--no-rate-limits")
	c := client{t: t, base: base, token: token}
	tok := newsroomToken(t, jose.SigningKey{Algorithm: jose.HS256, Key: []byte(hsSecret)}, "", "news", "acct-1001", "Grace Hopper", "grace@example.org", 5*time.Minute)
	if code, body := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": "https://news.example/energy",
		"body": "Signed in to say this.", "sso_token": tok}, nil); code != 202 {
		t.Fatalf("SSO comment: %d %v", code, body)
	}
	ann := newDashboardBrowser(t)
	dashLogin(t, ann, base, "ann", "s3cret-passw0rd")
	do(t, ann, "the queue", chromedp.Navigate(base+"/admin/queue/pending"), chromedp.WaitVisible(chromedp.CSS("li.item .badge.sso")))
	if got := eval[string](t, ann, `document.querySelector("li.item .badge.verified").textContent`); got != "email proven by sign-in" {
		t.Errorf("verified badge %q", got)
	}
	axeCheckPage(t, ann, "the queue with a subscriber's comment")
	do(t, ann, "the site page", chromedp.Navigate(base+"/admin/sites/news"), chromedp.WaitVisible(chromedp.CSS(`#sso_secret`)))
	if eval[bool](t, ann, `document.querySelector("input[name=verify]").checked`) != true {
		t.Error("the verification box is not ticked")
	}
	axeCheckPage(t, ann, "site settings with sign-in")
	do(t, ann, "a short secret", chromedp.SendKeys(chromedp.CSS("#sso_secret"), "too-short"),
		chromedp.Click(chromedp.CSS(`form[action$="/identity"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.errors`)))
	if msg := eval[string](t, ann, `document.querySelector("ul.errors").textContent`); !strings.Contains(msg, "sso_secret") {
		t.Errorf("errors %q", msg)
	}
	axeCheckPage(t, ann, "site settings with a refused secret")
}
