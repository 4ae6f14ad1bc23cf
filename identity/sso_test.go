package identity

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/parleyhq/parley/comment"
)

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

type reader struct {
	jwt.Claims
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

func sign(t *testing.T, key jose.SigningKey, kid string, c reader) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(key, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func valid() reader {
	return reader{Claims: jwt.Claims{Subject: "sub-1", Audience: jwt.Audience{"news"}, Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute))},
		Name: "Ann Lee", Email: "ann@example.org"}
}

// plainOpen stands in for the server's secret box: the "sealed" secret is
// the secret itself.
func plainOpen(b []byte) ([]byte, error) { return b, nil }

func wantRefused(t *testing.T, err error, reason string) {
	t.Helper()
	var e *comment.Error
	if !asErr(err, &e) || e.Code != comment.CodeUnauthorized {
		t.Fatalf("err = %v, want unauthorized", err)
	}
	if len(e.Fields) != 1 || e.Fields[0].Field != "sso_token" || !strings.Contains(e.Fields[0].Message, reason) {
		t.Fatalf("reason = %+v, want one naming %q", e.Fields, reason)
	}
}

func asErr(err error, e **comment.Error) bool {
	ce, ok := err.(*comment.Error)
	*e = ce
	return ok
}

func TestVerifyHS256(t *testing.T) {
	secret := []byte("a-newsroom-secret-of-32-bytes!!!")
	site := comment.Site{ID: "news"}
	site.Identity.SSO.SecretCipher = secret
	v := &Verifier{Open: plainOpen, Now: func() time.Time { return now }}
	key := jose.SigningKey{Algorithm: jose.HS256, Key: secret}
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		c, err := v.Verify(ctx, site, sign(t, key, "", valid()))
		if err != nil {
			t.Fatal(err)
		}
		if c.Sub != "sub-1" || c.Name != "Ann Lee" || c.Email != "ann@example.org" {
			t.Errorf("claims = %+v", c)
		}
	})
	cases := []struct {
		name   string
		token  func() string
		reason string
	}{
		{"ErrWrongSecret", func() string {
			return sign(t, jose.SigningKey{Algorithm: jose.HS256, Key: []byte("another-secret-of-thirty-2-bytes")}, "", valid())
		}, "signature does not verify"},
		{"ErrExpired", func() string {
			c := valid()
			c.Expiry = jwt.NewNumericDate(now.Add(-time.Minute))
			return sign(t, key, "", c)
		}, "expired"},
		{"ErrNoExp", func() string { c := valid(); c.Expiry = nil; return sign(t, key, "", c) }, "exp claim is missing"},
		{"ErrAudience", func() string { c := valid(); c.Audience = jwt.Audience{"other"}; return sign(t, key, "", c) }, `aud claim must be the site ID "news"`},
		{"ErrNoSub", func() string { c := valid(); c.Subject = ""; return sign(t, key, "", c) }, "sub claim is missing"},
		{"ErrNoName", func() string { c := valid(); c.Name = ""; return sign(t, key, "", c) }, "name claim is missing"},
		{"ErrNoEmail", func() string { c := valid(); c.Email = ""; return sign(t, key, "", c) }, "email claim is missing"},
		{"ErrBadEmail", func() string { c := valid(); c.Email = "Ann <ann@example.org>"; return sign(t, key, "", c) }, "email claim is not a valid address"},
		{"ErrNotYet", func() string {
			c := valid()
			c.NotBefore = jwt.NewNumericDate(now.Add(time.Hour))
			return sign(t, key, "", c)
		}, "not valid yet"},
		{"ErrGarbage", func() string { return "not.a.jwt" }, "not a signed JWT"},
		{"ErrTampered", func() string {
			tok := sign(t, key, "", valid())
			parts := strings.Split(tok, ".")
			other := strings.Split(sign(t, key, "", reader{Claims: jwt.Claims{Subject: "admin", Audience: jwt.Audience{"news"}, Expiry: jwt.NewNumericDate(now.Add(time.Hour))}, Name: "Editor", Email: "ed@example.org"}), ".")
			return parts[0] + "." + other[1] + "." + parts[2]
		}, "signature does not verify"},
		{"ErrAlgNone", func() string {
			return "eyJhbGciOiJub25lIn0." + strings.Split(sign(t, key, "", valid()), ".")[1] + "."
		}, "algorithm is not HS256, RS256 or ES256"},
		{"ErrRS256WithoutJWKS", func() string {
			rk, _ := rsa.GenerateKey(rand.Reader, 2048)
			return sign(t, jose.SigningKey{Algorithm: jose.RS256, Key: rk}, "", valid())
		}, "verifies tokens with HS256, not RS256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(ctx, site, tc.token())
			wantRefused(t, err, tc.reason)
		})
	}
	t.Run("ErrSSOOff", func(t *testing.T) {
		_, err := v.Verify(ctx, comment.Site{ID: "news"}, sign(t, key, "", valid()))
		wantRefused(t, err, "does not accept sign-in tokens")
	})
}

