package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

func testSigner(msg []byte) []byte {
	m := hmac.New(sha256.New, []byte("key"))
	m.Write(msg)
	return m.Sum(nil)
}

func TestProofToken(t *testing.T) {
	p := Proof{Site: "news", EmailHMAC: []byte{1, 2, 3}, Expires: now.Add(comment.VerificationTTL)}
	tok := p.Token(testSigner)
	if strings.ContainsAny(tok, "+/= ") {
		t.Errorf("token %q is not URL-safe", tok)
	}
	got, err := ParseToken(tok, testSigner, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Site != "news" || string(got.EmailHMAC) != "\x01\x02\x03" {
		t.Errorf("proof = %+v", got)
	}
	t.Run("ErrExpired", func(t *testing.T) {
		_, err := ParseToken(tok, testSigner, now.Add(comment.VerificationTTL+time.Second))
		if comment.ErrorCode(err) != comment.CodeInvalid {
			t.Errorf("err = %v, want invalid", err)
		}
	})
	t.Run("ErrTampered", func(t *testing.T) {
		forged := Proof{Site: "other", EmailHMAC: []byte{1, 2, 3}, Expires: now.Add(time.Hour)}.Token(testSigner)
		body, _, _ := strings.Cut(forged, ".")
		_, sig, _ := strings.Cut(tok, ".")
		for _, bad := range []string{body + "." + sig, tok[:len(tok)-2], "", "x.y", tok + "x"} {
			if _, err := ParseToken(bad, testSigner, now); comment.ErrorCode(err) != comment.CodeNotFound {
				t.Errorf("ParseToken(%q) err = %v, want not_found", bad, err)
			}
		}
	})
	t.Run("ErrOtherKey", func(t *testing.T) {
		other := func(msg []byte) []byte { m := hmac.New(sha256.New, []byte("other")); m.Write(msg); return m.Sum(nil) }
		if _, err := ParseToken(tok, other, now); comment.ErrorCode(err) != comment.CodeNotFound {
			t.Errorf("err = %v", err)
		}
	})
}
