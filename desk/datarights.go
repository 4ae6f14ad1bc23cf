package desk

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/secret"
)

// Data rights (GDPR Articles 15 and 17): a commenter asks with their email;
// a signed, expiring link sent there gives an export of everything the site
// holds about them, and a second action that erases it. Moderators run the
// same two actions for a request that came by post.

// DataLinkTTL is how long a data-request link works.
const DataLinkTTL = 24 * time.Hour

// DataRequestTopic is the template of the data-request email.
const DataRequestTopic = "data_request"

// dataToken is what a data-request link carries, sealed (encrypted and
// authenticated) with the server's key: nobody can make one, read the
// email hash inside, or move it to another site or a later time.
type dataToken struct {
	Purpose string `json:"p"`
	Site    string `json:"s"`
	HMAC    []byte `json:"h"`
	Expires int64  `json:"e"`
}

const dataPurpose = "data_request"

// DataLinks are the two links of a data-request email.
type DataLinks struct {
	Export, Erase string
	Expires       time.Time
}

// CheckEmail says what is wrong with an email address, or "".
func CheckEmail(email string) string {
	email = strings.TrimSpace(email)
	if email == "" {
		return "is required"
	}
	if len(email) > 254 {
		return "must be at most 254 characters"
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email, "@") {
		return "must be an email address like reader@example.com"
	}
	return ""
}

// RequestData queues the data-request email for email on a site: an
// outbox item (Kind email, Topic data_request, Target "cipher") whose
// payload has the sealed address (to_cipher) and the signed links, never
// the address in plain. It is queued whether or not the site knows the
// email, so that the answer says nothing about who commented.
// CodeInvalid naming email, lang or site; CodeNotFound when the site is unknown.
func (d *Desk) RequestData(ctx context.Context, keys *secret.Keyring, baseURL, siteID, email, lang string) (DataLinks, error) {
	var errs []comment.FieldError
	if msg := CheckEmail(email); msg != "" {
		errs = append(errs, comment.FieldError{Field: "email", Message: msg})
	}
	switch lang {
	case "":
		lang = "en"
	case "en", "fr":
	default:
		errs = append(errs, comment.FieldError{Field: "lang", Message: "must be en or fr"})
	}
	if siteID == "" {
		errs = append(errs, comment.FieldError{Field: "site", Message: "is required"})
	}
	if len(errs) > 0 {
		return DataLinks{}, comment.Invalid(errs...)
	}
	if _, err := d.Store.Site(ctx, siteID); err != nil {
		if comment.ErrorCode(err) == comment.CodeNotFound {
			return DataLinks{}, comment.Invalid(comment.FieldError{Field: "site", Message: "is not a site of this server"})
		}
		return DataLinks{}, err
	}
	email = strings.TrimSpace(email)
	now := d.Now().UTC()
	links, err := dataLinks(keys, baseURL, siteID, keys.EmailHMAC(email), now)
	if err != nil {
		return links, err
	}
	cipher, err := keys.EncryptEmail(email)
	if err != nil {
		return links, err
	}
	payload, err := json.Marshal(map[string]any{
		"lang":          lang,
		"to_cipher":     base64.StdEncoding.EncodeToString(cipher),
		"site_id":       siteID,
		"export_url":    links.Export,
		"erase_url":     links.Erase,
		"expires_at":    links.Expires.Format(time.RFC3339),
		"expires_hours": int(DataLinkTTL / time.Hour),
	})
	if err != nil {
		return links, err
	}
	return links, d.Store.EnqueueOutbox(ctx, comment.OutboxItem{Kind: comment.OutboxEmail, Topic: DataRequestTopic, SiteID: siteID,
		Target: "cipher", Payload: payload, CreatedAt: now})
}

func dataLinks(keys *secret.Keyring, baseURL, siteID string, emailHMAC []byte, now time.Time) (DataLinks, error) {
	exp := now.Add(DataLinkTTL).Truncate(time.Second)
	raw, err := json.Marshal(dataToken{Purpose: dataPurpose, Site: siteID, HMAC: emailHMAC, Expires: exp.Unix()})
	if err != nil {
		return DataLinks{}, err
	}
	// The keyring's authenticated encryption seals the token: a changed
	// byte fails to open. An email's ciphertext offered as a token opens to
	// an address, not this JSON, and is refused.
	sealed, err := keys.EncryptEmail(string(raw))
	if err != nil {
		return DataLinks{}, err
	}
	tok := url.QueryEscape(base64.RawURLEncoding.EncodeToString(sealed))
	base := strings.TrimRight(baseURL, "/")
	return DataLinks{
		Export:  base + "/api/v1/data-requests/export?token=" + tok,
		Erase:   base + "/api/v1/data-requests/erase?token=" + tok,
		Expires: exp,
	}, nil
}

// errBadDataLink is the one answer to a link that is forged, damaged or
// expired.
var errBadDataLink = &comment.Error{Code: comment.CodeForbidden, Message: "This link is not valid or has expired; ask for a new one.",
	Fields: []comment.FieldError{{Field: "token", Message: "is not valid or has expired"}}}

// OpenDataLink checks a data-request link's token and returns the site and
// the email's keyed hash it was made for; CodeForbidden (field token) when
// it is forged, damaged or expired.
func (d *Desk) OpenDataLink(keys *secret.Keyring, token string) (siteID string, emailHMAC []byte, err error) {
	sealed, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || token == "" {
		return "", nil, errBadDataLink
	}
	raw, err := keys.DecryptEmail(sealed)
	if err != nil {
		return "", nil, errBadDataLink
	}
	var t dataToken
	if err := json.Unmarshal([]byte(raw), &t); err != nil || t.Purpose != dataPurpose || t.Site == "" || len(t.HMAC) == 0 {
		return "", nil, errBadDataLink
	}
	if !d.Now().Before(time.Unix(t.Expires, 0)) {
		return "", nil, errBadDataLink
	}
	return t.Site, t.HMAC, nil
}

// ExportData returns everything a site holds about the commenter whose
// email has emailHMAC, audited as done by by ("author" for the
// commenter's own link, else the moderator).
func (d *Desk) ExportData(ctx context.Context, siteID string, emailHMAC []byte, by string) (comment.CommenterData, error) {
	return d.Store.ExportCommenter(ctx, comment.DataRequest{SiteID: siteID, EmailHMAC: emailHMAC, By: by, At: d.Now().UTC()})
}

// EraseData erases everything a site holds about the commenter (replies of
// others keep an anonymised tombstone of what they answer), audited, and
// drops the changed threads on every instance.
func (d *Desk) EraseData(ctx context.Context, siteID string, emailHMAC []byte, by string) (comment.Erasure, error) {
	e, err := d.Store.EraseCommenter(ctx, comment.DataRequest{SiteID: siteID, EmailHMAC: emailHMAC, By: by, At: d.Now().UTC()})
	if err != nil {
		return e, err
	}
	for _, u := range e.Articles {
		d.threadChanged(ctx, siteID, u)
	}
	return e, nil
}
