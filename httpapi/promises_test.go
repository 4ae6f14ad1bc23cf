package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func withClock(c *fakeClock) func(*httpapi.Config) {
	return func(cfg *httpapi.Config) { cfg.Now = c.Now }
}

func withRateLimits(cfg *httpapi.Config) { cfg.NoRateLimits = false }

// The database file never holds a commenter's address, in text or in
// binary, only its keyed hash.
func TestIPStoredOnlyAsKeyedHash(t *testing.T) {
	proxy := netip.MustParsePrefix("127.0.0.1/32")
	e := newEnv(t, func(c *httpapi.Config) { c.TrustedProxies = []netip.Prefix{proxy} })
	addrs := []string{"203.0.113.77", "2001:db8:7:7::77"}
	for _, a := range addrs {
		got := e.submit2(validSubmission(), map[string]string{"X-Forwarded-For": a})
		c, err := e.store.Comment(context.Background(), got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := e.keys.IPHash(a); !bytes.Equal(c.IPHash, want) {
			t.Errorf("comment from %s stored IP hash %x, want the keyed hash %x", a, c.IPHash, want)
		}
	}
	var files []byte
	for _, name := range []string{"parley.db", "parley.db-wal"} {
		b, err := os.ReadFile(filepath.Join(e.dir, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		files = append(files, b...)
	}
	if len(files) == 0 {
		t.Fatal("read no database bytes")
	}
	if !bytes.Contains(files, e.keys.IPHash(addrs[0])) {
		t.Fatal("the keyed hash is not in the file either: the scan reads the wrong bytes")
	}
	for _, a := range addrs {
		ip := netip.MustParseAddr(a)
		bin := ip.AsSlice()
		for _, form := range [][]byte{[]byte(a), []byte(ip.StringExpanded()), bin} {
			if bytes.Contains(files, form) {
				t.Errorf("database file holds the address %s as %q", a, form)
			}
		}
	}
}

// submit2 is submit with extra request headers.
func (e *env) submit2(fields map[string]any, header map[string]string) submitted {
	e.t.Helper()
	var out submitted
	resp := e.do("POST", "/api/v1/comments", fields, header, &out)
	if resp.StatusCode != http.StatusAccepted {
		e.t.Fatalf("submit: status %d", resp.StatusCode)
	}
	return out
}

// Logs never carry a query string (it may hold an edit token), at any
// level, whatever the answer.
func TestLogsCarryNoQueryStrings(t *testing.T) {
	e := newEnv(t)
	got := e.submit(validSubmission())
	const marker = "QUERYMARKER"
	paths := []string{
		"/api/v1/comments/" + itoa(got.ID) + "?token=" + got.EditToken + "&x=" + marker,
		"/api/v1/comments/" + itoa(got.ID) + "?token=" + marker,
		"/api/v1/threads?site=news&url=" + articleURL + "&m=" + marker,
		"/api/v1/threads?site=" + marker,
		"/nowhere?" + marker,
		"/api/v1/admin/queue?site=" + marker,
	}
	for _, p := range paths {
		e.do("GET", p, nil, nil, nil)
	}
	e.do("POST", "/api/v1/comments?"+marker, validSubmission(), nil, nil)
	log := e.logBuf.String()
	if !strings.Contains(log, "/api/v1/threads") {
		t.Fatalf("the debug log has no request lines; the test would prove nothing:\n%s", log)
	}
	for _, s := range []string{marker, got.EditToken} {
		if strings.Contains(log, s) {
			t.Errorf("log carries %q:\n%s", s, log)
		}
	}
}

// The session cookie is Secure when the request came over TLS, or the
// public URL is https (TLS ended at a proxy), and not on plain HTTP.
func TestSessionCookieSecureBehindTLS(t *testing.T) {
	login := `{"name":"ann","password":"correct horse battery"}`
	cookie := func(client *http.Client, base string) *http.Cookie {
		t.Helper()
		resp := doRequest(t, client, base, "POST", "/api/v1/admin/login", login, map[string]string{"Origin": base}, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("login: %d", resp.StatusCode)
		}
		for _, c := range resp.Cookies() {
			if c.Name == httpapi.SessionCookie {
				return c
			}
		}
		t.Fatal("no session cookie")
		return nil
	}

	plain := newEnv(t)
	if c := cookie(http.DefaultClient, plain.srv.URL); c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("plain HTTP cookie: Secure %v HttpOnly %v SameSite %v; want not Secure, HttpOnly, Strict", c.Secure, c.HttpOnly, c.SameSite)
	}

	tlsEnv := newEnv(t)
	ts := httptest.NewTLSServer(tlsEnv.api)
	defer ts.Close()
	if c := cookie(ts.Client(), ts.URL); !c.Secure || !c.HttpOnly {
		t.Errorf("cookie over TLS: Secure %v HttpOnly %v; want both", c.Secure, c.HttpOnly)
	}

	proxied := newEnv(t, func(c *httpapi.Config) { c.BaseURL = "https://comments.news.example" })
	if c := cookie(http.DefaultClient, proxied.srv.URL); !c.Secure {
		t.Error("cookie with an https base URL (TLS at the proxy) is not Secure")
	}
}

// Login is throttled per address, whatever the names: twenty attempts, then
// one every 3 seconds (and per name and address together: five, then one
// every 12 seconds; see login_test.go).
func TestLoginThrottledPerAddressRefills(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, withRateLimits, withClock(clock))
	try := func(name string) int {
		return e.do("POST", "/api/v1/admin/login", `{"name":"`+name+`","password":"guess guess"}`, nil, nil).StatusCode
	}
	for i := range 20 {
		if code := try(fmt.Sprintf("a%d", i)); code != 401 {
			t.Fatalf("attempt %d: %d, want 401", i+1, code)
		}
	}
	if code := try("fresh"); code != 429 {
		t.Fatalf("21st attempt from one address with a fresh name: %d, want 429", code)
	}
	clock.Add(2 * time.Second)
	if code := try("b1"); code != 429 {
		t.Errorf("after 2 s: %d, want still 429", code)
	}
	clock.Add(1 * time.Second)
	if code := try("b2"); code != 401 {
		t.Errorf("after 3 s: %d, want one more attempt (401)", code)
	}
	if code := try("b3"); code != 429 {
		t.Errorf("right after the refilled attempt: %d, want 429", code)
	}
}

// Ten comments per address in a burst, then one every six seconds.
func TestSubmitRateLimitRefills(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, withRateLimits, withClock(clock))
	send := func() int { return e.do("POST", "/api/v1/comments", validSubmission(), nil, nil).StatusCode }
	for i := range 10 {
		if code := send(); code != 202 {
			t.Fatalf("comment %d: %d, want 202", i+1, code)
		}
	}
	if code := send(); code != 429 {
		t.Fatalf("eleventh: %d, want 429", code)
	}
	clock.Add(5 * time.Second)
	if code := send(); code != 429 {
		t.Errorf("after 5 s: %d, want 429", code)
	}
	clock.Add(time.Second)
	if code := send(); code != 202 {
		t.Errorf("after 6 s: %d, want 202", code)
	}
	if code := send(); code != 429 {
		t.Errorf("right after: %d, want 429", code)
	}
	clock.Add(60 * time.Second)
	for i := range 10 {
		if code := send(); code != 202 {
			t.Fatalf("after a minute, comment %d: %d, want 202 (the bucket refilled to 10)", i+1, code)
		}
	}
	if code := send(); code != 429 {
		t.Errorf("over the refilled burst: %d, want 429", code)
	}
}

