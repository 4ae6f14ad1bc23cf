package comment

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// PolicySettings are a site's moderation rules beyond the columns of the
// sites table (modes per section and article, rule thresholds and lists).
// They are kept as JSON in sites.settings, so a new field needs no
// migration. A nil count or threshold means the default (the ...OrDefault
// methods); zero switches a rule off.
type PolicySettings struct {
	// Sections override the site's mode for articles whose URL path starts
	// with a prefix (the longest matching prefix wins); Articles override
	// it for one article URL, and win over sections.
	Sections []ModeOverride `json:"sections,omitempty"`
	Articles []ModeOverride `json:"articles,omitempty"`

	// HoldNew holds the first N comments of a commenter on the site.
	HoldNew *int `json:"hold_new,omitempty"`
	// TrustAfter is how many approved comments earn trust (0: trust is
	// only granted by a moderator), with no rejection among the last
	// TrustWindow decisions. Earned trust needs a verified email.
	TrustAfter  *int `json:"trust_after,omitempty"`
	TrustWindow *int `json:"trust_window,omitempty"`
	// RejectionRate holds the comments of a commenter whose rejected share
	// of their last RejectionWindow decisions is above it (0: off).
	RejectionRate   *float64 `json:"rejection_rate,omitempty"`
	RejectionWindow *int     `json:"rejection_window,omitempty"`

	// BlockedDomains hold a comment linking to them (or a subdomain);
	// AllowedDomains are never counted as links.
	BlockedDomains []string `json:"blocked_domains,omitempty"`
	AllowedDomains []string `json:"allowed_domains,omitempty"`
	// EmailDomains hold or reject comments from an email domain.
	EmailDomains []EmailDomainRule `json:"email_domains,omitempty"`
	// Disposable is what a disposable-email domain does: RuleHold (the
	// default), RuleReject or RuleOff.
	Disposable string `json:"disposable,omitempty"`

	// RepeatMinutes is the window in which a nearly identical body
	// (shingle similarity at or above RepeatSimilarity) is a repeat from the
	// same commenter, or a campaign once CampaignCommenters different
	// commenters sent it (0 minutes: off).
	RepeatMinutes      *int     `json:"repeat_minutes,omitempty"`
	RepeatSimilarity   *float64 `json:"repeat_similarity,omitempty"`
	CampaignCommenters *int     `json:"campaign_commenters,omitempty"`

	// VelocityMax holds a comment when its commenter or address sent more
	// than this many in the last VelocityMinutes (0: off).
	VelocityMax     *int `json:"velocity_max,omitempty"`
	VelocityMinutes *int `json:"velocity_minutes,omitempty"`

	// DefaultSort is the thread order when the reader asks for none:
	// SortOldest ("", the default), SortNewest or SortFeatured.
	DefaultSort Sort `json:"default_sort,omitempty"`
	// AutoCloseDays closes an article to new comments this many days
	// after its first comment (nil or 0: never); AutoClose overrides it
	// per article.
	AutoCloseDays *int                `json:"auto_close_days,omitempty"`
	AutoClose     []AutoCloseOverride `json:"auto_close,omitempty"`
}

// AutoCloseOverride is one article's own auto-close delay: Days after its
// first comment, 0 for never.
type AutoCloseOverride struct {
	URL  string `json:"url"`
	Days int    `json:"days"`
}

// DefaultSortOrOldest is the thread order in force when none is asked.
func (p PolicySettings) DefaultSortOrOldest() Sort {
	if p.DefaultSort == "" {
		return SortOldest
	}
	return p.DefaultSort
}

// AutoCloseDaysFor is how many days after its first comment an article
// closes (0: never): its own override, else the site's setting.
func (p PolicySettings) AutoCloseDaysFor(articleURL string) int {
	for _, o := range p.AutoClose {
		if o.URL == articleURL {
			return o.Days
		}
	}
	return intOr(p.AutoCloseDays, 0)
}

// AutoClosed reports whether an article whose first comment came at first
// is closed by auto-close at now.
func (p PolicySettings) AutoClosed(articleURL string, first, now time.Time) bool {
	days := p.AutoCloseDaysFor(articleURL)
	return days > 0 && !first.IsZero() && now.Sub(first) >= time.Duration(days)*24*time.Hour
}

