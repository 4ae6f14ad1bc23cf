// Package identity proves who a commenter is: sign-in tokens that a
// newsroom signs for its subscribers (SSO, JWT with HS256, RS256 or
// ES256), the signed links that prove an email, and the folding of names
// by which look-alikes of a protected name are caught.
package identity

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/parleyhq/parley/comment"
)

// SealPurpose is the purpose under which a site's HS256 secret is sealed
// with the server's key (secret.Keyring.Seal).
const SealPurpose = "sso-hs256"

// Claims are what a valid sign-in token says about the reader.
type Claims struct {
	Sub   string
	Name  string
	Email string
	// Expiry is the token's exp.
	Expiry time.Time
}

// Defaults of a Verifier.
const (
	// DefaultJWKSRefresh is how long fetched keys are used before they are
	// fetched again.
	DefaultJWKSRefresh = 10 * time.Minute
	// DefaultJWKSMinRefresh is the least time between two fetches of one
	// URL when a token names a key the cached set lacks (a key rotation).
	DefaultJWKSMinRefresh = 30 * time.Second
	// Leeway is the clock skew tolerated on exp and nbf.
	Leeway = 30 * time.Second
	// MaxTokenBytes bounds a token.
	MaxTokenBytes = 8 << 10
	maxJWKSBytes  = 1 << 20
	// MaxNameRunes bounds the name claim, as the form bounds its field.
	MaxNameRunes = 80
)

// Verifier checks sign-in tokens against a site's SSO settings.
type Verifier struct {
	// Open decrypts a site's sealed HS256 secret.
	Open func(sealed []byte) ([]byte, error)
	// Client fetches JWKS; default one with a 5-second timeout.
	Client *http.Client
	// Now is the clock.
	Now func() time.Time
	// Refresh and MinRefresh: see DefaultJWKSRefresh, DefaultJWKSMinRefresh.
	Refresh, MinRefresh time.Duration

	mu   sync.Mutex
	sets map[string]*keySet
}

type keySet struct {
	mu      sync.Mutex
	keys    jose.JSONWebKeySet
	fetched time.Time // last successful fetch
	tried   time.Time // last attempt
}

// Refused is the 401 a refused token gets: reason says what is wrong.
func Refused(reason string) error {
	return &comment.Error{Code: comment.CodeUnauthorized, Message: "The sign-in token was refused: " + reason + ".",
		Fields: []comment.FieldError{{Field: "sso_token", Message: reason}}}
}

var allAlgs = []jose.SignatureAlgorithm{jose.HS256, jose.RS256, jose.ES256}