// jwksServer serves the public halves of keys, counting fetches.
func jwksServer(t *testing.T, keys *[]jose.JSONWebKey, fetches *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: *keys})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestVerifyJWKS(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keys := []jose.JSONWebKey{
		{Key: rk.Public(), KeyID: "rsa-1", Algorithm: "RS256", Use: "sig"},
		{Key: ek.Public(), KeyID: "ec-1", Algorithm: "ES256", Use: "sig"},
	}
	var fetches atomic.Int32
	srv := jwksServer(t, &keys, &fetches)
	site := comment.Site{ID: "news"}
	site.Identity.SSO.JWKSURL = srv.URL
	clock := now
	v := &Verifier{Now: func() time.Time { return clock }, Client: srv.Client()}
	ctx := context.Background()

	for _, tc := range []struct {
		name string
		key  jose.SigningKey
		kid  string
	}{
		{"RS256", jose.SigningKey{Algorithm: jose.RS256, Key: rk}, "rsa-1"},
		{"ES256", jose.SigningKey{Algorithm: jose.ES256, Key: ek}, "ec-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v.Verify(ctx, site, sign(t, tc.key, tc.kid, valid()))
			if err != nil {
				t.Fatal(err)
			}
			if c.Sub != "sub-1" {
				t.Errorf("sub = %q", c.Sub)
			}
		})
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("fetched the JWKS %d times for two tokens, want 1 (cached)", n)
	}

	t.Run("ErrForeignKey", func(t *testing.T) {
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		_, err := v.Verify(ctx, site, sign(t, jose.SigningKey{Algorithm: jose.ES256, Key: other}, "ec-1", valid()))
		wantRefused(t, err, "signature does not verify")
	})
	t.Run("ErrHS256ToJWKSSite", func(t *testing.T) {
		_, err := v.Verify(ctx, site, sign(t, jose.SigningKey{Algorithm: jose.HS256, Key: []byte("a-newsroom-secret-of-32-bytes!!!")}, "", valid()))
		wantRefused(t, err, "not HS256")
	})

	// The newsroom rotates to a new key: a token naming it makes Parley
	// fetch again, but not more than once per MinRefresh.
	nk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rotated := sign(t, jose.SigningKey{Algorithm: jose.ES256, Key: nk}, "ec-2", valid())
	_, err = v.Verify(ctx, site, rotated)
	wantRefused(t, err, `no key "ec-2"`)
	before := fetches.Load()
	keys = append(keys, jose.JSONWebKey{Key: nk.Public(), KeyID: "ec-2", Algorithm: "ES256", Use: "sig"})
	if _, err := v.Verify(ctx, site, rotated); err == nil {
		t.Error("a fetch within MinRefresh of the last one happened")
	}
	if fetches.Load() != before {
		t.Errorf("fetched %d more times within MinRefresh", fetches.Load()-before)
	}
	clock = clock.Add(DefaultJWKSMinRefresh + time.Second)
	if _, err := v.Verify(ctx, site, rotated); err != nil {
		t.Errorf("after rotation and MinRefresh: %v", err)
	}

	// A JWKS that cannot be fetched is 503, not a refusal of the reader.
	dead := comment.Site{ID: "news"}
	dead.Identity.SSO.JWKSURL = srv.URL + "/x"
	srv2 := httptest.NewServer(http.NotFoundHandler())
	srv2.Close()
	dead.Identity.SSO.JWKSURL = srv2.URL
	_, err = (&Verifier{Now: func() time.Time { return now }}).Verify(ctx, dead, sign(t, jose.SigningKey{Algorithm: jose.RS256, Key: rk}, "rsa-1", valid()))
	if comment.ErrorCode(err) != comment.CodeUnavailable {
		t.Errorf("unreachable JWKS: %v, want unavailable", err)
	}
}

func TestVerifyJWKSRefreshKeepsOldKeysOnFailure(t *testing.T) {
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keys := []jose.JSONWebKey{{Key: ek.Public(), KeyID: "ec-1", Algorithm: "ES256", Use: "sig"}}
	var fetches atomic.Int32
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		if down.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: keys})
	}))
	defer srv.Close()
	site := comment.Site{ID: "news"}
	site.Identity.SSO.JWKSURL = srv.URL
	clock := now
	v := &Verifier{Now: func() time.Time { return clock }}
	long := valid()
	long.Expiry = jwt.NewNumericDate(now.Add(time.Hour))
	tok := sign(t, jose.SigningKey{Algorithm: jose.ES256, Key: ek}, "ec-1", long)
	if _, err := v.Verify(context.Background(), site, tok); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	clock = clock.Add(DefaultJWKSRefresh + time.Second)
	if _, err := v.Verify(context.Background(), site, tok); err != nil {
		t.Errorf("with the JWKS down after the refresh time: %v, want the cached keys used", err)
	}
	if fetches.Load() != 2 {
		t.Errorf("fetches = %d, want 2 (a refresh was tried)", fetches.Load())
	}
}
