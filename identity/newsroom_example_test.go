package identity_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/identity"
)

// BEGIN newsroom example (docs/identity.md quotes this verbatim)

// SubscriberToken signs a Parley sign-in token for a signed-in reader,
// with the HS256 secret set for the site in Parley. Serve it to the page
// (or from an endpoint that window.parleySSO fetches) only to that reader.
func SubscriberToken(secret []byte, siteID, accountID, displayName, email string) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	claims := struct {
		jwt.Claims
		Name  string `json:"name"`
		Email string `json:"email"`
	}{
		Claims: jwt.Claims{
			Subject:  accountID,            // the reader's ID in your accounts
			Audience: jwt.Audience{siteID}, // the Parley site ID
			IssuedAt: jwt.NewNumericDate(time.Now()),
			Expiry:   jwt.NewNumericDate(time.Now().Add(10 * time.Minute)),
		},
		Name:  displayName,
		Email: email,
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// END newsroom example

func TestNewsroomExample(t *testing.T) {
	secret := []byte("the-newsroom-hs256-secret-0123456789")
	tok, err := SubscriberToken(secret, "news", "acct-1001", "Grace Hopper", "grace@example.org")
	if err != nil {
		t.Fatal(err)
	}
	site := comment.Site{ID: "news"}
	site.Identity.SSO.SecretCipher = secret
	v := &identity.Verifier{Open: func(b []byte) ([]byte, error) { return b, nil }}
	c, err := v.Verify(context.Background(), site, tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.Sub != "acct-1001" || c.Name != "Grace Hopper" || c.Email != "grace@example.org" {
		t.Errorf("claims = %+v", c)
	}
	// The docs quote this example as it is here.
	src, err := os.ReadFile("newsroom_example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, ex, _ := strings.Cut(string(src), "// BEGIN newsroom example (docs/identity.md quotes this verbatim)\n\n")
	ex, _, _ = strings.Cut(ex, "\n// END newsroom example")
	doc, err := os.ReadFile("../docs/identity.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), ex) {
		t.Errorf("docs/identity.md does not quote SubscriberToken as it is in newsroom_example_test.go:\n%s", ex)
	}
}
