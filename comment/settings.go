package comment

import (
	"context"
	"encoding/json"
	"time"
)

// SiteSettings is what a store keeps in the JSON column sites.settings: the
// settings that grow with features, so that adding one needs no migration.
type SiteSettings struct {
	Policy   PolicySettings   `json:"policy"`
	Identity IdentitySettings `json:"identity"`
	Mail     MailSettings     `json:"mail"`
}

// EncodeSettings returns the JSON a store keeps for a site's settings.
func EncodeSettings(s Site) (string, error) {
	b, err := json.Marshal(SiteSettings{Policy: s.Policy, Identity: s.Identity, Mail: s.Mail})
	return string(b), err
}

// DecodeSettings fills a site's settings from the JSON a store kept ("" and
// "{}" leave the zero values).
func DecodeSettings(raw string, s *Site) error {
	if raw == "" || raw == "{}" {
		return nil
	}
	var st SiteSettings
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return err
	}
	s.Policy, s.Identity, s.Mail = st.Policy, st.Identity, st.Mail
	return nil
}

// The ways an email comes to count as verified on a site.
const (
	VerifiedByEmail = "email" // the commenter clicked a link sent to it
	VerifiedBySSO   = "sso"   // it came in a token the newsroom signed
)

// Verifications is the store's record of proven emails.
type Verifications interface {
	// MarkVerified records that an email (by its keyed hash) is proven on a
	// site, by method (VerifiedByEmail or VerifiedBySSO), with any outbox
	// items of the context in the same transaction. In the same transaction
	// it releases the commenter's comments on the site that awaited
	// verification to the moderation queue. Marking again keeps the first
	// time. CodeNotFound when the site is unknown.
	MarkVerified(ctx context.Context, siteID string, emailHMAC []byte, method string, at time.Time) error
}
