package dashboard_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// apiStatus calls /api/v1/admin/me with a bearer token.
func (e *env) apiStatus(token string) int {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/admin/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var newTokenRE = regexp.MustCompile(`<code id="new-token">([^<]+)</code>`)
var tokenRowRE = regexp.MustCompile(`action="/admin/tokens/([0-9a-f]{12})/revoke"`)

// TestDashboardCredentials: a password reset from the dashboard ends the
// account's sessions and tokens (but the admin's own session when they
// reset their own), tokens are created with an expiry, listed and revoked
// there, and enabling a disabled account revives none of its tokens.
func TestDashboardCredentials(t *testing.T) {
	e := newEnv(t, false)
	ann, ann2, bob := e.loggedIn("ann"), e.loggedIn("ann"), e.loggedIn("bob")

	// Ann makes bob a token that expires in 30 days, shown once.
	code, page, _ := ann.post("/admin/tokens", url.Values{"csrf_token": {ann.csrf}, "moderator": {"bob"}, "expires": {"720h"}}, false)
	m := newTokenRE.FindStringSubmatch(page)
	if code != http.StatusCreated || m == nil {
		t.Fatalf("create token: %d\n%s", code, page)
	}
	bobTok := m[1]
	if got := e.apiStatus(bobTok); got != 200 {
		t.Fatalf("bob's new token: %d", got)
	}
	if code, _, _ := ann.post("/admin/tokens", url.Values{"csrf_token": {ann.csrf}, "moderator": {"bob"}, "expires": {"forever"}}, false); code != 422 {
		t.Errorf("create token with a bad expiry: %d, want 422", code)
	}
	_, page, _ = ann.get("/admin/moderators")
	ids := tokenRowRE.FindAllStringSubmatch(page, -1)
	if len(ids) != 2 || !strings.Contains(page, "expires "+e.clock.Now().Add(720*time.Hour).UTC().Format("2 Jan 2006")) {
		t.Fatalf("moderators page lists %d tokens (want ann's and bob's, with bob's expiry):\n%s", len(ids), page)
	}
	// The token expires by the server's clock.
	e.clock.Add(721 * time.Hour)
	if got := e.apiStatus(bobTok); got != 401 {
		t.Errorf("bob's token 721 hours later: %d, want 401", got)
	}
	e.clock.Add(-721 * time.Hour)

	// Revoking from the page.
	var bobID string
	for _, id := range ids {
		if strings.Contains(page, `data-token="`+id[1]+`" data-moderator="bob"`) {
			bobID = id[1]
		}
	}
	if bobID == "" {
		t.Fatalf("no row for bob's token:\n%s", page)
	}
	if code, _, _ := ann.post("/admin/tokens/"+bobID+"/revoke", url.Values{"csrf_token": {ann.csrf}}, false); code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", code)
	}
	if got := e.apiStatus(bobTok); got != 401 {
		t.Errorf("a revoked token: %d, want 401", got)
	}
	if code, _, _ := ann.post("/admin/tokens/"+bobID+"/revoke", url.Values{"csrf_token": {ann.csrf}}, false); code != 404 {
		t.Errorf("revoking twice: %d, want 404", code)
	}
	if code, _, _ := bob.post("/admin/tokens", url.Values{"csrf_token": {bob.csrf}, "moderator": {"bob"}}, false); code != 403 {
		t.Errorf("a moderator making tokens: %d, want 403", code)
	}

	// Resetting bob's password ends bob's session.
	if code, _, _ := ann.post("/admin/moderators/bob/password", url.Values{"csrf_token": {ann.csrf}, "password": {"a-new-password"}}, false); code != http.StatusSeeOther {
		t.Fatalf("reset bob's password: %d", code)
	}
	if code, _, _ := bob.get("/admin/queue/pending"); code != http.StatusSeeOther {
		t.Errorf("bob's session after the reset: %d, want a redirect to the login", code)
	}
	// Ann resets her own: this session stays, her other session and her token end.
	if code, _, _ := ann.post("/admin/moderators/ann/password", url.Values{"csrf_token": {ann.csrf}, "password": {"ann-new-password"}}, false); code != http.StatusSeeOther {
		t.Fatalf("reset ann's password: %d", code)
	}
	if code, _, _ := ann.get("/admin/moderators"); code != 200 {
		t.Errorf("the session that changed the password: %d, want 200", code)
	}
	if code, _, _ := ann2.get("/admin/queue/pending"); code != http.StatusSeeOther {
		t.Errorf("ann's other session: %d, want a redirect to the login", code)
	}
	if got := e.apiStatus(e.token); got != 401 {
		t.Errorf("ann's token after her password changed: %d, want 401", got)
	}

	// Disable and enable bob: his token stays dead.
	code, page, _ = ann.post("/admin/tokens", url.Values{"csrf_token": {ann.csrf}, "moderator": {"bob"}, "expires": {""}}, false)
	if m = newTokenRE.FindStringSubmatch(page); code != http.StatusCreated || m == nil {
		t.Fatalf("create token: %d", code)
	}
	for _, action := range []string{"disable", "enable"} {
		if code, _, _ := ann.post("/admin/moderators/bob/"+action, url.Values{"csrf_token": {ann.csrf}}, false); code != http.StatusSeeOther {
			t.Fatalf("%s bob: %d", action, code)
		}
	}
	if got := e.apiStatus(m[1]); got != 401 {
		t.Errorf("bob's token after disable and enable: %d, want 401", got)
	}
}

