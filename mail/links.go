package mail

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/secret"
)

// Links signs the links messages carry (unsubscribe, appeal), so that
// nobody can make one for another reader's address or comment.
type Links struct {
	BaseURL string
	key     []byte
}

// NewLinks derives the signing key from the server's keyring.
func NewLinks(keys *secret.Keyring, baseURL string) *Links {
	// A keyed hash of a fixed label that no email can equal: secret as
	// long as the server's key is.
	return &Links{BaseURL: strings.TrimRight(baseURL, "/"), key: keys.EmailHMAC("\x00parley/mail-links")}
}

// Sign makes a token for scope.
func (l *Links) Sign(scope string) string {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(scope))
	return base64.RawURLEncoding.EncodeToString([]byte(scope)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

var errBadToken = errors.New("the link is not valid: it may have been cut or changed")

// Verify returns the scope a token was signed for.
func (l *Links) Verify(token string) (string, error) {
	s, sig, ok := strings.Cut(token, ".")
	if !ok {
		return "", errBadToken
	}
	scope, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", errBadToken
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return "", errBadToken
	}
	m := hmac.New(sha256.New, l.key)
	m.Write(scope)
	if !hmac.Equal(got, m.Sum(nil)[:18]) {
		return "", errBadToken
	}
	return string(scope), nil
}

// The scopes of signed links.
func commenterScope(siteID string, emailHMAC []byte) string {
	return "u:c:" + siteID + ":" + hex.EncodeToString(emailHMAC)
}

func moderatorScope(id int64) string { return "u:m:" + strconv.FormatInt(id, 10) }

func appealScope(commentID int64) string { return "a:" + strconv.FormatInt(commentID, 10) }

// UnsubscribeCommenterURL is the one-click unsubscribe link of a
// commenter's email on a site.
func (l *Links) UnsubscribeCommenterURL(siteID string, emailHMAC []byte) string {
	return l.BaseURL + UnsubscribePath + "?t=" + l.Sign(commenterScope(siteID, emailHMAC))
}

// UnsubscribeModeratorURL is a moderator's unsubscribe link.
func (l *Links) UnsubscribeModeratorURL(id int64) string {
	return l.BaseURL + UnsubscribePath + "?t=" + l.Sign(moderatorScope(id))
}

// AppealURL is the link by which a comment's author appeals its decision.
func (l *Links) AppealURL(commentID int64) string {
	return l.BaseURL + AppealPath + "?t=" + l.Sign(appealScope(commentID))
}

// The routes of signed links.
const (
	UnsubscribePath = "/mail/unsubscribe"
	AppealPath      = "/mail/appeal"
)