// ModeOverride is a mode for a section (Prefix, a URL path prefix) or one
// article (URL).
type ModeOverride struct {
	Prefix string `json:"prefix,omitempty"`
	URL    string `json:"url,omitempty"`
	Mode   Mode   `json:"mode"`
}

// EmailDomainRule holds or rejects the comments from one email domain.
type EmailDomainRule struct {
	Domain string `json:"domain"`
	Action string `json:"action"` // RuleHold or RuleReject
}

// What a rule does when it fires.
const (
	RuleHold   = "hold"
	RuleReject = "reject"
	RuleOff    = "off"
)

// The defaults of the policy settings, tuned with `parley model simulate`
// (docs/moderation.md).
const (
	DefaultHoldNew            = 2
	DefaultTrustAfter         = 3
	DefaultTrustWindow        = 10
	DefaultRejectionRate      = 0.3
	DefaultRejectionWindow    = 10
	DefaultRepeatMinutes      = 60
	DefaultRepeatSimilarity   = 0.8
	DefaultCampaignCommenters = 3
	DefaultVelocityMax        = 5
	DefaultVelocityMinutes    = 10
)

func intOr(p *int, d int) int {
	if p == nil {
		return d
	}
	return *p
}

func floatOr(p *float64, d float64) float64 {
	if p == nil {
		return d
	}
	return *p
}

// HoldNewOrDefault and the methods below return a setting in force.
func (p PolicySettings) HoldNewOrDefault() int { return intOr(p.HoldNew, DefaultHoldNew) }

// TrustAfterOrDefault is the number of approved comments that earns trust.
func (p PolicySettings) TrustAfterOrDefault() int { return intOr(p.TrustAfter, DefaultTrustAfter) }

// TrustWindowOrDefault is how many last decisions must hold no rejection.
func (p PolicySettings) TrustWindowOrDefault() int { return intOr(p.TrustWindow, DefaultTrustWindow) }

// RejectionRateOrDefault is the rejected share above which a commenter is held.
func (p PolicySettings) RejectionRateOrDefault() float64 {
	return floatOr(p.RejectionRate, DefaultRejectionRate)
}

// RejectionWindowOrDefault is how many last decisions the rate is taken over.
func (p PolicySettings) RejectionWindowOrDefault() int {
	return intOr(p.RejectionWindow, DefaultRejectionWindow)
}

// RepeatMinutesOrDefault is the repeat and campaign window.
func (p PolicySettings) RepeatMinutesOrDefault() int {
	return intOr(p.RepeatMinutes, DefaultRepeatMinutes)
}

// RepeatSimilarityOrDefault is the shingle similarity that counts as the same text.
func (p PolicySettings) RepeatSimilarityOrDefault() float64 {
	return floatOr(p.RepeatSimilarity, DefaultRepeatSimilarity)
}

// CampaignCommentersOrDefault is how many commenters sending one text make a campaign.
func (p PolicySettings) CampaignCommentersOrDefault() int {
	return intOr(p.CampaignCommenters, DefaultCampaignCommenters)
}

// VelocityMaxOrDefault is how many comments in the window are allowed.
func (p PolicySettings) VelocityMaxOrDefault() int { return intOr(p.VelocityMax, DefaultVelocityMax) }

// VelocityMinutesOrDefault is the velocity window.
func (p PolicySettings) VelocityMinutesOrDefault() int {
	return intOr(p.VelocityMinutes, DefaultVelocityMinutes)
}

// DisposableOrDefault is what a disposable-email domain does.
func (p PolicySettings) DisposableOrDefault() string {
	if p.Disposable == "" {
		return RuleHold
	}
	return p.Disposable
}

