package identity

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
)

// LinkPurpose is the purpose under which verification links are signed
// (secret.Keyring.Sign).
const LinkPurpose = "verify-email"

// Proof is what a verification link proves once clicked: that the reader
// holds the email whose keyed hash is EmailHMAC, on Site, and that the
// browser holding the commenter key whose hash is KeyHash is theirs.
type Proof struct {
	Site      string    `json:"s"`
	EmailHMAC []byte    `json:"h"`
	KeyHash   []byte    `json:"k,omitempty"`
	Expires   time.Time `json:"e"`
}

// Signer signs and checks link payloads (secret.Keyring.Sign bound to
// LinkPurpose).
type Signer func(msg []byte) []byte

// Token encodes and signs a proof: base64url(JSON).base64url(signature).
// It carries no email, only its keyed hash.
func (p Proof) Token(sign Signer) string {
	p.Expires = p.Expires.UTC().Truncate(time.Second)
	raw, _ := json.Marshal(p)
	body := base64.RawURLEncoding.EncodeToString(raw)
	return body + "." + base64.RawURLEncoding.EncodeToString(sign([]byte(body)))
}

// errLink is the refusal of a link that is not one Parley signed.
var errLink = &comment.Error{Code: comment.CodeNotFound, Message: "This verification link is not valid: it may have been cut short when copied.",
	Fields: []comment.FieldError{{Field: "token", Message: "is not a valid verification link"}}}

// ParseToken checks a link's signature and expiry. An altered or
// truncated token is CodeNotFound (field token); an expired one
// CodeInvalid (field token), so the reader is told to comment again.
func ParseToken(token string, sign Signer, now time.Time) (Proof, error) {
	body, sig, ok := strings.Cut(token, ".")
	if !ok {
		return Proof{}, errLink
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, sign([]byte(body))) {
		return Proof{}, errLink
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return Proof{}, errLink
	}
	var p Proof
	if err := json.Unmarshal(raw, &p); err != nil || p.Site == "" || len(p.EmailHMAC) == 0 {
		return Proof{}, errLink
	}
	if now.After(p.Expires) {
		return Proof{}, comment.Invalid(comment.FieldError{Field: "token", Message: "has expired (links last 7 days); post your comment again to get a new one"})
	}
	return p, nil
}