type tokenClaims struct {
	jwt.Claims
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Verify checks a token for a site: its signature (HS256 under the site's
// secret, or RS256/ES256 under a key of the site's JWKS), exp (required),
// nbf, aud (must include the site ID), and that sub, name and email are
// present and well formed. Every refusal is CodeUnauthorized naming the
// reason (field sso_token).
func (v *Verifier) Verify(ctx context.Context, site comment.Site, token string) (Claims, error) {
	sso := site.Identity.SSO
	if !sso.Enabled() {
		return Claims{}, Refused("this site does not accept sign-in tokens")
	}
	if len(token) > MaxTokenBytes {
		return Claims{}, Refused(fmt.Sprintf("the token is longer than %d bytes", MaxTokenBytes))
	}
	tok, err := jwt.ParseSigned(strings.TrimSpace(token), allAlgs)
	if err != nil {
		if strings.Contains(err.Error(), "unexpected signature algorithm") {
			return Claims{}, Refused("the token's algorithm is not HS256, RS256 or ES256")
		}
		return Claims{}, Refused("the token is not a signed JWT")
	}
	if len(tok.Headers) != 1 {
		return Claims{}, Refused("the token must carry exactly one signature")
	}
	h := tok.Headers[0]
	var key any
	switch jose.SignatureAlgorithm(h.Algorithm) {
	case jose.HS256:
		if len(sso.SecretCipher) == 0 {
			return Claims{}, Refused("this site verifies tokens with its JWKS (RS256 or ES256), not HS256")
		}
		secret, err := v.Open(sso.SecretCipher)
		if err != nil {
			return Claims{}, fmt.Errorf("opening the SSO secret of site %s: %w", site.ID, err)
		}
		key = secret
	default:
		if sso.JWKSURL == "" {
			return Claims{}, Refused("this site verifies tokens with HS256, not " + h.Algorithm)
		}
		k, err := v.jwksKey(ctx, sso.JWKSURL, h.KeyID, h.Algorithm)
		if err != nil {
			return Claims{}, err
		}
		key = k
	}
	var c tokenClaims
	if err := tok.Claims(key, &c); err != nil {
		return Claims{}, Refused("the signature does not verify")
	}
	if c.Expiry == nil {
		return Claims{}, Refused("the exp claim is missing")
	}
	now := v.now()
	if err := c.ValidateWithLeeway(jwt.Expected{AnyAudience: jwt.Audience{site.ID}, Time: now}, Leeway); err != nil {
		switch {
		case errors.Is(err, jwt.ErrExpired):
			return Claims{}, Refused("the token expired at " + c.Expiry.Time().UTC().Format(time.RFC3339))
		case errors.Is(err, jwt.ErrInvalidAudience):
			return Claims{}, Refused(fmt.Sprintf("the aud claim must be the site ID %q", site.ID))
		case errors.Is(err, jwt.ErrNotValidYet):
			return Claims{}, Refused("the token is not valid yet (nbf)")
		case errors.Is(err, jwt.ErrIssuedInTheFuture):
			return Claims{}, Refused("the token was issued in the future (iat)")
		}
		return Claims{}, Refused("the token's claims are not valid")
	}
	out := Claims{Sub: c.Subject, Name: strings.TrimSpace(c.Name), Email: strings.TrimSpace(c.Email), Expiry: c.Expiry.Time()}
	switch {
	case out.Sub == "":
		return Claims{}, Refused("the sub claim is missing")
	case len(out.Sub) > 255:
		return Claims{}, Refused("the sub claim is longer than 255 bytes")
	case out.Name == "":
		return Claims{}, Refused("the name claim is missing")
	case utf8.RuneCountInString(out.Name) > MaxNameRunes:
		return Claims{}, Refused(fmt.Sprintf("the name claim is longer than %d characters", MaxNameRunes))
	case strings.IndexFunc(out.Name, func(r rune) bool {
		return unicode.IsControl(r) || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
	}) >= 0:
		return Claims{}, Refused("the name claim holds control characters")
	case out.Email == "":
		return Claims{}, Refused("the email claim is missing")
	}
	if a, err := mail.ParseAddress(out.Email); err != nil || a.Address != out.Email || len(out.Email) > 254 {
		return Claims{}, Refused("the email claim is not a valid address")
	}
	return out, nil
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// jwksKey returns the key a token names from the site's JWKS, fetching the
// set when it is older than Refresh, or when the key is missing and the
// last fetch is older than MinRefresh (the newsroom rotated its keys).
func (v *Verifier) jwksKey(ctx context.Context, url, kid, alg string) (any, error) {
	v.mu.Lock()
	if v.sets == nil {
		v.sets = map[string]*keySet{}
	}
	ks := v.sets[url]
	if ks == nil {
		ks = &keySet{}
		v.sets[url] = ks
	}
	v.mu.Unlock()

	refresh, minRefresh := v.Refresh, v.MinRefresh
	if refresh <= 0 {
		refresh = DefaultJWKSRefresh
	}
	if minRefresh <= 0 {
		minRefresh = DefaultJWKSMinRefresh
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	now := v.now()
	var fetchErr error
	if ks.fetched.IsZero() || now.Sub(ks.fetched) >= refresh {
		fetchErr = v.fetch(ctx, url, ks, now)
	}
	if k, ok := pick(ks.keys, kid, alg); ok {
		return k, nil
	}
	if fetchErr == nil && now.Sub(ks.tried) >= minRefresh {
		fetchErr = v.fetch(ctx, url, ks, now)
		if k, ok := pick(ks.keys, kid, alg); ok {
			return k, nil
		}
	}
	if fetchErr != nil && len(ks.keys.Keys) == 0 {
		return nil, &comment.Error{Code: comment.CodeUnavailable, Message: "The site's sign-in keys (JWKS) could not be fetched: " + fetchErr.Error()}
	}
	if kid == "" {
		return nil, Refused("no key of the site's JWKS fits the token's " + alg + " signature")
	}
	return nil, Refused(fmt.Sprintf("the site's JWKS has no key %q for %s", kid, alg))
}

// fetch replaces the cached keys with the set at url; on failure the old
// keys stay in use.
func (v *Verifier) fetch(ctx context.Context, url string, ks *keySet, now time.Time) error {
	ks.tried = now
	client := v.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return err
	}
	if len(raw) > maxJWKSBytes {
		return fmt.Errorf("GET %s: the key set is larger than %d bytes", url, maxJWKSBytes)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return fmt.Errorf("GET %s: not a JSON Web Key Set: %w", url, err)
	}
	ks.keys, ks.fetched = set, now
	return nil
}

// pick finds the public key for a token: by kid when the token names one,
// else the only key usable for its algorithm.
func pick(set jose.JSONWebKeySet, kid, alg string) (any, bool) {
	var found []jose.JSONWebKey
	for _, k := range set.Keys {
		if kid != "" && k.KeyID != kid {
			continue
		}
		if k.Algorithm != "" && k.Algorithm != alg {
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if !k.IsPublic() || !k.Valid() {
			continue
		}
		switch k.Key.(type) {
		case *rsa.PublicKey:
			if alg != string(jose.RS256) {
				continue
			}
		case *ecdsa.PublicKey:
			if alg != string(jose.ES256) {
				continue
			}
		default:
			continue
		}
		found = append(found, k)
	}
	if len(found) != 1 {
		return nil, false
	}
	return found[0].Key, true
}
