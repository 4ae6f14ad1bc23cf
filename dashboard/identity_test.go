package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/parleyhq/parley/identity"
)

func TestIdentitySettings(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	admin := e.loggedIn("ann")
	const secret = "a-newsroom-secret-that-is-long-enough-WXYZ"
	form := url.Values{"csrf_token": {admin.csrf}, "verify": {"1"}, "sso_secret": {secret}, "sso_required": {"1"},
		"jwks_url": {"https://accounts.news.example/.well-known/jwks.json"}, "staff_names": {"The Editor\n Ann Lee \nThe Editor"}}
	if code, body, _ := admin.post("/admin/sites/news/identity", form, false); code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", code, body)
	}
	site, _ := e.store.Site(ctx, "news")
	id := site.Identity
	if !id.Verify || !id.SSO.Required || id.SSO.JWKSURL != "https://accounts.news.example/.well-known/jwks.json" ||
		len(id.StaffNames) != 2 || id.StaffNames[1] != "Ann Lee" || id.SSO.SecretHint != "WXYZ" {
		t.Errorf("saved identity = %+v", id)
	}
	if strings.Contains(string(id.SSO.SecretCipher), secret) {
		t.Error("the secret is stored in plain")
	}
	if got, err := e.keys.Open(identity.SealPurpose, id.SSO.SecretCipher); err != nil || string(got) != secret {
		t.Errorf("sealed secret opens to %q, %v", got, err)
	}
	_, page, _ := admin.get("/admin/sites/news")
	if strings.Contains(page, secret) || !strings.Contains(page, "WXYZ") {
		t.Error("the settings page echoes the secret, or not its hint")
	}

	// An empty secret field keeps the secret; unticked boxes switch off.
	form = url.Values{"csrf_token": {admin.csrf}, "jwks_url": {""}}
	if code, body, _ := admin.post("/admin/sites/news/identity", form, false); code != http.StatusSeeOther {
		t.Fatalf("second save: %d %s", code, body)
	}
	site, _ = e.store.Site(ctx, "news")
	if site.Identity.Verify || site.Identity.SSO.Required || len(site.Identity.SSO.SecretCipher) == 0 || site.Identity.SSO.JWKSURL != "" {
		t.Errorf("after the second save: %+v", site.Identity)
	}

	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"ErrShortSecret", url.Values{"sso_secret": {"short"}}, "sso_secret"},
		{"ErrJWKSPlainHTTP", url.Values{"jwks_url": {"http://accounts.news.example/jwks"}}, "jwks_url"},
		{"ErrJWKSNotURL", url.Values{"jwks_url": {"jwks.json"}}, "jwks_url"},
		{"ErrRequiredWithoutKeys", url.Values{"sso_required": {"1"}, "sso_secret_remove": {"1"}}, "sso_required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("csrf_token", admin.csrf)
			code, body, _ := admin.post("/admin/sites/news/identity", tc.form, false)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, "<strong>"+tc.field+"</strong>") {
				t.Errorf("%d, want 422 naming %s", code, tc.field)
			}
		})
	}
	// A moderator who is not an admin cannot change them.
	bob := e.loggedIn("bob")
	if code, _, _ := bob.post("/admin/sites/news/identity", url.Values{"csrf_token": {bob.csrf}, "verify": {"1"}}, false); code != http.StatusForbidden {
		t.Errorf("moderator saving identity settings: %d, want 403", code)
	}
}

// The queue and the comment page say which comments came from a signed-in
// subscriber, and whose email is proven.
func TestIdentityBadges(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	secret := []byte("a-newsroom-secret-that-is-long-enough-WXYZ")
	sealed, err := e.keys.Seal(identity.SealPurpose, secret)
	if err != nil {
		t.Fatal(err)
	}
	site, _ := e.store.Site(ctx, "news")
	site.Identity.SSO.SecretCipher = sealed
	if err := e.store.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret}, nil)
	tok, _ := jwt.Signed(signer).Claims(map[string]any{"sub": "acct-1001", "name": "Grace Hopper", "email": "grace@example.org",
		"aud": "news", "exp": e.clock.Now().Add(time.Minute).Unix()}).Serialize()
	raw, _ := json.Marshal(map[string]any{"site": "news", "article_url": origin + "/energy", "body": "Signed in.", "sso_token": tok})
	resp, err := http.Post(e.srv.URL+"/api/v1/comments", "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("SSO comment: %d %v", resp.StatusCode, out)
	}
	plain := e.submit("Ada", "ada@example.com", "Not signed in.")
	admin := e.loggedIn("ann")
	_, page, _ := admin.get("/admin/queue/pending")
	if !strings.Contains(page, `signed-in subscriber <bdi>acct-1001</bdi>`) || !strings.Contains(page, "email proven by sign-in") {
		t.Errorf("the queue does not mark the subscriber's comment")
	}
	if strings.Count(page, "email proven") != 1 {
		t.Errorf("the queue marks %d comments as proven, want 1", strings.Count(page, "email proven"))
	}
	_, page, _ = admin.get(fmt.Sprintf("/admin/comments/%d", plain))
	if strings.Contains(page, "signed-in subscriber") || strings.Contains(page, "email proven") {
		t.Error("a plain comment's page marks it as signed in or proven")
	}
	_, page, _ = admin.get(fmt.Sprintf("/admin/comments/%.0f", out["id"].(float64)))
	if !strings.Contains(page, "acct-1001") {
		t.Error("the subscriber's comment page does not name the account")
	}
}