// A filled honeypot is decided by the rule, and the audit log says so.
func TestHoneypotAudited(t *testing.T) {
	e := newEnv(t)
	req := validSubmission()
	req["homepage"] = "http://spam.example"
	got := e.submit(req)
	entries, err := e.store.Audit(context.Background(), comment.AuditFilter{CommentID: got.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Moderator != "honeypot" || entries[0].Reason != comment.ReasonSpam || entries[0].SiteID != "news" {
		t.Fatalf("audit of the honeypot comment = %+v, want one entry by honeypot, reason spam", entries)
	}
	var audit struct {
		Entries []map[string]any `json:"entries"`
	}
	e.admin("GET", "/api/v1/admin/audit?comment_id="+itoa(got.ID), nil, &audit)
	if len(audit.Entries) != 1 || audit.Entries[0]["moderator"] != "honeypot" {
		t.Errorf("the audit API shows %v, want the honeypot entry", audit.Entries)
	}
}

// The ip-retention job drops hashed addresses older than the retention at
// once when it starts, and keeps younger ones.
func TestIPRetentionJob(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, withClock(clock))
	old := e.submit(validSubmission())
	clock.Add(29 * 24 * time.Hour)
	young := e.submit(validSubmission())
	clock.Add(2 * 24 * time.Hour) // old is 31 days old, young 2

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.api.ForgetIPs(ctx, 30*24*time.Hour); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := e.store.Comment(context.Background(), old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.IPHash) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the old comment's IP hash is still there after 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	c, err := e.store.Comment(context.Background(), young.ID)
	if err != nil || len(c.IPHash) == 0 {
		t.Errorf("the young comment's IP hash was dropped (%v)", err)
	}
}
