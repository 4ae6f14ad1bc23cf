package comment

import (
	"context"
	"time"
)

// IdentitySettings are a site's email verification and single sign-on
// settings, kept as JSON in sites.settings.
type IdentitySettings struct {
	// Verify holds every comment from an email not yet proven on the site
	// until its author clicks the link sent to that email (off by default).
	Verify bool `json:"verify,omitempty"`
	// SSO lets the newsroom's signed-in readers comment under their
	// accounts.
	SSO SSOSettings `json:"sso"`
	// StaffNames are names reserved for the newsroom's staff: nobody may
	// comment under one (or a look-alike) without an SSO token that names
	// them so.
	StaffNames []string `json:"staff_names,omitempty"`
}

// SSOSettings say how a site's sign-in tokens are verified: HS256 with a
// per-site secret, or RS256/ES256 with the keys at a JWKS URL (or both).
type SSOSettings struct {
	// SecretCipher is the HS256 secret sealed with the server's key; it is
	// never shown again, only SecretHint (its last four characters).
	SecretCipher []byte `json:"secret_cipher,omitempty"`
	SecretHint   string `json:"secret_hint,omitempty"`
	// JWKSURL is where the newsroom publishes its public keys.
	JWKSURL string `json:"jwks_url,omitempty"`
	// Required refuses comments without a valid token: only subscribers
	// comment.
	Required bool `json:"required,omitempty"`
}

// Enabled reports whether the site accepts sign-in tokens.
func (s SSOSettings) Enabled() bool { return len(s.SecretCipher) > 0 || s.JWKSURL != "" }

// NameHolder is a name a commenter used on a site, by the keyed hash of
// their email.
type NameHolder struct {
	Name      string
	EmailHMAC []byte
}

// Identities is what the store knows about who may use which name, and
// which comments wait for their author's email to be proven.
type Identities interface {
	// TrustedNames returns the distinct author names that commenters of
	// trusted standing used on a site, with their email's keyed hash.
	TrustedNames(ctx context.Context, siteID string) ([]NameHolder, error)
	// AwaitingVerification returns the IDs of a commenter's pending comments
	// on a site that wait for their email to be proven
	// (Comment.AwaitingVerification), oldest first. MarkVerified releases
	// them to the queue. (A moderator who decides one by its ID anyway
	// takes it out of the wait: only pending comments are held.)
	AwaitingVerification(ctx context.Context, siteID string, emailHMAC []byte) ([]int64, error)
	// ProveCommenterKey records that the browser holding the key whose
	// hash is keyHash proved the email on a site (the link emailed for it
	// was clicked). Proving again changes nothing. CodeNotFound when the
	// site is unknown; CodeConflict when the key was proven for another
	// email or site.
	ProveCommenterKey(ctx context.Context, siteID string, emailHMAC, keyHash []byte, at time.Time) error
	// CommenterKeyProven reports whether a key hash was proven for this
	// email on this site.
	CommenterKeyProven(ctx context.Context, siteID string, emailHMAC, keyHash []byte) (bool, error)
}

// VerificationTTL is how long a verification link stays valid.
const VerificationTTL = 7 * 24 * time.Hour

// StatusAwaitingVerification is never stored: it names, in events and
// metrics, a pending comment held until its author proves their email.
const StatusAwaitingVerification Status = "awaiting_verification"
