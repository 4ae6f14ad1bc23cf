package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	texttemplate "text/template"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/identity"
)

const ssoSecret = "newsroom-secret-of-at-least-32-bytes"

type subscriber struct {
	jwt.Claims
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

func newSubscriber(aud string, exp time.Duration) subscriber {
	return subscriber{Claims: jwt.Claims{Subject: "reader-7", Audience: jwt.Audience{aud}, Expiry: jwt.NewNumericDate(time.Now().Add(exp))},
		Name: "Grace Hopper", Email: "grace@example.org"}
}

func signToken(t testing.TB, key jose.SigningKey, kid string, claims any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(key, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// updateSite changes the test site's settings.
func (e *env) updateSite(fn func(*comment.Site)) {
	e.t.Helper()
	site, err := e.store.Site(context.Background(), "news")
	if err != nil {
		e.t.Fatal(err)
	}
	fn(&site)
	if err := e.store.UpdateSite(context.Background(), site); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) useHS256() {
	e.t.Helper()
	sealed, err := e.keys.Seal(identity.SealPurpose, []byte(ssoSecret))
	if err != nil {
		e.t.Fatal(err)
	}
	e.updateSite(func(s *comment.Site) { s.Identity.SSO.SecretCipher = sealed })
}

func ssoSubmission(token string) map[string]any {
	return map[string]any{"site": "news", "article_url": articleURL, "article_title": "Talks resume",
		"body": "Subscribers see the other side of the story.", "sso_token": token}
}

func TestSSOComment(t *testing.T) {
	e := newEnv(t)
	e.useHS256()
	hs := jose.SigningKey{Algorithm: jose.HS256, Key: []byte(ssoSecret)}
	out := e.submit(ssoSubmission(signToken(t, hs, "", newSubscriber("news", 5*time.Minute))))
	c, err := e.store.Comment(context.Background(), out.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.SSOSub != "reader-7" || c.AuthorName != "Grace Hopper" {
		t.Errorf("stored sub %q, name %q; want reader-7, Grace Hopper", c.SSOSub, c.AuthorName)
	}
	var queue struct {
		Items []httpapi.QueueItem `json:"items"`
	}
	e.admin("GET", "/api/v1/admin/queue?site=news", nil, &queue)
	if len(queue.Items) != 1 || queue.Items[0].SSOSub != "reader-7" {
		t.Errorf("queue = %+v, want the comment with its account", queue.Items)
	}
	if got, _ := e.keys.DecryptEmail(c.EmailCipher); got != "grace@example.org" {
		t.Errorf("stored email %q, want the token's", got)
	}
	who, err := e.store.Commenter(context.Background(), "news", e.keys.EmailHMAC("grace@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if !who.Verified || who.VerifiedBy != comment.VerifiedBySSO {
		t.Errorf("commenter verified %v by %q, want by sso", who.Verified, who.VerifiedBy)
	}
	// Name and email sent beside a token are the token's.
	withFields := ssoSubmission(signToken(t, hs, "", newSubscriber("news", 5*time.Minute)))
	withFields["name"], withFields["email"] = "Someone Else", "else@example.org"
	out = e.submit(withFields)
	if c, _ := e.store.Comment(context.Background(), out.ID); c.AuthorName != "Grace Hopper" {
		t.Errorf("name %q, want the token's", c.AuthorName)
	}

	refused := []struct {
		name, token, reason string
	}{
		{"ErrExpired", signToken(t, hs, "", newSubscriber("news", -time.Minute)), "expired"},
		{"ErrAudience", signToken(t, hs, "", newSubscriber("other-site", time.Minute)), "aud claim must be the site ID"},
		{"ErrWrongSecret", signToken(t, jose.SigningKey{Algorithm: jose.HS256, Key: []byte("not-the-secret-but-as-long-as-it-is")}, "", newSubscriber("news", time.Minute)), "signature does not verify"},
		{"ErrGarbage", "abc.def", "not a signed JWT"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			var p problem
			resp := e.do("POST", "/api/v1/comments", ssoSubmission(tc.token), nil, &p)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
			if len(p.Errors) != 1 || p.Errors[0].Field != "sso_token" || !strings.Contains(p.Errors[0].Message, tc.reason) {
				t.Errorf("errors %+v, want sso_token: %s", p.Errors, tc.reason)
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}

	t.Run("SiteRequiresSSO", func(t *testing.T) {
		e.updateSite(func(s *comment.Site) { s.Identity.SSO.Required = true })
		var p problem
		resp := e.do("POST", "/api/v1/comments", validSubmission(), nil, &p)
		if resp.StatusCode != http.StatusUnauthorized || len(p.Errors) != 1 || p.Errors[0].Field != "sso_token" ||
			!strings.Contains(p.Detail, "only from its signed-in subscribers") {
			t.Errorf("anonymous comment on an SSO-only site: %d %+v", resp.StatusCode, p)
		}
		e.submit(ssoSubmission(signToken(t, hs, "", newSubscriber("news", time.Minute))))
	})
}

func TestSSOWithJWKS(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: rk.Public(), KeyID: "r1", Algorithm: "RS256", Use: "sig"},
			{Key: ek.Public(), KeyID: "e1", Algorithm: "ES256", Use: "sig"},
		}})
	}))
	defer jwks.Close()
	e := newEnv(t)
	e.updateSite(func(s *comment.Site) { s.Identity.SSO.JWKSURL = jwks.URL + "/.well-known/jwks.json" })
	for _, tc := range []struct {
		name string
		key  jose.SigningKey
		kid  string
	}{
		{"RS256", jose.SigningKey{Algorithm: jose.RS256, Key: rk}, "r1"},
		{"ES256", jose.SigningKey{Algorithm: jose.ES256, Key: ek}, "e1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := newSubscriber("news", time.Minute)
			sub.Subject = "reader-" + tc.name
			out := e.submit(ssoSubmission(signToken(t, tc.key, tc.kid, sub)))
			if c, _ := e.store.Comment(context.Background(), out.ID); c.SSOSub != sub.Subject {
				t.Errorf("sub = %q", c.SSOSub)
			}
		})
	}
	t.Run("ErrUnknownKey", func(t *testing.T) {
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		var p problem
		resp := e.do("POST", "/api/v1/comments", ssoSubmission(signToken(t, jose.SigningKey{Algorithm: jose.ES256, Key: other}, "e9", newSubscriber("news", time.Minute))), nil, &p)
		if resp.StatusCode != http.StatusUnauthorized || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, `no key "e9"`) {
			t.Errorf("unknown key: %d %+v", resp.StatusCode, p.Errors)
		}
	})
}

