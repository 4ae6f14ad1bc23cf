package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/store/sqlite"
)

// readerClaims are what a newsroom puts in a sign-in token.
type readerClaims struct {
	jwt.Claims
	Name  string `json:"name"`
	Email string `json:"email"`
}

func newsroomToken(t *testing.T, key jose.SigningKey, kid, site, sub, name, email string, ttl time.Duration) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(key, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(readerClaims{
		Claims: jwt.Claims{Subject: sub, Audience: jwt.Audience{site}, Expiry: jwt.NewNumericDate(time.Now().Add(ttl))},
		Name:   name, Email: email,
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// identitySetup makes a database with site news, an admin token, and the
// given `site identity` flags; it returns the db path and the token.
func identitySetup(t *testing.T, identityFlags ...string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "migrate", "--db", db)
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	mustRun(t, "s3cret-passw0rd\n", "moderator", "add", "ann", "--role", "admin", "--db", db)
	lines := strings.Split(strings.TrimSpace(mustRun(t, "", "token", "create", "--moderator", "ann", "--db", db)), "\n")
	if len(identityFlags) > 0 {
		mustRun(t, "", append([]string{"site", "identity", "news", "--db", db}, identityFlags...)...)
	}
	return db, lines[len(lines)-1]
}

// SSO comments through the real program: the CLI sets the site's secret
// and requires sign-in; a subscriber comments with a token the test signs
// (HS256), then, after the newsroom moves to a JWKS, with ES256.
func TestSSOCommentsEndToEnd(t *testing.T) {
	const hsSecret = "the-newsroom-hs256-secret-0123456789"
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "sso-secret")
	os.WriteFile(secretFile, []byte(hsSecret+"\n"), 0o600)
	db, token := identitySetup(t)
	out := mustRun(t, "", "site", "identity", "news", "--sso-secret-file", secretFile, "--require-sso", "on", "--db", db)
	if strings.Contains(out, hsSecret) || !strings.Contains(out, "ending in 6789") || !strings.Contains(out, "sso required on") {
		t.Errorf("site identity printed %q", out)
	}
	if _, err := runCmd(t, "", "site", "identity", "news", "--sso-secret-file", filepath.Join(dir, "missing"), "--db", db); err == nil {
		t.Error("a missing secret file was accepted")
	}

	base, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn")
	c := client{t: t, base: base, token: token}
	article := "https://news.example/world/talks"
	post := func(extra map[string]any) (int, map[string]any) {
		body := map[string]any{"site": "news", "article_url": article, "article_title": "Talks", "body": "Subscribers have a view too."}
		for k, v := range extra {
			body[k] = v
		}
		return c.call("POST", "/api/v1/comments", body, nil)
	}
	hs := jose.SigningKey{Algorithm: jose.HS256, Key: []byte(hsSecret)}

	if code, body := post(map[string]any{"name": "Anon", "email": "anon@example.com"}); code != 401 || !strings.Contains(fmt.Sprint(body["detail"]), "signed-in subscribers") {
		t.Errorf("anonymous comment on an SSO-only site: %d %v", code, body)
	}
	code, body := post(map[string]any{"sso_token": newsroomToken(t, hs, "", "news", "acct-1001", "Grace Hopper", "grace@example.org", 5*time.Minute)})
	if code != 202 {
		t.Fatalf("SSO comment: %d %v", code, body)
	}
	id := body["id"].(float64)
	for _, bad := range []struct{ token, reason string }{
		{newsroomToken(t, hs, "", "news", "acct-1001", "Grace Hopper", "grace@example.org", -time.Minute), "expired"},
		{newsroomToken(t, hs, "", "blog", "acct-1001", "Grace Hopper", "grace@example.org", time.Minute), "aud claim"},
		{newsroomToken(t, jose.SigningKey{Algorithm: jose.HS256, Key: []byte("another-secret-of-the-same-length!!")}, "", "news", "acct-1001", "Grace", "grace@example.org", time.Minute), "signature"},
	} {
		code, body := post(map[string]any{"sso_token": bad.token})
		errs, _ := body["errors"].([]any)
		if code != 401 || len(errs) != 1 || !strings.Contains(fmt.Sprint(errs[0]), bad.reason) {
			t.Errorf("bad token (%s): %d %v", bad.reason, code, body)
		}
	}
	if code, body := c.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", id), nil, nil); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	_, th := c.call("GET", "/api/v1/threads?site=news&url="+url.QueryEscape(article), nil, nil)
	if raw, _ := json.Marshal(th); !strings.Contains(string(raw), "Grace Hopper") || strings.Contains(string(raw), "grace@example.org") {
		t.Errorf("thread %s: want the token's name and no email", raw)
	}

	// The newsroom moves to ES256 keys published at a JWKS URL.
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: ek.Public(), KeyID: "2026-11", Algorithm: "ES256", Use: "sig"}}})
	}))
	defer jwks.Close()
	mustRun(t, "", "site", "identity", "news", "--jwks-url", jwks.URL+"/jwks.json", "--sso-secret-file", "none", "--db", db)
	es := jose.SigningKey{Algorithm: jose.ES256, Key: ek}
	code, body = post(map[string]any{"sso_token": newsroomToken(t, es, "2026-11", "news", "acct-2002", "Alan Turing", "alan@example.org", 5*time.Minute)})
	if code != 202 {
		t.Fatalf("ES256 comment: %d %v", code, body)
	}
	if code, body := post(map[string]any{"sso_token": newsroomToken(t, hs, "", "news", "acct-1001", "Grace Hopper", "grace@example.org", time.Minute)}); code != 401 {
		t.Errorf("HS256 token after the secret was removed: %d %v", code, body)
	}

	// What the database keeps: the account, the proven email, no address.
	store, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	got, err := store.Comment(context.Background(), int64(body["id"].(float64)))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secret.LoadOrCreate(filepath.Join(filepath.Dir(db), "parley.key"))
	if err != nil {
		t.Fatal(err)
	}
	who, _ := store.Commenter(context.Background(), "news", keys.EmailHMAC("alan@example.org"))
	if got.SSOSub != "acct-2002" || got.AuthorName != "Alan Turing" || !who.Verified || who.VerifiedBy != comment.VerifiedBySSO {
		t.Errorf("stored sub %q name %q, commenter verified %v by %q", got.SSOSub, got.AuthorName, who.Verified, who.VerifiedBy)
	}
}

