package dashboard_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/dashboard"
	"github.com/parleyhq/parley/events"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/moderation"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/store/sqlite"
)

const origin = "https://news.example"

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     *testing.T
	dir   string
	srv   *httptest.Server
	store *sqlite.Store
	keys  *secret.Keyring
	api   *httpapi.Server
	dash  *dashboard.Handler
	clock *clock
	token string
}

// fixedScores is a classifier that scores by keyword, for tests.
type fixedScores struct{}

func (fixedScores) Score(body string) (float64, []comment.Span) {
	if i := strings.Index(body, "fool"); i >= 0 {
		return 0.91, []comment.Span{{Start: i, End: i + 4, Text: "fool"}}
	}
	return 0.05, nil
}
func (fixedScores) FlagThreshold() float64 { return 0.7 }

// ScoreContext makes fixedScores a classifier that gives a reason line.
func (f fixedScores) ScoreContext(body string, _ moderation.Context, _ string, _ float64) (float64, []comment.Span, string) {
	s, spans := f.Score(body)
	return s, spans, "insult aimed at the person addressed"
}

func newEnv(t testing.TB, rateLimits bool) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	keys, err := secret.LoadOrCreate(filepath.Join(dir, "parley.key"))
	if err != nil {
		t.Fatal(err)
	}
	// Today at 09:00 UTC: the cookie jar drops cookies that expired in real time.
	clk := &clock{t: time.Now().UTC().Truncate(24 * time.Hour).Add(9 * time.Hour)}
	if err := store.CreateSite(ctx, comment.Site{ID: "news", Origins: []string{origin}, CreatedAt: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	var token string
	for _, m := range []comment.Moderator{{Name: "ann", Role: comment.RoleAdmin}, {Name: "bob", Role: comment.RoleModerator}} {
		m.PasswordHash, _ = secret.HashPassword(m.Name + "-password")
		m.CreatedAt = clk.Now()
		created, err := store.CreateModerator(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if m.Name == "ann" {
			token = secret.NewToken()
			if err := store.CreateToken(ctx, created.ID, secret.TokenHash(token), clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	live := events.NewBroadcaster()
	policy := moderation.Policy{Classifier: fixedScores{}}
	api := httpapi.New(httpapi.Config{Store: store, Keys: keys, Policy: policy, Now: clk.Now, NoRateLimits: !rateLimits, Events: live, SessionTTL: 48 * time.Hour})
	dash, err := dashboard.New(dashboard.Config{API: api, Desk: api.Desk, Store: store, Keys: keys, Events: live, Policy: policy, Now: clk.Now, ClientIP: api.ClientIP})
	if err != nil {
		t.Fatal(err)
	}
	api.Mount("/admin/", dash)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	tt, _ := t.(*testing.T)
	return &env{t: tt, dir: dir, srv: srv, store: store, keys: keys, api: api, dash: dash, clock: clk, token: token}
}

// submit posts a comment through the public API and returns its id.
func (e *env) submit(name, email, body string) int64 {
	e.t.Helper()
	code, out := e.submitRaw(name, email, body)
	if code != 202 {
		e.t.Fatalf("submit: %d %v", code, out)
	}
	return int64(out["id"].(float64))
}

func (e *env) submitRaw(name, email, body string) (int, map[string]any) {
	e.t.Helper()
	raw, _ := json.Marshal(map[string]any{"site": "news", "article_url": origin + "/energy", "article_title": "The energy debate",
		"name": name, "email": email, "body": body})
	resp, err := http.Post(e.srv.URL+"/api/v1/comments", "application/json", bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// browser is a logged-in (or not) client that does not follow redirects.
type browser struct {
	e    *env
	c    *http.Client
	csrf string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (b *browser) get(path string) (int, string, http.Header) {
	b.e.t.Helper()
	resp, err := b.c.Get(b.e.srv.URL + path)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

// post sends a form; json=true asks for the script's JSON answers.
func (b *browser) post(path string, form url.Values, asScript bool) (int, string, http.Header) {
	b.e.t.Helper()
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if asScript {
		req.Header.Set("X-Requested-With", "parley")
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

func (b *browser) login(name, password string) int {
	b.e.t.Helper()
	_, page, _ := b.get("/admin/login")
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		b.e.t.Fatalf("login page has no CSRF token:\n%s", page)
	}
	code, _, hdr := b.post("/admin/login", url.Values{"csrf_token": {m[1]}, "name": {name}, "password": {password}, "next": {"/admin/queue/pending"}}, false)
	if code == http.StatusSeeOther {
		_, page, _ = b.get(hdr.Get("Location"))
		if m := csrfRE.FindStringSubmatch(page); m != nil {
			b.csrf = m[1]
		}
	}
	return code
}

func (e *env) loggedIn(name string) *browser {
	e.t.Helper()
	b := e.browser()
	if code := b.login(name, name+"-password"); code != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d", name, code)
	}
	return b
}

// Every route but the login page and assets refuses a request without a
// session; every state-changing one refuses a session without its CSRF
// token; admin routes refuse moderators. The JSON API's admin routes refuse
// requests without a token or session too.
func TestEveryRouteNeedsASession(t *testing.T) {
	e := newEnv(t, false)
	id := e.submit("Ada", "ada@example.com", "A hotline is a start.")
	anon := e.browser()
	mod := e.loggedIn("bob")
	fill := func(p string) string {
		r := strings.NewReplacer("{id}", fmt.Sprint(id), "{status}", "pending", "{site}", "news", "{name}", "bob", "{file}", "dashboard.css", "{$}", "")
		return r.Replace(p)
	}
	for _, rt := range e.dash.Routes() {
		path := fill(rt.Pattern)
		t.Run(rt.Method+" "+rt.Pattern, func(t *testing.T) {
			var code int
			var hdr http.Header
			if rt.Method == "GET" {
				code, _, hdr = anon.get(path)
			} else {
				code, _, hdr = anon.post(path, url.Values{}, false)
			}
			if hdr.Get("Content-Security-Policy") != dashboard.CSP {
				t.Errorf("CSP = %q", hdr.Get("Content-Security-Policy"))
			}
			if rt.Public {
				if code >= 500 {
					t.Errorf("public route: %d", code)
				}
				return
			}
			switch {
			case rt.Method == "GET" && rt.Pattern != "/admin/events":
				if code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/admin/login") {
					t.Errorf("without session: %d to %q, want 303 to the login page", code, hdr.Get("Location"))
				}
			default:
				if code != http.StatusUnauthorized {
					t.Errorf("without session: %d, want 401", code)
				}
			}
			if rt.Method == "POST" {
				// A session without the CSRF token: refused before anything happens.
				if code, _, _ := mod.post(path, url.Values{"csrf_token": {"forged"}}, false); code != http.StatusForbidden {
					t.Errorf("wrong CSRF token: %d, want 403", code)
				}
				if code, _, _ := mod.post(path, url.Values{}, false); code != http.StatusForbidden {
					t.Errorf("no CSRF token: %d, want 403", code)
				}
			}
			if rt.Admin && rt.Method == "GET" {
				if code, _, _ := mod.get(path); code != http.StatusForbidden {
					t.Errorf("moderator on an admin page: %d, want 403", code)
				}
			}
			if rt.Admin && rt.Method == "POST" {
				if code, _, _ := mod.post(path, url.Values{"csrf_token": {mod.csrf}}, false); code != http.StatusForbidden {
					t.Errorf("moderator on an admin action: %d, want 403", code)
				}
			}
		})
	}
	if c, _ := e.store.Comment(context.Background(), id); c.Status != comment.StatusPending {
		t.Errorf("a refused request changed the comment: %s", c.Status)
	}
	// The JSON API's admin routes.
	for _, rt := range e.api.Routes() {
		if !strings.HasPrefix(rt.Pattern, "/api/v1/admin/") || rt.Pattern == "/api/v1/admin/login" {
			continue
		}
		path := strings.ReplaceAll(rt.Pattern, "{id}", fmt.Sprint(id))
		req, _ := http.NewRequest(rt.Method, e.srv.URL+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without credentials: %d, want 401", rt.Method, rt.Pattern, resp.StatusCode)
		}
	}
}

func TestLoginLogoutExpiry(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	if code := b.login("ann", "wrong-password"); code != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", code)
	}
	// The login form's CSRF token is checked too.
	if code, _, _ := b.post("/admin/login", url.Values{"csrf_token": {"forged"}, "name": {"ann"}, "password": {"ann-password"}}, false); code != http.StatusForbidden {
		t.Errorf("login with a forged CSRF token: %d, want 403", code)
	}
	if code := b.login("ann", "ann-password"); code != http.StatusSeeOther {
		t.Fatalf("login: %d", code)
	}
	if code, _, _ := b.get("/admin/queue/pending"); code != 200 {
		t.Fatalf("queue after login: %d", code)
	}
	code, _, hdr := b.post("/admin/logout", url.Values{"csrf_token": {b.csrf}}, false)
	if code != http.StatusSeeOther || hdr.Get("Location") != "/admin/login" {
		t.Errorf("logout: %d %q", code, hdr.Get("Location"))
	}
	if code, _, _ := b.get("/admin/queue/pending"); code != http.StatusSeeOther {
		t.Errorf("queue after logout: %d, want 303", code)
	}
	// Sessions expire (the test server's TTL is 48 hours).
	b2 := e.loggedIn("ann")
	e.clock.Add(49 * time.Hour)
	if code, _, _ := b2.get("/admin/audit"); code != http.StatusSeeOther {
		t.Errorf("expired session: %d, want 303 to login", code)
	}
	// A disabled account's sessions end at once.
	e.clock.Add(-49 * time.Hour)
	bob := e.loggedIn("bob")
	admin := e.loggedIn("ann")
	if code, _, _ := admin.post("/admin/moderators/bob/disable", url.Values{"csrf_token": {admin.csrf}}, false); code != http.StatusSeeOther {
		t.Fatalf("disable: %d", code)
	}
	if code, _, _ := bob.get("/admin/queue/pending"); code != http.StatusSeeOther {
		t.Errorf("disabled moderator's session: %d, want 303", code)
	}
	if code := e.browser().login("bob", "bob-password"); code != http.StatusUnauthorized {
		t.Errorf("disabled moderator logs in: %d", code)
	}
}

func TestLoginThrottled(t *testing.T) {
	e := newEnv(t, true)
	b := e.browser()
	var codes []int
	for range 7 {
		codes = append(codes, b.login("ann", "wrong-password"))
	}
	if codes[0] != http.StatusUnauthorized || codes[6] != http.StatusTooManyRequests {
		t.Errorf("login attempts answered %v; want 401 first and 429 after five", codes)
	}
}

func TestQueueShowsWhatModeratorsNeed(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	first := e.submit("Ada", "ada@example.com", "A hotline is a start.")
	e.submit("Carl", "carl@example.com", "Only a fool believes this.")
	if _, err := e.api.Decide(ctx, comment.Decision{CommentID: first, Action: comment.ActionApprove, Moderator: "ann", At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	site, _ := e.store.Site(ctx, "news")
	site.SuspectWords, site.LinkLimit = []string{"press"}, 1
	if err := e.store.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	e.submit("Ada", "ada@example.com", "The press got it wrong: https://a.example and https://b.example")
	e.submit("Dee", "dee@example.com", "WordPress blogs disagree.")
	admin := e.loggedIn("ann")
	_, page, _ := admin.get("/admin/queue/pending")
	for _, want := range []string{
		`The energy debate`, `<mark>fool</mark>`, `ad hominem 0.91`, `class="badge flag"`,
		`<p class="why">Why flagged: insult aimed at the person addressed</p>`,
		`1 approved · 0 rejected · first seen ` + e.clock.Now().Format("2 Jan 2006"), `ada@example.com`,
		`suspect: press`, `class="links over">2 links`,
		`Pending <span class="count" data-count="pending">3</span>`, `Flagged <span class="count" data-count="flagged">2</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("queue page lacks %q", want)
		}
	}
	// Flagged first: the attack and the suspect word come before "WordPress".
	if i, j := strings.Index(page, "fool"), strings.Index(page, "WordPress blogs"); i < 0 || j < 0 || i > j {
		t.Errorf("flagged comment not first")
	}
	if strings.Contains(page, "suspect: press</span>\n") && strings.Count(page, "suspect: press") != 1 {
		t.Errorf(`"press" matched inside "WordPress"`)
	}
	// Emails only to admins.
	mod := e.loggedIn("bob")
	_, page, _ = mod.get("/admin/queue/pending")
	if strings.Contains(page, "ada@example.com") || strings.Contains(page, "carl@example.com") {
		t.Errorf("a moderator sees commenters' emails")
	}
	// No inline script or style anywhere.
	for _, bad := range []string{"<script>", "onclick=", "style="} {
		if strings.Contains(page, bad) {
			t.Errorf("page has inline %q", bad)
		}
	}
	// Search by text, author and article.
	for q, want := range map[string]int{"hotline": 0, "wordpress": 1, "carl": 1, "energy debate": 3} {
		_, page, _ := mod.get("/admin/queue/pending?q=" + url.QueryEscape(q))
		if got := strings.Count(page, `<li class="item`); got != want {
			t.Errorf("search %q: %d items, want %d", q, got, want)
		}
	}
	if code, _, _ := mod.get("/admin/queue/nonsense"); code != 404 {
		t.Errorf("unknown queue: %d", code)
	}
	if code, _, _ := mod.get("/admin/queue/pending?after=garbage"); code != 422 {
		t.Errorf("bad cursor: %d", code)
	}
}

func TestDecisions(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	a := e.submit("Ada", "ada@example.com", "A hotline is a start.")
	b := e.submit("Carl", "carl@example.com", "Only a fool believes this.")
	c := e.submit("Dee", "dee@example.com", "Prices will fall.")
	d := e.submit("Eve", "eve@example.com", "Buy cheap watches.")
	mod := e.loggedIn("bob")

	// A plain form post (no script) approves and redirects back.
	code, _, hdr := mod.post(fmt.Sprintf("/admin/comments/%d/approve", a), url.Values{"csrf_token": {mod.csrf}, "return": {"/admin/queue/pending"}}, false)
	if code != http.StatusSeeOther || hdr.Get("Location") != "/admin/queue/pending" {
		t.Errorf("approve: %d %q", code, hdr.Get("Location"))
	}
	// The script's reject, with a reason and a note.
	code, body, _ := mod.post(fmt.Sprintf("/admin/comments/%d/reject", b), url.Values{"reason": {"ad_hominem"}, "note": {"attacks the author"}}, true)
	if code != 200 {
		t.Fatalf("reject: %d %s", code, body)
	}
	got, _ := e.store.Comment(ctx, b)
	if got.Status != comment.StatusRejected || got.Reason != comment.ReasonAdHominem || got.Note != "attacks the author" || got.DecidedBy != "bob" {
		t.Errorf("rejected comment = %+v", got)
	}
	// Bad input names the field.
	for _, tt := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{}, "reason"},
		{url.Values{"reason": {"rude"}}, "reason"},
		{url.Values{"reason": {"spam"}, "note": {strings.Repeat("x", 2001)}}, "note"},
	} {
		code, body, _ := mod.post(fmt.Sprintf("/admin/comments/%d/reject", c), tt.form, true)
		if code != 422 || !strings.Contains(body, `"field":"`+tt.field+`"`) {
			t.Errorf("reject %v: %d %s", tt.form, code, body)
		}
	}
	if code, _, _ := mod.post("/admin/comments/abc/approve", nil, true); code != 422 {
		t.Errorf("non-numeric id: %d", code)
	}
	if code, _, _ := mod.post("/admin/comments/999999/approve", nil, true); code != 404 {
		t.Errorf("unknown id: %d", code)
	}
	// Deciding twice is a conflict.
	if code, _, _ := mod.post(fmt.Sprintf("/admin/comments/%d/approve", a), nil, true); code != 409 {
		t.Errorf("second decision: %d, want 409", code)
	}

	// Bulk approval of a selection with a flagged comment needs confirmation.
	f := e.submit("Fay", "fay@example.com", "You fool.")
	sel := url.Values{"action": {"approve"}, "id": {fmt.Sprint(c), fmt.Sprint(d), fmt.Sprint(f)}}
	code, body, _ = mod.post("/admin/bulk", sel, true)
	if code != 409 || !strings.Contains(body, "1 of the selected comments are flagged") {
		t.Errorf("bulk approve with a flagged comment: %d %s", code, body)
	}
	if got, _ := e.store.Comment(ctx, c); got.Status != comment.StatusPending {
		t.Errorf("unconfirmed bulk approval approved comment %d", c)
	}
	sel.Set("confirm_flagged", "1")
	code, body, _ = mod.post("/admin/bulk", sel, true)
	if code != 200 || !strings.Contains(body, fmt.Sprintf(`"decided":[%d,%d,%d]`, c, d, f)) {
		t.Errorf("confirmed bulk approve: %d %s", code, body)
	}
	// Bulk rejection skips what is already decided.
	g := e.submit("Gus", "gus@example.com", "Off topic entirely.")
	code, body, _ = mod.post("/admin/bulk", url.Values{"action": {"reject"}, "reason": {"off_topic"}, "id": {fmt.Sprint(g), fmt.Sprint(c)}}, true)
	if code != 200 || !strings.Contains(body, fmt.Sprintf(`"decided":[%d],"skipped":[%d]`, g, c)) {
		t.Errorf("bulk reject: %d %s", code, body)
	}

	// The audit log shows every decision, filterable.
	_, page, _ := mod.get("/admin/audit?action=reject")
	if !strings.Contains(page, "attacks the author") || strings.Contains(page, `class="action-approve"`) {
		t.Errorf("audit page filtered by reject:\n%s", page)
	}
	if code, _, _ := mod.get("/admin/audit?comment=x"); code != 422 {
		t.Errorf("bad audit filter: %d", code)
	}
}

func TestBanAndTrust(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	p1 := e.submit("Troll", "troll@example.com", "First.")
	p2 := e.submit("Troll", "TROLL@example.com ", "Second.")
	other := e.submit("Ada", "ada@example.com", "Unrelated.")
	mod := e.loggedIn("bob")
	code, body, _ := mod.post(fmt.Sprintf("/admin/comments/%d/ban", p1), nil, true)
	if code != 200 || !strings.Contains(body, fmt.Sprintf(`"rejected":[%d,%d]`, p1, p2)) {
		t.Fatalf("ban: %d %s", code, body)
	}
	if got, _ := e.store.Comment(ctx, other); got.Status != comment.StatusPending {
		t.Errorf("a bystander's comment was decided")
	}
	code, out := e.submitRaw("Troll", "troll@example.com", "Third.")
	if code != 403 || strings.Contains(fmt.Sprint(out), "troll@") {
		t.Errorf("banned commenter's new comment: %d %v", code, out)
	}
	// The ban also holds the troll's address, which every reader of this
	// test shares; lifting it lets the others post again.
	if code, _ := e.submitRaw("Ada", "ada@example.com", "Same address."); code != 403 {
		t.Errorf("a new email from a banned address: %d, want 403", code)
	}
	if code, body, _ := mod.post(fmt.Sprintf("/admin/comments/%d/untrust", p1), nil, true); code != 200 {
		t.Fatalf("lift the ban: %d %s", code, body)
	}
	// Trust: approved at once only where the site auto-approves trusted
	// commenters, and never when flagged.
	if code, body, _ := mod.post(fmt.Sprintf("/admin/comments/%d/trust", other), nil, true); code != 200 {
		t.Fatalf("trust: %d %s", code, body)
	}
	next := e.submit("Ada", "ada@example.com", "Still premoderated.")
	if got, _ := e.store.Comment(ctx, next); got.Status != comment.StatusPending {
		t.Errorf("trusted on a premoderated site: %s", got.Status)
	}
	site, _ := e.store.Site(ctx, "news")
	site.Mode = comment.ModeTrusted
	e.store.UpdateSite(ctx, site)
	// Anyone may type Ada's address (case and spaces vary): until email
	// ownership is proven, trust publishes nothing without review.
	auto := e.submit("Impostor", " ADA@example.com", "Held, though trusted.")
	flagged := e.submit("Ada", "ada@example.com", "But a fool is not.")
	if got, _ := e.store.Comment(ctx, auto); got.Status != comment.StatusPending {
		t.Errorf("trusted (unverified email) on an auto-approve site: %s, want pending", got.Status)
	}
	for _, path := range []string{"/admin/queue/pending", "/admin/sites/news"} {
		_, page, _ := e.loggedIn("ann").get(path)
		if !strings.Contains(page, "held for review until") {
			t.Errorf("%s does not say that trusted commenters are held until their email is verified", path)
		}
	}
	if got, _ := e.store.Comment(ctx, flagged); got.Status != comment.StatusPending || !got.Flagged {
		t.Errorf("flagged comment of a trusted commenter: %s flagged=%v", got.Status, got.Flagged)
	}
}

func TestSiteSettings(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	admin := e.loggedIn("ann")
	form := url.Values{"csrf_token": {admin.csrf}, "origins": {"https://news.example\nhttp://localhost:8080/"}, "mode": {"premoderate"},
		"flag_threshold": {"0.6"}, "auto_reject_threshold": {""}, "banned_words": {"casino\nCafé"}, "suspect_words": {"press"}, "link_limit": {"2"},
		"edit_minutes": {"30"}, "report_hold": {"3"}, "address_ban_days": {"2"}, "tracking_params": {"ref\nsource"}}
	if code, body, _ := admin.post("/admin/sites/news", form, false); code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", code, body)
	}
	site, _ := e.store.Site(ctx, "news")
	if site.FlagThreshold != 0.6 || len(site.Origins) != 2 || site.Origins[1] != "http://localhost:8080" || site.LinkLimit != 2 || len(site.BannedWords) != 2 ||
		site.EditWindow != 30*time.Minute || site.ReportHold != 3 || site.AddressBanDays != 2 || len(site.TrackingParams) != 2 {
		t.Errorf("saved site = %+v", site)
	}
	banned := e.submit("Ada", "ada@example.com", "Visit the CASINO tonight")
	accent := e.submit("Ada", "ada@example.com", "Meet at the cafe")
	fine := e.submit("Ada", "ada@example.com", "I use WordPress")
	for id, want := range map[int64]comment.Status{banned: comment.StatusRejected, accent: comment.StatusRejected, fine: comment.StatusPending} {
		if got, _ := e.store.Comment(ctx, id); got.Status != want || (want == comment.StatusRejected && got.Note != "banned word") {
			t.Errorf("comment %d: %s %q, want %s", id, got.Status, got.Note, want)
		}
	}
	bad := url.Values{"csrf_token": {admin.csrf}, "origins": {"news.example"}, "mode": {"sometimes"}, "flag_threshold": {"2"}, "link_limit": {"-1"},
		"edit_minutes": {"x"}, "report_hold": {"-2"}, "address_ban_days": {"999"}, "tracking_params": {"a=b"}}
	code, page, _ := admin.post("/admin/sites/news", bad, false)
	if code != 422 {
		t.Errorf("bad settings: %d", code)
	}
	for _, field := range []string{"origins", "mode", "flag_threshold", "link_limit", "edit_minutes", "report_hold", "address_ban_days", "tracking_params"} {
		if !strings.Contains(page, "<strong>"+field+"</strong>") {
			t.Errorf("bad settings page does not name %s", field)
		}
	}
	// Close an article; readers' cached thread says so at once.
	articleClosed := func() bool {
		resp, err := http.Get(e.srv.URL + "/api/v1/threads?site=news&url=" + url.QueryEscape(origin+"/energy"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var th struct {
			Article struct {
				Closed bool `json:"closed"`
			} `json:"article"`
		}
		json.NewDecoder(resp.Body).Decode(&th)
		return th.Article.Closed
	}
	if articleClosed() {
		t.Error("article closed before closing it")
	}
	if code, _, _ := admin.post("/admin/sites/news/article", url.Values{"csrf_token": {admin.csrf}, "url": {origin + "/energy"}, "state": {"closed"}}, false); code != http.StatusSeeOther {
		t.Errorf("close article: %d", code)
	}
	if !articleClosed() {
		t.Error("the thread still says open after closing the article from the dashboard (stale cache)")
	}
	if code, _ := e.submitRaw("Ada", "ada@example.com", "Too late."); code != 422 {
		t.Errorf("comment on a closed article: %d", code)
	}
	// Moderator accounts.
	if code, _, _ := admin.post("/admin/moderators", url.Values{"csrf_token": {admin.csrf}, "name": {"cy"}, "role": {"moderator"}, "password": {"cy-password"}}, false); code != http.StatusSeeOther {
		t.Errorf("add moderator: %d", code)
	}
	e.loggedIn("cy")
	if code, _, _ := admin.post("/admin/moderators/cy/password", url.Values{"csrf_token": {admin.csrf}, "password": {"new-password-1"}}, false); code != http.StatusSeeOther {
		t.Errorf("reset password: %d", code)
	}
	if code := e.browser().login("cy", "new-password-1"); code != http.StatusSeeOther {
		t.Errorf("login with the new password: %d", code)
	}
	if code, _, _ := admin.post("/admin/moderators", url.Values{"csrf_token": {admin.csrf}, "name": {"cy"}, "role": {"king"}, "password": {"short"}}, false); code != 422 {
		t.Errorf("bad moderator: %d", code)
	}
}

func TestStatsPage(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	for i := range 6 {
		id := e.submit("Ada", "ada@example.com", fmt.Sprintf("Comment %d", i))
		e.clock.Add(90 * time.Minute)
		act := comment.Decision{CommentID: id, Action: comment.ActionApprove, Moderator: "ann", At: e.clock.Now()}
		if i%2 == 1 {
			act.Action, act.Reason = comment.ActionReject, comment.ReasonSpam
		}
		if _, err := e.api.Decide(ctx, act); err != nil {
			t.Fatal(err)
		}
	}
	e.submit("Ada", "ada@example.com", "Waiting.")
	_, page, _ := e.loggedIn("bob").get("/admin/stats")
	for _, want := range []string{`<svg class="chart"`, `id="stat-median">1.5 h</span>`, `id="stat-pending">1</span>`, e.clock.Now().Format("Jan 2") + ", approved: 3", e.clock.Now().Format("Jan 2") + ", spam: 3"} {
		if !strings.Contains(page, want) {
			t.Errorf("stats page lacks %q", want)
		}
	}
}

// A decision made elsewhere reaches a watching dashboard as a server-sent event.
func TestLiveEvents(t *testing.T) {
	e := newEnv(t, false)
	id := e.submit("Ada", "ada@example.com", "A hotline is a start.")
	watcher := e.loggedIn("ann")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/admin/events", nil)
	resp, err := watcher.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	rd := bufio.NewReader(resp.Body)
	rd.ReadString('\n') // the stream is open once the first line arrives
	other := e.loggedIn("bob")
	if code, _, _ := other.post(fmt.Sprintf("/admin/comments/%d/approve", id), nil, true); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended: %v", err)
		}
		if strings.HasPrefix(line, "data: ") {
			want := fmt.Sprintf(`{"kind":"decided","comment_id":%d,"site":"news","status":"approved","moderator":"bob"`, id)
			if !strings.HasPrefix(line, "data: "+want) || !strings.Contains(line, `"approved":1`) {
				t.Errorf("event = %s", line)
			}
			break
		}
	}
	// A shutting-down server ends the stream instead of waiting for it.
	e.dash.CloseStreams()
	if _, err := io.ReadAll(rd); err != nil {
		t.Errorf("stream did not end cleanly: %v", err)
	}
}

// A moderator limited to some sites sees and decides only those, in the
// dashboard and through the API.
func TestModeratorSites(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	if err := e.store.CreateSite(ctx, comment.Site{ID: "blog", Origins: []string{"https://blog.example"}, CreatedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	onNews := e.submit("Ada", "ada@example.com", "On the news site.")
	raw, _ := json.Marshal(map[string]any{"site": "blog", "article_url": "https://blog.example/post", "name": "Ben", "email": "ben@example.com", "body": "On the blog."})
	resp, err := http.Post(e.srv.URL+"/api/v1/comments", "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	onBlog := int64(out["id"].(float64))

	admin := e.loggedIn("ann")
	if code, _, _ := admin.post("/admin/moderators/bob/sites", url.Values{"csrf_token": {admin.csrf}, "sites": {"nope"}}, false); code != 422 {
		t.Errorf("unknown site: %d", code)
	}
	if code, _, _ := admin.post("/admin/moderators/bob/sites", url.Values{"csrf_token": {admin.csrf}, "sites": {"blog"}}, false); code != http.StatusSeeOther {
		t.Fatalf("set sites: %d", code)
	}
	bob := e.loggedIn("bob")
	_, page, _ := bob.get("/admin/queue/pending")
	if !strings.Contains(page, "On the blog.") || strings.Contains(page, "On the news site.") {
		t.Errorf("bob's queue shows other sites' comments")
	}
	for _, path := range []string{"/admin/queue/pending?site=news", "/admin/audit?site=news", "/admin/stats?site=news"} {
		if code, _, _ := bob.get(path); code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", path, code)
		}
	}
	if code, _, _ := bob.post(fmt.Sprintf("/admin/comments/%d/approve", onNews), nil, true); code != http.StatusForbidden {
		t.Errorf("approve on another site: %d, want 403", code)
	}
	if code, _, _ := bob.post(fmt.Sprintf("/admin/comments/%d/ban", onNews), nil, true); code != http.StatusForbidden {
		t.Errorf("ban on another site: %d, want 403", code)
	}
	if code, _, _ := bob.post("/admin/bulk", url.Values{"action": {"approve"}, "id": {fmt.Sprint(onNews)}}, true); code != http.StatusForbidden {
		t.Errorf("bulk on another site: %d, want 403", code)
	}
	if code, _, _ := bob.post(fmt.Sprintf("/admin/comments/%d/approve", onBlog), nil, true); code != 200 {
		t.Errorf("approve on bob's site: %d", code)
	}
	// The JSON API, with bob's session.
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/admin/comments/%d/approve", e.srv.URL, onNews), nil)
	req.Header.Set("X-CSRF-Token", bob.csrf)
	resp, err = bob.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("API approve on another site: %d, want 403", resp.StatusCode)
	}
	if code, _, _ := bob.get("/api/v1/admin/queue?site=news"); code != http.StatusForbidden {
		t.Errorf("API queue of another site: %d, want 403", code)
	}
	if c, _ := e.store.Comment(ctx, onNews); c.Status != comment.StatusPending {
		t.Errorf("news comment decided by a blog moderator: %s", c.Status)
	}
}

// The title the first commenter sent is shown to moderators marked
// unverified until the newsroom's own title replaces it.
func TestUnverifiedArticleTitle(t *testing.T) {
	e := newEnv(t, false)
	e.submit("Ada", "ada@example.com", "A first comment.")
	mod := e.loggedIn("bob")
	_, page, _ := mod.get("/admin/queue/pending")
	if !strings.Contains(page, "The energy debate</a> <small class=\"unverified\"") {
		t.Fatalf("queue does not mark the commenter's title unverified:\n%s", page)
	}
	title := "Energy: the debate, explained"
	if _, err := e.store.ChangeArticle(context.Background(), comment.ArticleChange{SiteID: "news", URL: origin + "/energy", Title: &title, Moderator: "ann", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_, page, _ = mod.get("/admin/queue/pending")
	if !strings.Contains(page, title) || strings.Contains(page, "unverified title") {
		t.Errorf("queue after the newsroom's title:\n%s", page)
	}
}
