package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/parleyhq/parley/internal/testenv"
)

// newBrowser starts a headless Chromium with its own profile: its own
// cookies, so two of them are two moderators' sessions.
func newDashboardBrowser(t *testing.T) context.Context {
	t.Helper()
	path := "/usr/bin/chromium"
	if p := os.Getenv("PARLEY_CHROMIUM"); p != "" {
		path = p
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	return ctx
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	defer scancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		state, _ := chromedp.Run(dctx, chromedp.Evaluate[string](`(document.getElementById("live")||{}).textContent + " | current: " +
			((document.querySelector("li.item.current")||{}).id) + " | items: " + Array.from(document.querySelectorAll("li.item")).map(function(l){return l.id+(l.dataset.flagged==="true"?"(f)":"")}).join(",")`))
		t.Fatalf("%s: %v\npage state: %s", what, err, state)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func dashLogin(t *testing.T, ctx context.Context, base, name, password string) {
	t.Helper()
	do(t, ctx, "log in as "+name,
		chromedp.Navigate(base+"/admin/"),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`.login button[type="submit"]`)),
		chromedp.WaitReady(chromedp.CSS("#items")),
	)
}

func dashboardScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The moderators' dashboard in a real browser: log in, watch a decision
// made in a second session arrive live, then clear the queue with the
// keyboard alone: a bulk approval, a rejection as ad hominem with a note, a
// ban, and approvals.
func TestDashboardInBrowser(t *testing.T) {
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

	type sub struct{ name, email, body string }
	subs := []sub{
		{"Ada", "ada@example.com", "A hotline is a start, but it needs funding beyond one year."},
		{"Ben", "ben@example.com", "The numbers in the second paragraph look off to me; the 2019 figure was lower."},
		{"Troll", "troll@example.com", "Buy cheap watches at my site, best prices."},
		{"Cleo", "cleo@example.com", "Rent control worked in my city for a decade, then it did not."},
		{"Mallory", "mallory@example.com", "The author is a corrupt idiot and a liar, nobody should listen to him."},
		{"Dan", "dan@example.com", "Has anyone costed the storage this plan needs?"},
		{"Troll", "troll@example.com", "Seriously, cheap watches, https://watches.example"},
		{"Eve", "eve@example.com", "I changed my mind after reading this."},
		{"Finn", "finn@example.com", "Good piece; the map helps a lot."},
		{"Gia", "gia@example.com", "What about rural areas, where there is no transit at all?"},
	}
	ids := map[string][]int64{}
	for _, s := range subs {
		code, body := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": "https://news.example/energy",
			"article_title": "Who pays for the energy transition?", "name": s.name, "email": s.email, "body": s.body}, nil)
		if code != 202 {
			t.Fatalf("submit: %d %v", code, body)
		}
		ids[s.name] = append(ids[s.name], int64(body["id"].(float64)))
	}

	ann := newDashboardBrowser(t)
	bob := newDashboardBrowser(t)
	dashLogin(t, ann, base, "ann", "ann-password-1")
	dashLogin(t, bob, base, "bob", "bob-password-1")
	if n := eval[int](t, ann, `document.querySelectorAll("li.item").length`); n != 10 {
		t.Fatalf("ann's queue shows %d comments, want 10", n)
	}
	// Give the event stream a moment to connect, then bob approves the
	// first comment of his queue with the keyboard; ann sees it live.
	time.Sleep(500 * time.Millisecond)
	gone := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.WaitNotPresent(chromedp.CSS(sel)) }
	first := eval[string](t, bob, `document.querySelector("li.item.current").dataset.id`)
	for range 3 {
		if a := eval[string](t, bob, `document.querySelector("li.item.current .author strong").textContent`); a != "Mallory" && a != "Troll" {
			break
		}
		do(t, bob, "bob moves on", chromedp.KeyEvent("j"))
		first = eval[string](t, bob, `document.querySelector("li.item.current").dataset.id`)
	}
	do(t, bob, "bob approves", chromedp.KeyEvent("a"), gone("#c"+first))
	do(t, ann, "ann sees bob's decision", chromedp.WaitVisible(chromedp.CSS("#c"+first+" .decided-live")))
	if msg := eval[string](t, ann, `document.querySelector("#c`+first+` .decided-live").textContent`); !strings.Contains(msg, "by bob") {
		t.Errorf("live notice = %q", msg)
	}
	if n := eval[string](t, ann, `document.querySelector('[data-count="pending"]').textContent`); n != "9" {
		t.Errorf("live pending count = %s, want 9", n)
	}
	dashboardScreenshot(t, ann, "queue.png")
	axeCheck(t, ann, "dashboard queue")

	// ann clears the rest with the keyboard alone.
	current := func() (id, author string) {
		v := eval[string](t, ann, `(function(){var c=document.querySelector("li.item.current");return c?c.dataset.id+"|"+c.querySelector(".author strong").textContent:""})()`)
		id, author, _ = strings.Cut(v, "|")
		return id, author
	}
	special := func(author string) bool { return author == "Troll" || author == "Mallory" }
	// Bulk: select two ordinary comments with x, approve them with A.
	var selected []string
	for len(selected) < 2 {
		id, author := current()
		if id == "" {
			t.Fatal("no current comment")
		}
		if !special(author) {
			do(t, ann, "select", chromedp.KeyEvent("x"))
			selected = append(selected, id)
		}
		do(t, ann, "next", chromedp.KeyEvent("j"))
	}
	do(t, ann, "bulk approve", chromedp.KeyEvent("A"), gone("#c"+selected[0]), gone("#c"+selected[1]))
	do(t, ann, "back to the top", chromedp.KeyEvent("k"), chromedp.KeyEvent("k"), chromedp.KeyEvent("k"))
	for range 20 {
		id, author := current()
		if id == "" {
			break
		}
		switch author {
		case "Mallory":
			// A flagged comment is not bulk-approved without the explicit
			// confirmation: the page says so and nothing is sent.
			do(t, ann, "select the flagged comment", chromedp.KeyEvent("x"), chromedp.KeyEvent("A"))
			if msg := eval[string](t, ann, `document.getElementById("live").textContent`); !strings.Contains(msg, "flagged") {
				t.Errorf("bulk approval of a flagged comment: page says %q", msg)
			}
			if n := eval[int](t, ann, `document.querySelectorAll("#c`+id+`:not(.done)").length`); n != 1 {
				t.Errorf("the flagged comment left the queue without confirmation")
			}
			do(t, ann, "unselect", chromedp.KeyEvent("x"))
			if n := eval[string](t, ann, `document.getElementById("selected-count").textContent`); n != "0 selected" {
				t.Errorf("after unselecting: %q", n)
			}
			do(t, ann, "reject as ad hominem with a note",
				chromedp.KeyEvent("r"), chromedp.KeyEvent("h"), chromedp.KeyEvent("attacks the author, not the argument"),
				chromedp.KeyEvent(kb.Enter), gone("#c"+id))
		case "Troll":
			do(t, ann, "ban", chromedp.KeyEvent("b"), chromedp.KeyEvent("b"),
				gone(fmt.Sprintf("#c%d", ids["Troll"][0])), gone(fmt.Sprintf("#c%d", ids["Troll"][1])))
		default:
			do(t, ann, "approve", chromedp.KeyEvent("a"), gone("#c"+id))
		}
	}
	if n := eval[int](t, ann, `document.querySelectorAll("li.item:not(.done)").length`); n != 0 {
		t.Fatalf("%d comments left in the queue", n)
	}
	do(t, ann, "help dialog", chromedp.KeyEvent("?"), chromedp.WaitVisible(chromedp.CSS("#keys")))

	// What the server recorded.
	_, log := c.call("GET", "/api/v1/admin/audit", nil, nil)
	var sawReject, sawBan bool
	approvals := 0
	for _, e := range log["entries"].([]any) {
		m := e.(map[string]any)
		switch {
		case m["action"] == "reject" && m["reason"] == "ad_hominem" && m["note"] == "attacks the author, not the argument" && m["moderator"] == "ann":
			sawReject = true
		case m["action"] == "ban" && m["moderator"] == "ann":
			sawBan = true
		case m["action"] == "approve":
			approvals++
		}
	}
	if !sawReject || !sawBan || approvals != 7 {
		t.Errorf("audit: reject with note %v, ban %v, %d approvals (want 7)\n%v", sawReject, sawBan, approvals, log)
	}
	if code, _ := c.call("GET", "/api/v1/admin/queue", nil, nil); code != 200 {
		t.Errorf("queue: %d", code)
	}
	code, body := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": "https://news.example/energy",
		"name": "Troll", "email": "troll@example.com", "body": "Back again."}, nil)
	if code != 403 {
		t.Errorf("banned commenter: %d %v", code, body)
	}

	do(t, ann, "statistics", chromedp.Navigate(base+"/admin/stats"), chromedp.WaitVisible(chromedp.CSS("svg.chart")))
	dashboardScreenshot(t, ann, "stats.png")
	// One site's statistics carry its flag threshold calibration curve; its
	// settings page the public-figure policy.
	do(t, ann, "statistics of a site", chromedp.Navigate(base+"/admin/stats?site=news"), chromedp.WaitVisible(chromedp.CSS("table.curve")))
	axePage(t, ann, "statistics with the calibration curve")
	do(t, ann, "site settings", chromedp.Navigate(base+"/admin/sites/news"), chromedp.WaitVisible(chromedp.CSS(`input[name=public_figures]`)))
	axePage(t, ann, "site settings")
}

// axePage fails on any serious or critical axe-core violation of a
// dashboard page (which, unlike the widget, may have few form fields).
func axePage(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	res := axeRun(t, ctx, what)
	if res.Version == "" {
		t.Fatalf("%s: axe did not run", what)
	}
	t.Logf("%s: axe %s, %d violations", what, res.Version, len(res.Violations))
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			for _, n := range v.Nodes {
				t.Errorf("%s: axe %s (%s): %s at %v: %.200s", what, v.ID, v.Impact, v.Help, n.Target, n.HTML)
			}
		}
	}
}