// Verification gating trust through the real program: a site that
// verifies emails and auto-approves trusted commenters holds a new
// commenter's comment out of the queue with an email in the outbox; the
// commenter is trusted but stays reviewed until the link is clicked; after
// it, their browser's comments publish at once, and someone typing their
// address is held.
func TestVerificationGatesTrustEndToEnd(t *testing.T) {
	db, token := identitySetup(t, "--verify", "on")
	ctx := context.Background()
	{
		store, err := sqlite.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		site, _ := store.Site(ctx, "news")
		site.Mode = comment.ModeTrusted
		if err := store.UpdateSite(ctx, site); err != nil {
			t.Fatal(err)
		}
		store.Close()
	}
	base, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn")
	c := client{t: t, base: base, token: token}
	article := "https://news.example/world/talks"
	// Each comment says something new: the same text again would be held
	// by the repeat rule, whoever wrote it.
	sent := 0
	post := func(key string) map[string]any {
		t.Helper()
		sent++
		text := fmt.Sprintf("The hotline is a start, thought number %d: %s.", sent, strings.Repeat("and more ", sent))
		body := map[string]any{"site": "news", "article_url": article, "name": "Ada", "email": "ada@example.com", "body": text}
		if key != "" {
			body["commenter_key"] = key
		}
		code, out := c.call("POST", "/api/v1/comments", body, nil)
		if code != 202 {
			t.Fatalf("submit: %d %v", code, out)
		}
		return out
	}
	queue := func() int {
		t.Helper()
		_, q := c.call("GET", "/api/v1/admin/queue?site=news", nil, nil)
		items, _ := q["items"].([]any)
		return len(items)
	}
	first := post("")
	key, _ := first["commenter_key"].(string)
	if first["awaiting_verification"] != true || key == "" {
		t.Fatalf("first comment: %v", first)
	}
	if n := queue(); n != 0 {
		t.Errorf("queue holds %d comments before the email is proven", n)
	}
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	items, err := store.OutboxItems(ctx, comment.OutboxFilter{Topic: "verify"})
	if err != nil || len(items) != 1 {
		t.Fatalf("verify emails in the outbox: %v %v", items, err)
	}
	var mail map[string]any
	json.Unmarshal(items[0].Payload, &mail)
	link, _ := mail["verify_url"].(string)
	if !strings.HasPrefix(link, base+"/api/v1/verify?token=") || items[0].Target != "commenter" || items[0].CommentID != int64(first["id"].(float64)) {
		t.Fatalf("verify email: target %q comment %d payload %v", items[0].Target, items[0].CommentID, mail)
	}
	// A moderator trusts Ada before she clicks: still reviewed.
	keys, err := secret.LoadOrCreate(filepath.Join(filepath.Dir(db), "parley.key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.SetStanding(ctx, comment.StandingChange{SiteID: "news", EmailHMAC: keys.EmailHMAC("ada@example.com"), Standing: comment.StandingTrusted,
		CommentID: int64(first["id"].(float64)), Moderator: "ann", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if second := post(key); second["awaiting_verification"] != true {
		t.Errorf("trusted, unproven: %v, want held", second)
	}
	// Ada clicks the link.
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("verify link: %d", resp.StatusCode)
	}
	if n := queue(); n != 2 {
		t.Errorf("queue after the click = %d, want the 2 held comments", n)
	}
	third := post(key)
	if third["awaiting_verification"] == true {
		t.Fatalf("proven and trusted, still held: %v", third)
	}
	if ids := c.threadIDs("news", article); len(ids) != 1 || ids[0] != third["id"].(float64) {
		t.Errorf("thread = %v, want the trusted, proven comment published at once", ids)
	}
	if impostor := post(""); impostor["awaiting_verification"] != true {
		t.Errorf("Ada's address typed without her key: %v, want held", impostor)
	}
	if ids := c.threadIDs("news", article); len(ids) != 1 {
		t.Errorf("thread = %v after the impostor", ids)
	}
}
