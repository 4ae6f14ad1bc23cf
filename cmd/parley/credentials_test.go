package main

import (
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// lastLine is the token `token create` prints last.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// meStatus asks /api/v1/admin/me with a bearer token.
func meStatus(t *testing.T, base, token string) int {
	t.Helper()
	code, _ := client{t: t, base: base, token: token}.call("GET", "/api/v1/admin/me", nil, nil)
	return code
}

// loginSession logs in through the API and returns a client holding the cookie.
func loginSession(t *testing.T, base, name, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	req, _ := http.NewRequest("POST", base+"/api/v1/admin/login", strings.NewReader(`{"name":"`+name+`","password":"`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login %s: %d", name, resp.StatusCode)
	}
	return hc
}

func sessionStatus(t *testing.T, hc *http.Client, base string) int {
	t.Helper()
	resp, err := hc.Get(base + "/api/v1/admin/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var tokenIDRE = regexp.MustCompile(`(?m)^([0-9a-f]{12})\s+(\S+)\s`)

// TestCredentialsFromTheCLI: tokens listed, revoked and expiring, and a
// password change, all made by the CLI while a server runs, hold from the
// server's next request on.
func TestCredentialsFromTheCLI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	mustRun(t, "", "site", "add", "blog", "--origin", "https://blog.example", "--db", db)
	mustRun(t, "s3cret-passw0rd\n", "moderator", "add", "ann", "--role", "admin", "--db", db)
	mustRun(t, "b0b-passw0rd\n", "moderator", "add", "bob", "--db", db)
	annTok := lastLine(mustRun(t, "", "token", "create", "--moderator", "ann", "--db", db))
	bob1 := lastLine(mustRun(t, "", "token", "create", "--moderator", "bob", "--db", db))
	bob2 := lastLine(mustRun(t, "", "token", "create", "--moderator", "bob", "--expires", "720h", "--db", db))
	short := lastLine(mustRun(t, "", "token", "create", "--moderator", "bob", "--expires", "1s", "--db", db))

	base, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn")
	for _, tok := range []string{annTok, bob1, bob2, short} {
		if code := meStatus(t, base, tok); code != 200 {
			t.Fatalf("a new token: %d", code)
		}
	}
	bobSession := loginSession(t, base, "bob", "b0b-passw0rd")
	if code := sessionStatus(t, bobSession, base); code != 200 {
		t.Fatalf("bob's session: %d", code)
	}

	list := mustRun(t, "", "token", "list", "--moderator", "bob", "--db", db)
	ids := tokenIDRE.FindAllStringSubmatch(list, -1)
	if len(ids) != 3 || strings.Contains(list, "ann") {
		t.Fatalf("token list --moderator bob:\n%s", list)
	}
	if !strings.Contains(list, "never") || strings.Count(list, "expires") < 2 {
		t.Errorf("token list does not show expiries:\n%s", list)
	}
	if all := mustRun(t, "", "token", "list", "--db", db); len(tokenIDRE.FindAllString(all, -1)) != 4 {
		t.Errorf("token list:\n%s", all)
	}

	// Revoking the oldest of bob's tokens (bob1): 401 from the next request on.
	mustRun(t, "", "token", "revoke", ids[0][1], "--db", db)
	if code := meStatus(t, base, bob1); code != 401 {
		t.Errorf("a revoked token: %d, want 401", code)
	}
	if code := meStatus(t, base, bob2); code != 200 {
		t.Errorf("another token after a revocation: %d, want 200", code)
	}
	if out, err := runCmd(t, "", "token", "revoke", ids[0][1], "--db", db); err == nil || !strings.Contains(out+err.Error(), "No token") {
		t.Errorf("revoking twice: %v %s", err, out)
	}

	// The 1-second token expires.
	time.Sleep(1100 * time.Millisecond)
	if code := meStatus(t, base, short); code != 401 {
		t.Errorf("an expired token: %d, want 401", code)
	}

	// A password change ends bob's session and tokens, not ann's.
	mustRun(t, "n3w-b0b-passw0rd\n", "moderator", "password", "bob", "--db", db)
	if code := meStatus(t, base, bob2); code != 401 {
		t.Errorf("bob's token after his password changed: %d, want 401", code)
	}
	if code := sessionStatus(t, bobSession, base); code != 401 {
		t.Errorf("bob's session after his password changed: %d, want 401", code)
	}
	if code := meStatus(t, base, annTok); code != 200 {
		t.Errorf("ann's token after bob's password changed: %d, want 200", code)
	}

	// Moderators: listed, and limited to sites without the dashboard.
	mustRun(t, "", "moderator", "sites", "bob", "news", "--db", db)
	out := mustRun(t, "", "moderator", "list", "--db", db)
	if !regexp.MustCompile(`(?m)^ann\s+admin\s+active\s+every site$`).MatchString(out) || !regexp.MustCompile(`(?m)^bob\s+moderator\s+active\s+news$`).MatchString(out) {
		t.Errorf("moderator list:\n%s", out)
	}
	bob3 := lastLine(mustRun(t, "", "token", "create", "--moderator", "bob", "--db", db))
	if code, _ := (client{t: t, base: base, token: bob3}).call("GET", "/api/v1/admin/queue?site=blog", nil, nil); code != 403 {
		t.Errorf("bob limited to news reads blog's queue: %d, want 403", code)
	}
	mustRun(t, "", "moderator", "sites", "bob", "--db", db)
	if code, _ := (client{t: t, base: base, token: bob3}).call("GET", "/api/v1/admin/queue?site=blog", nil, nil); code != 200 {
		t.Errorf("bob on every site reads blog's queue: %d, want 200", code)
	}
	if out := mustRun(t, "", "moderator", "list", "--db", db); !regexp.MustCompile(`(?m)^bob\s+moderator\s+active\s+every site$`).MatchString(out) {
		t.Errorf("moderator list after clearing bob's sites:\n%s", out)
	}
	if out, err := runCmd(t, "", "moderator", "sites", "bob", "nosuch", "--db", db); err == nil || !strings.Contains(out+err.Error(), `"nosuch" is not a site`) {
		t.Errorf("moderator sites with an unknown site: %v %s", err, out)
	}
	if out, err := runCmd(t, "", "token", "create", "--moderator", "bob", "--expires", "soon", "--db", db); err == nil || !strings.Contains(out+err.Error(), "--expires") {
		t.Errorf("token create --expires soon: %v %s", err, out)
	}
}
