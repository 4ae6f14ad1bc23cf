package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoCSP: the demo page, which shares its origin with /admin/, has a
// Content-Security-Policy that forbids framing and inline script.
func TestDemoCSP(t *testing.T) {
	base, _ := startServer(t, "demo", "--addr", "127.0.0.1:0", "--dir", t.TempDir())
	resp, err := http.Get(base + "/demo/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "default-src 'self'", "base-uri 'none'", "style-src 'self' 'sha256-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("demo CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("demo CSP allows inline code: %q", csp)
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("demo X-Frame-Options = %q", resp.Header.Get("X-Frame-Options"))
	}
}

// TestDatabaseFileMode: the SQLite file holds password hashes and email
// ciphertexts, so it is created readable by its owner only, like the key.
func TestDatabaseFileMode(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "site", "list", "--db", db) // creates both
	for _, name := range []string{"parley.db", "parley.key"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v; want 0600", name, st.Mode().Perm())
		}
	}
}

// runMainOut runs the program as main does and returns its exit code and
// what it printed on stderr.
func runMainOut(t *testing.T, getenv map[string]string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runMain(context.Background(), args, envFrom(getenv), strings.NewReader(""), &out, &errOut)
	return code, errOut.String()
}

// TestCLIErrorsDomainOnly: a failing command prints the domain message, not
// the database's; --log-level debug adds the cause.
func TestCLIErrorsDomainOnly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	code, msg := runMainOut(t, nil, "site", "add", "news", "--origin", "https://news.example", "--db", db)
	if code != 1 || strings.TrimSpace(msg) != "parley: Site already exists." {
		t.Errorf("site added twice: exit %d, %q", code, msg)
	}
	code, msg = runMainOut(t, nil, "token", "create", "--moderator", "nobody", "--db", db)
	if code != 1 || strings.TrimSpace(msg) != "parley: Moderator not found." {
		t.Errorf("token for nobody: exit %d, %q", code, msg)
	}
	code, msg = runMainOut(t, nil, "site", "add", "news", "--origin", "https://news.example", "--db", db, "--log-level", "debug")
	if code != 1 || !strings.Contains(msg, "Site already exists.") || !strings.Contains(msg, "UNIQUE constraint failed") {
		t.Errorf("with --log-level debug: exit %d, %q; want the cause too", code, msg)
	}
	if _, msg = runMainOut(t, map[string]string{"PARLEY_LOG_LEVEL": "debug"}, "token", "create", "--moderator", "nobody", "--db", db); !strings.Contains(msg, "no rows") {
		t.Errorf("with PARLEY_LOG_LEVEL=debug: %q; want the cause", msg)
	}
}

// TestSiteIDs: a site ID is 1 to 64 of a-z, 0-9 and '-' (it goes into URLs
// and the dashboard's paths); anything else is refused with the rule.
func TestSiteIDs(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	for _, id := range []string{"../../x?y#z", "News", "a b", "", "café", strings.Repeat("a", 65), "x/y"} {
		out, err := runCmd(t, "", "site", "add", id, "--origin", "https://news.example", "--db", db)
		if err == nil || !strings.Contains(out+err.Error(), "a-z, 0-9 and '-'") {
			t.Errorf("site add %q: %v %s; want a refusal naming the rule", id, err, out)
		}
	}
	for _, id := range []string{"news", "ledger-2", strings.Repeat("a", 64)} {
		mustRun(t, "", "site", "add", id, "--origin", "https://news.example", "--db", db)
	}
	if out := mustRun(t, "", "site", "list", "--db", db); strings.Count(out, "\n") != 3 {
		t.Errorf("site list:\n%s", out)
	}
}

// TestUnparsedForwardedForCounted: behind --trusted-proxy, an
// X-Forwarded-For hop that is no address is counted in the metrics.
func TestUnparsedForwardedForCounted(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	base, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn", "--trusted-proxy", "127.0.0.1")
	c := client{t: t, base: base}
	body := map[string]any{"site": "news", "article_url": "https://news.example/a", "name": "Ada", "email": "ada@example.com", "body": "A start."}
	for _, hop := range []string{"198.51.100.7:4711", "[2001:db8::7]:443", "garbage"} {
		if code, out := c.call("POST", "/api/v1/comments", body, map[string]string{"X-Forwarded-For": hop}); code != 202 {
			t.Fatalf("submit from %q: %d %v", hop, code, out)
		}
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(raw), "\nparley_forwarded_for_unparsed_total 1\n") {
		t.Errorf("metrics lack parley_forwarded_for_unparsed_total 1:\n%.2000s", raw)
	}
}
