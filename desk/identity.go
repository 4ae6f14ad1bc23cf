package desk

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/events"
)

// Released is the event kind of comments that waited for their author's
// email to be proven and now join the moderation queue.
const Released events.Kind = "released"

// VerifyMail is the data of the "verify" email template.
type VerifyMail struct {
	Lang         string `json:"lang"`
	VerifyURL    string `json:"verify_url"`
	Name         string `json:"name"`
	ArticleURL   string `json:"article_url"`
	ArticleTitle string `json:"article_title"`
	// Expires is when the link stops working (RFC 3339); ExpiresText the
	// same, written for a reader in Lang ("7 December 2026, 14:05 UTC").
	Expires     string `json:"expires"`
	ExpiresText string `json:"expires_text"`
}

// verificationFor is the outbox email that asks the author of a held
// comment to prove their email: to "commenter" (the sender decrypts the
// comment's email), so no address is written to the outbox.
func verificationFor(m VerifyMail) []comment.OutboxItem {
	if m.Lang != "fr" {
		m.Lang = "en"
	}
	payload, _ := json.Marshal(m)
	return []comment.OutboxItem{{Kind: comment.OutboxEmail, Topic: "verify", Target: "commenter", Payload: payload}}
}

// SubmitAwaitingVerification stores a new comment held until its author
// proves their email (c.AwaitingVerification must be set), and, in the same
// transaction, the email with the link that proves it (m; none when send
// is false, because a recent link still waits in their mailbox). The
// comment stays out of the queue; the dashboards hear of it only when it
// is released.
func (d *Desk) SubmitAwaitingVerification(ctx context.Context, c *comment.Comment, m VerifyMail, send bool) error {
	if !c.AwaitingVerification || c.Status != comment.StatusPending {
		return comment.Errorf(comment.CodeInternal, "only a pending comment can await verification")
	}
	if send {
		ctx = comment.WithOutbox(ctx, verificationFor(m)...)
	}
	if err := d.Store.CreateComment(ctx, c); err != nil {
		return err
	}
	d.addRecent(c)
	written := *c // the caller keeps c; listeners get their own copy
	d.publish(events.Event{Kind: events.Submitted, CommentID: c.ID, SiteID: c.SiteID, Status: comment.StatusAwaitingVerification, Comment: &written})
	return nil
}

// VerifyEmail records that an email (by its keyed hash) is proven on a
// site, by method (comment.VerifiedByEmail, a clicked link, or
// comment.VerifiedBySSO, a newsroom's token), and releases the comments
// that waited for it to the moderation queue, telling the dashboards. With
// keyHash, the browser key the link was sent for is recorded as proven
// (comment.Identities.ProveCommenterKey). It returns the released comments'
// IDs. CodeNotFound when the site is unknown.
func (d *Desk) VerifyEmail(ctx context.Context, siteID string, emailHMAC []byte, method string, keyHash []byte) ([]int64, error) {
	held, err := d.Store.AwaitingVerification(ctx, siteID, emailHMAC)
	if err != nil {
		return nil, err
	}
	if err := d.Store.MarkVerified(ctx, siteID, emailHMAC, method, d.Now().UTC()); err != nil {
		return nil, err
	}
	if len(keyHash) > 0 {
		if err := d.Store.ProveCommenterKey(ctx, siteID, emailHMAC, keyHash, d.Now().UTC()); err != nil {
			return nil, err
		}
	}
	for _, id := range held {
		d.publish(events.Event{Kind: Released, CommentID: id, SiteID: siteID, Status: comment.StatusPending})
	}
	return held, nil
}

// MinSSOSecret is the shortest HS256 secret a site may set: as many
// characters as the hash has bytes.
const MinSSOSecret = 32

// CheckSSOSecret says what is wrong with a new HS256 secret, or "".
func CheckSSOSecret(secret string) string {
	switch {
	case len(secret) < MinSSOSecret:
		return "must be at least 32 characters (the bytes of an HS256 key)"
	case len(secret) > 512 || !utf8.ValidString(secret) || strings.TrimSpace(secret) != secret:
		return "must be at most 512 characters of text without surrounding spaces"
	}
	return ""
}

// CheckIdentity validates a site's identity settings (the secret is
// checked before it is sealed, by CheckSSOSecret): the JWKS URL is https
// (http only on the loopback host, a newsroom's test setup), a site that
// requires sign-in has a way to check tokens, and staff names are at most
// 100 of at most 80 characters.
func CheckIdentity(id comment.IdentitySettings) []comment.FieldError {
	var errs []comment.FieldError
	bad := func(field, msg string) { errs = append(errs, comment.FieldError{Field: field, Message: msg}) }
	if raw := id.SSO.JWKSURL; raw != "" {
		u, err := url.Parse(raw)
		switch {
		case err != nil || u.Host == "" || u.User != nil || len(raw) > 2048:
			bad("jwks_url", "must be an absolute https URL")
		case u.Scheme == "https":
		case u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1"):
		default:
			bad("jwks_url", "must be an https URL (http only on localhost)")
		}
	}
	if id.SSO.Required && !id.SSO.Enabled() {
		bad("sso_required", "needs an HS256 secret or a JWKS URL: without one no token can be checked")
	}
	if len(id.StaffNames) > 100 {
		bad("staff_names", "must have at most 100 names")
	}
	for _, n := range id.StaffNames {
		if utf8.RuneCountInString(n) > 80 || !utf8.ValidString(n) || strings.TrimSpace(n) == "" {
			bad("staff_names", "names must be valid text of 1 to 80 characters")
			break
		}
	}
	return errs
}