// verifyLink finds the link of the newest "verify" email in the outbox.
func verifyLink(t *testing.T, e *env) (string, map[string]any) {
	t.Helper()
	items, err := e.store.OutboxItems(context.Background(), comment.OutboxFilter{Topic: "verify"})
	if err != nil || len(items) == 0 {
		t.Fatalf("verify emails: %v, %v", items, err)
	}
	var payload map[string]any
	if err := json.Unmarshal(items[0].Payload, &payload); err != nil {
		t.Fatal(err)
	}
	if items[0].Kind != comment.OutboxEmail || items[0].Target != "commenter" {
		t.Errorf("item kind %q target %q", items[0].Kind, items[0].Target)
	}
	return payload["verify_url"].(string), payload
}

func pendingQueue(t *testing.T, e *env) []int64 {
	t.Helper()
	var queue struct {
		Items []httpapi.QueueItem `json:"items"`
	}
	e.admin("GET", "/api/v1/admin/queue?site=news", nil, &queue)
	var ids []int64
	for _, it := range queue.Items {
		ids = append(ids, it.ID)
	}
	return ids
}

func TestVerificationHoldsAndGatesTrust(t *testing.T) {
	e := newEnv(t)
	e.updateSite(func(s *comment.Site) {
		s.Identity.Verify = true
		s.Mode = comment.ModeTrusted
	})
	ctx := context.Background()
	var first struct {
		ID                   int64  `json:"id"`
		Message              string `json:"message"`
		AwaitingVerification bool   `json:"awaiting_verification"`
		CommenterKey         string `json:"commenter_key"`
		EditToken            string `json:"edit_token"`
	}
	sub := validSubmission()
	resp := e.do("POST", "/api/v1/comments", sub, map[string]string{"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}, &first)
	if resp.StatusCode != http.StatusAccepted || !first.AwaitingVerification || first.Message != httpapi.VerifyMessage || len(first.CommenterKey) < 40 {
		t.Fatalf("first comment: %d %+v", resp.StatusCode, first)
	}
	if q := pendingQueue(t, e); len(q) != 0 {
		t.Errorf("queue holds %v before the email is proven", q)
	}
	var own struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	e.do("GET", fmt.Sprintf("/api/v1/comments/%d?token=%s", first.ID, first.EditToken), nil, nil, &own)
	if own.Status != "pending" || own.Message != httpapi.VerifyMessage {
		t.Errorf("the author sees %+v, want to be told to check their email", own)
	}
	link, payload := verifyLink(t, e)
	if payload["lang"] != "fr" || payload["article_url"] != articleURL || payload["name"] != "Ada Lovelace" {
		t.Errorf("payload = %v", payload)
	}
	raw, _ := json.Marshal(payload)
	if strings.Contains(string(raw), "ada@example.com") {
		t.Error("the outbox payload holds the plain email")
	}
	checkVerifyTemplates(t, payload)

	// A moderator trusts Ada (from her held comment) before she clicks:
	// an unproven email gets no auto-approval.
	if _, err := e.store.SetStanding(ctx, comment.StandingChange{SiteID: "news", EmailHMAC: e.keys.EmailHMAC("ada@example.com"),
		Standing: comment.StandingTrusted, CommentID: first.ID, Moderator: "ann", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	withKey := validSubmission()
	withKey["commenter_key"] = first.CommenterKey
	second := e.submit(withKey)
	if c, _ := e.store.Comment(ctx, second.ID); c.Status != comment.StatusPending || !c.AwaitingVerification {
		t.Errorf("trusted but unproven: status %s awaiting %v, want held", c.Status, c.AwaitingVerification)
	}
	if items, _ := e.store.OutboxItems(ctx, comment.OutboxFilter{Topic: "verify"}); len(items) != 1 {
		t.Errorf("%d verify emails for two held comments within a day, want 1", len(items))
	}

	// Someone else typing Ada's address is held the same way, and cannot
	// prove it: the link goes to Ada's mailbox.
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	tampered := u.Query().Get("token")
	tampered = tampered[:len(tampered)-3] + "AAA"
	resp = e.do("GET", "/api/v1/verify?token="+url.QueryEscape(tampered), nil, nil, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("tampered link: %d, want 404", resp.StatusCode)
	}

	// Ada clicks.
	resp = e.do("GET", u.RequestURI(), nil, map[string]string{"Accept-Language": "fr"}, nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "vérifiée") {
		t.Fatalf("verify: %d %s", resp.StatusCode, body)
	}
	if q := pendingQueue(t, e); len(q) != 2 || q[0] != first.ID || q[1] != second.ID {
		t.Errorf("queue after verification = %v, want both held comments", q)
	}
	var again httpapi.VerifyResult
	e.do("GET", u.RequestURI(), nil, map[string]string{"Accept": "application/json"}, &again)
	if !again.Verified || again.Released != 0 || again.Site != "news" {
		t.Errorf("second click = %+v", again)
	}
	// Now proven and trusted: published at once, from the browser that
	// holds the key.
	// (Another text: the same one again would be held as a repeat.)
	withKey["body"] = "Now that my address is proven, a second thought on the hotline."
	third := e.submit(withKey)
	if c, _ := e.store.Comment(ctx, third.ID); c.Status != comment.StatusApproved || c.AwaitingVerification {
		t.Errorf("trusted and proven: status %s (holds %+v), want approved", c.Status, c.Holds)
	}
	// Someone else typing Ada's address (no key, or a made-up one) is not
	// auto-approved: held again, and the link goes to Ada's mailbox.
	// Her address in another case and with spaces (the same mailbox to
	// Parley) under another name is held too.
	for i, key := range []string{"", "bWFkZS11cC1rZXktdGhhdC1sb29rcy1yZWFsLWVub3VnaA", ""} {
		impostor := validSubmission()
		if key != "" {
			impostor["commenter_key"] = key
		}
		if i == 2 {
			impostor["email"], impostor["name"] = "  ADA@Example.COM ", "Not Ada"
			impostor["body"] = "Typed in capitals, under another name."
		}
		out := e.submit(impostor)
		if c, _ := e.store.Comment(ctx, out.ID); c.Status != comment.StatusPending || !c.AwaitingVerification {
			t.Errorf("Ada's address typed as %q with key %q: status %s, awaiting %v; want held", impostor["email"], key, c.Status, c.AwaitingVerification)
		}
	}
	bad := validSubmission()
	bad["commenter_key"] = "not a key!"
	var p problem
	if resp := e.do("POST", "/api/v1/comments", bad, nil, &p); resp.StatusCode != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "commenter_key" {
		t.Errorf("malformed key: %d %+v", resp.StatusCode, p.Errors)
	}
}

func TestVerifyLinkErrors(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		query, accept string
		status        int
	}{
		{"", "application/json", http.StatusUnprocessableEntity},
		{"?token=nonsense", "application/json", http.StatusNotFound},
		{"?token=nonsense", "text/html", http.StatusNotFound},
	} {
		resp := e.do("GET", "/api/v1/verify"+tc.query, nil, map[string]string{"Accept": tc.accept}, nil)
		if resp.StatusCode != tc.status {
			t.Errorf("GET /api/v1/verify%s (%s): %d, want %d", tc.query, tc.accept, resp.StatusCode, tc.status)
		}
	}
}

func TestLookAlikeNames(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	e := newEnv(t, func(c *httpapi.Config) { c.Now = now })
	ctx := context.Background()
	ann := validSubmission()
	ann["name"], ann["email"] = "Ann Lee", "ann@example.org"
	out := e.submit(ann)
	if _, err := e.store.SetStanding(ctx, comment.StandingChange{SiteID: "news", EmailHMAC: e.keys.EmailHMAC("ann@example.org"),
		Standing: comment.StandingTrusted, CommentID: out.ID, Moderator: "ann", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// The names read before the trust are reused for NameCacheTTL.
	early := validSubmission()
	early["name"], early["email"] = "Ann Lee", "early@example.org"
	e.submit(early)
	clock.Add(int64(httpapi.NameCacheTTL))
	e.updateSite(func(s *comment.Site) { s.Identity.StaffNames = []string{"The Editor"} })
	for _, tc := range []struct {
		name, email string
		ok          bool
	}{
		{"Ann Lee", "ann@example.org", true},   // her own
		{"ANN LEE", "ANN@example.org", true},   // her own, in capitals
		{"Аnn Lее", "eve@example.org", false},  // Cyrillic А and е
		{"Ann  Lee", "eve@example.org", false}, // extra space
		{"Ann Le\u200be", "eve@example.org", false},
		{"Anna Lee", "eve@example.org", true},
		{"The Edit0r", "eve@example.org", false}, // staff
		{"Editor", "eve@example.org", true},
	} {
		sub := validSubmission()
		sub["name"], sub["email"] = tc.name, tc.email
		var p problem
		resp := e.do("POST", "/api/v1/comments", sub, nil, nil)
		if resp.StatusCode != http.StatusAccepted {
			json.NewDecoder(resp.Body).Decode(&p)
		}
		if tc.ok && resp.StatusCode != http.StatusAccepted {
			t.Errorf("%q from %s: %d %+v, want accepted", tc.name, tc.email, resp.StatusCode, p)
		}
		if !tc.ok && (resp.StatusCode != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "name") {
			t.Errorf("%q from %s: %d %+v, want 422 naming name", tc.name, tc.email, resp.StatusCode, p)
		}
	}
	// The newsroom may sign a staff name into a subscriber's token.
	e.useHS256()
	staff := newSubscriber("news", time.Minute)
	staff.Name, staff.Email = "The Editor", "editor@news.example"
	e.submit(ssoSubmission(signToken(t, jose.SigningKey{Algorithm: jose.HS256, Key: []byte(ssoSecret)}, "", staff)))
}

// checkVerifyTemplates renders the verify email of each language and
// format with an outbox payload (plus the "site" the sender adds), as the
// mail sender does: each must carry the link and say when it expires.
func checkVerifyTemplates(t *testing.T, payload map[string]any) {
	t.Helper()
	data := map[string]any{"site": "news", "unsubscribe_url": ""}
	for k, v := range payload {
		data[k] = v
	}
	subjects := map[string]string{"en": "Subject: Confirm your email", "fr": "Subject: Confirmez votre adresse"}
	for _, lang := range []string{"en", "fr"} {
		for _, ext := range []string{"txt", "html"} {
			name := "../mail/templates/verify." + lang + "." + ext
			raw, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if ext == "txt" {
				err = texttemplate.Must(texttemplate.New(name).Option("missingkey=error").Parse(string(raw))).Execute(&out, data)
			} else {
				err = htmltemplate.Must(htmltemplate.New(name).Option("missingkey=error").Parse(string(raw))).Execute(&out, data)
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got := out.String()
			if !strings.Contains(got, payload["verify_url"].(string)) || !strings.Contains(got, payload["expires_text"].(string)) {
				t.Errorf("%s lacks the link or its expiry:\n%s", name, got)
			}
			if ext == "txt" && (!strings.HasPrefix(got, subjects[lang]) || !strings.Contains(got, "\n\n")) {
				t.Errorf("%s does not start with its subject and a blank line:\n%s", name, got)
			}
		}
	}
}