// TestDashboardLoginChecksOrigin: the login form refuses a post that the
// browser says came from another origin, even with a valid double-submit
// token (a same-site page can plant that cookie).
func TestDashboardLoginChecksOrigin(t *testing.T) {
	e := newEnv(t, false)
	for _, tt := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"OKSameOrigin", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "SELF"}, http.StatusSeeOther},
		{"ErrSameSite", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"ErrOtherOrigin", map[string]string{"Origin": "https://www.news.example"}, http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser()
			_, page, _ := b.get("/admin/login")
			m := csrfRE.FindStringSubmatch(page)
			form := url.Values{"csrf_token": {m[1]}, "name": {"ann"}, "password": {"ann-password"}, "next": {"/admin/queue/pending"}}
			req, _ := http.NewRequest("POST", e.srv.URL+"/admin/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.header {
				if v == "SELF" {
					v = e.srv.URL
				}
				req.Header.Set(k, v)
			}
			resp, err := b.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("login: %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

// TestFormBodyLimit: a dashboard form body over 1 MiB is refused with 413,
// also when the CSRF token comes in the header (no form parse needed for it),
// and the JSON API takes its CSRF token from the header only, without
// reading a form.
func TestFormBodyLimit(t *testing.T) {
	e := newEnv(t, false)
	id := e.submit("Ada", "ada@example.com", "A hotline is a start.")
	bob := e.loggedIn("bob")
	big := url.Values{"reason": {"spam"}, "note": {"x"}, "pad": {strings.Repeat("a", 2<<20)}}
	if code, _, _ := bob.post(fmt.Sprintf("/admin/comments/%d/reject", id), big, true); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MiB form with the CSRF header: %d, want 413", code)
	}
	// The API: a session request carrying its CSRF token only in a form body is refused.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/admin/logout", strings.NewReader(url.Values{"csrf_token": {bob.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := bob.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("API logout with the CSRF token in a form: %d, want 403", resp.StatusCode)
	}
}

// TestLoginPageLoggedOut: the login page shows no logged-in header.
func TestLoginPageLoggedOut(t *testing.T) {
	e := newEnv(t, false)
	_, page, _ := e.browser().get("/admin/login")
	for _, bad := range []string{"Log out", "()", `class="top"`, "data-csrf"} {
		if strings.Contains(page, bad) {
			t.Errorf("the login page shows %q while logged out", bad)
		}
	}
}
