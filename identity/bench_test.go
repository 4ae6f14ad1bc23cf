package identity

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/parleyhq/parley/comment"
)

// The cost a sign-in token and the name check add to a submission.

func BenchmarkVerifyHS256(b *testing.B) {
	secret := []byte("a-newsroom-secret-of-32-bytes!!!")
	site := comment.Site{ID: "news"}
	site.Identity.SSO.SecretCipher = secret
	v := &Verifier{Open: plainOpen, Now: func() time.Time { return now }}
	tok := sign(&testing.T{}, jose.SigningKey{Algorithm: jose.HS256, Key: secret}, "", valid())
	b.ResetTimer()
	for b.Loop() {
		if _, err := v.Verify(context.Background(), site, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyES256Cached(b *testing.B) {
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	v := &Verifier{Now: func() time.Time { return now }}
	v.sets = map[string]*keySet{"https://keys.example/jwks": {keys: jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: ek.Public(), KeyID: "e1", Algorithm: "ES256", Use: "sig"}}}, fetched: now}}
	site := comment.Site{ID: "news"}
	site.Identity.SSO.JWKSURL = "https://keys.example/jwks"
	tok := sign(&testing.T{}, jose.SigningKey{Algorithm: jose.ES256, Key: ek}, "e1", valid())
	b.ResetTimer()
	for b.Loop() {
		if _, err := v.Verify(context.Background(), site, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSkeleton(b *testing.B) {
	for b.Loop() {
		Skeleton("Аnn Lее-Marie O'Brien")
	}
}