// ModeFor is the mode in force for an article URL on a site: the
// article's own override, else the longest matching section prefix, else
// the site's mode, else ModePremoderate.
func (s Site) ModeFor(articleURL string) Mode {
	for _, o := range s.Policy.Articles {
		if o.URL == articleURL {
			return o.Mode
		}
	}
	path := articleURL
	if u, err := url.Parse(articleURL); err == nil && u.Path != "" {
		path = u.Path
	}
	best, mode := -1, s.Mode
	for _, o := range s.Policy.Sections {
		if strings.HasPrefix(path, o.Prefix) && len(o.Prefix) > best {
			best, mode = len(o.Prefix), o.Mode
		}
	}
	if mode == "" {
		return ModePremoderate
	}
	return mode
}

// ValidDomain reports whether d is a lower-case host name of at least two
// labels (news.example), without scheme, port or path.
func ValidDomain(d string) bool {
	if len(d) == 0 || len(d) > 253 || !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// ValidatePolicy checks a site's mode and policy settings and returns one
// FieldError per bad field, named as the API and the CLI name it.
func (s Site) ValidatePolicy() []FieldError {
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if !s.Mode.Valid() {
		bad("mode", "must be premoderate, trusted or postmoderate")
	}
	if s.LinkLimit < 0 || s.LinkLimit > 1000 {
		bad("max_links", "must be a whole number from 0 to 1000")
	}
	if !(s.FlagThreshold >= 0 && s.FlagThreshold <= 1) {
		bad("flag_threshold", "must be a number from 0 to 1")
	}
	if !(s.AutoRejectThreshold >= 0 && s.AutoRejectThreshold <= 1) {
		bad("auto_reject_threshold", "must be a number from 0 to 1")
	}
	p := s.Policy
	for _, c := range []struct {
		field string
		v     *int
	}{{"hold_new", p.HoldNew}, {"trust_after", p.TrustAfter}, {"trust_window", p.TrustWindow},
		{"rejection_window", p.RejectionWindow}, {"repeat_minutes", p.RepeatMinutes},
		{"campaign_commenters", p.CampaignCommenters}, {"velocity_max", p.VelocityMax}, {"velocity_minutes", p.VelocityMinutes},
		{"auto_close_days", p.AutoCloseDays}} {
		if c.v != nil && (*c.v < 0 || *c.v > 1000000) {
			bad(c.field, "must be a whole number from 0 to 1000000")
		}
	}
	for _, t := range []struct {
		field string
		v     *float64
	}{{"rejection_rate", p.RejectionRate}, {"repeat_similarity", p.RepeatSimilarity}} {
		if t.v != nil && !(*t.v >= 0 && *t.v <= 1) {
			bad(t.field, "must be a number from 0 to 1")
		}
	}
	for field, list := range map[string][]string{"blocked_domains": p.BlockedDomains, "allowed_domains": p.AllowedDomains} {
		if len(list) > 1000 {
			bad(field, "must have at most 1000 entries")
		}
		for _, d := range list {
			if !ValidDomain(d) {
				bad(field, "%q is not a domain like news.example (lower case, no scheme or path)", d)
				break
			}
		}
	}
	if len(p.EmailDomains) > 1000 {
		bad("email_domains", "must have at most 1000 entries")
	}
	for _, e := range p.EmailDomains {
		if !ValidDomain(e.Domain) {
			bad("email_domains", "%q is not a domain like mail.example (lower case)", e.Domain)
			break
		}
		if e.Action != RuleHold && e.Action != RuleReject {
			bad("email_domains", "the action for %s must be hold or reject", e.Domain)
			break
		}
	}
	switch p.Disposable {
	case "", RuleHold, RuleReject, RuleOff:
	default:
		bad("disposable", "must be hold, reject or off")
	}
	if p.DefaultSort != "" && !p.DefaultSort.Valid() {
		bad("default_sort", "must be oldest, newest or featured")
	}
	if len(p.AutoClose) > 1000 {
		bad("auto_close", "must have at most 1000 entries")
	}
	for _, o := range p.AutoClose {
		u, err := url.Parse(o.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(o.URL) > 2048 {
			bad("auto_close", "%q must be an absolute http or https article URL", o.URL)
			break
		}
		if o.Days < 0 || o.Days > 1000000 {
			bad("auto_close", "the days for %s must be a whole number from 0 to 1000000", o.URL)
			break
		}
	}
	if len(p.Sections) > 200 {
		bad("sections", "must have at most 200 entries")
	}
	for _, o := range p.Sections {
		if !strings.HasPrefix(o.Prefix, "/") || strings.ContainsAny(o.Prefix, " \t\n?#\"<>\\") || len(o.Prefix) > 500 {
			bad("sections", "%q must be a URL path prefix starting with /, like /live/", o.Prefix)
			break
		}
		if o.Mode == "" || !o.Mode.Valid() {
			bad("sections", "the mode for %s must be premoderate, trusted or postmoderate", o.Prefix)
			break
		}
	}
	if len(p.Articles) > 1000 {
		bad("articles", "must have at most 1000 entries")
	}
	for _, o := range p.Articles {
		u, err := url.Parse(o.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(o.URL) > 2048 {
			bad("articles", "%q must be an absolute http or https article URL", o.URL)
			break
		}
		if o.Mode == "" || !o.Mode.Valid() {
			bad("articles", "the mode for %s must be premoderate, trusted or postmoderate", o.URL)
			break
		}
	}
	return errs
}

// Hold is one rule that fired on a comment, and what it saw ("new
// commenter, 1 of 3"; "link to example.biz").
type Hold struct {
	Rule   string `json:"rule"`
	Detail string `json:"detail"`
}

// The names of the rules, as the queue, the audit log and the API give them.
const (
	RuleClassifier      = "classifier"
	RuleNewCommenter    = "new_commenter"
	RuleRejectionRate   = "rejection_rate"
	RuleLinks           = "links"
	RuleLinkDomain      = "link_domain"
	RuleWords           = "words"
	RuleEmailDomain     = "email_domain"
	RuleDisposableEmail = "disposable_email"
	RuleRepeat          = "repeat"
	RuleVelocity        = "velocity"
)

// RuleNames lists every rule, in the order the queue shows them.
var RuleNames = []string{RuleClassifier, RuleNewCommenter, RuleRejectionRate, RuleLinks, RuleLinkDomain,
	RuleWords, RuleEmailDomain, RuleDisposableEmail, RuleRepeat, RuleVelocity}

// RecentQuery asks for the recent comments on a site, newest first: of
// one commenter (EmailHMAC), one address (IPHash), or everyone (neither).
type RecentQuery struct {
	SiteID    string
	EmailHMAC []byte
	IPHash    []byte
	Since     time.Time // zero: any age
	// DecidedOnly keeps comments approved, rejected or marked spam.
	DecidedOnly bool
	// Bodies asks for each comment's text (Recent.Body); without it the
	// text is left empty, as the velocity and history rules need none.
	Bodies bool
	Limit  int // at most 1000; default 100
}

// Recent is what the moderation rules read of a recent comment: who wrote
// it (their email's keyed hash), when, where it stands, and its text when
// the query asked for it. A submission reads up to a few hundred of these,
// so they carry no more than that.
type Recent struct {
	ID        int64
	EmailHMAC []byte
	Status    Status
	CreatedAt time.Time
	Body      string
}

// PolicyStore is what the rules read and how the queue is filtered by them.
type PolicyStore interface {
	// RecentComments returns what the rules read of a site's recent
	// comments (revisions excluded), newest first, narrowed by the query.
	RecentComments(ctx context.Context, q RecentQuery) ([]Recent, error)
	// HoldCounts counts the pending comments of a site ("" for all) per
	// rule that held them.
	HoldCounts(ctx context.Context, siteID string) (map[string]int, error)
	// SetSitePolicy replaces a site's settings, as UpdateSite does, and
	// writes ch to the audit log (action set_policy, Note saying each old
	// and new value) in the same transaction. CodeNotFound.
	SetSitePolicy(ctx context.Context, site Site, ch PolicyChange) error
}

// ActionSetPolicy is a change of a site's moderation settings; its audit
// entry's Note says each setting's old and new value.
const ActionSetPolicy Action = "set_policy"

// PolicyChange is who changed a site's settings, when, and what changed
// ("mode: premoderate -> trusted; hold_new: 2 -> 3").
type PolicyChange struct {
	Moderator string
	At        time.Time
	Note      string
}
