package desk

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/moderation"
)

// Screen runs a site's rules on a new comment c (its SiteID, ArticleURL,
// Body, EmailHMAC, IPHash and CreatedAt set) from commenter, whose plain
// email is read only for its domain: it reads the commenter's, the
// address's and the site's recent comments that the rules need (the
// site's from a window at most SiteRecentMaxAge old), and
// returns where the comment starts, with every rule that fired. It changes
// nothing.
func (d *Desk) Screen(ctx context.Context, p moderation.Policy, site comment.Site, c *comment.Comment,
	commenter comment.Commenter, email string, a moderation.Assessment) (moderation.Outcome, error) {
	ps := site.Policy
	now := c.CreatedAt
	if now.IsZero() {
		now = d.Now().UTC()
	}
	s := moderation.Screening{Site: site, ArticleURL: c.ArticleURL, Body: c.Body, Commenter: commenter, Now: now}
	if _, dom, ok := strings.Cut(strings.TrimSpace(email), "@"); ok {
		s.EmailDomain = strings.ToLower(dom)
	}
	var err error
	// The last decisions matter only for the rejections among them: a
	// commenter with none (most) needs no read.
	if k := max(ps.RejectionWindowOrDefault(), ps.TrustWindowOrDefault()); k > 0 && commenter.Rejected > 0 {
		s.Decisions, err = d.Store.RecentComments(ctx, comment.RecentQuery{SiteID: site.ID, EmailHMAC: c.EmailHMAC, DecidedOnly: true, Limit: k})
		if err != nil {
			return moderation.Outcome{}, err
		}
	}
	repeat := time.Duration(ps.RepeatMinutesOrDefault()) * time.Minute
	velocity := time.Duration(ps.VelocityMinutesOrDefault()) * time.Minute
	if ps.VelocityMaxOrDefault() <= 0 {
		velocity = 0
	}
	// Enough rows for the velocity rule to count past its maximum.
	limit := min(max(50, ps.VelocityMaxOrDefault()+1), 1000)
	if win := max(repeat, velocity); win > 0 && commenter.Approved+commenter.Rejected+commenter.Pending > 0 {
		s.ByCommenter, err = d.Store.RecentComments(ctx, comment.RecentQuery{SiteID: site.ID, EmailHMAC: c.EmailHMAC, Since: now.Add(-win), Bodies: repeat > 0, Limit: limit})
		if err != nil {
			return moderation.Outcome{}, err
		}
	}
	if velocity > 0 && c.IPHash != nil {
		s.ByAddress, err = d.Store.RecentComments(ctx, comment.RecentQuery{SiteID: site.ID, IPHash: c.IPHash, Since: now.Add(-velocity), Limit: ps.VelocityMaxOrDefault()})
		if err != nil {
			return moderation.Outcome{}, err
		}
	}
	if repeat > 0 && ps.CampaignCommentersOrDefault() > 1 {
		s.SiteRecent, err = d.siteRecent(ctx, site.ID, now.Add(-repeat))
		if err != nil {
			return moderation.Outcome{}, err
		}
	}
	return p.Screen(a, s), nil
}

// ApplyOutcome sets where a new comment starts from a screening's outcome:
// its flag, the rules that held it, and a rule's verdict (audited under
// the rule's name when stored).
func ApplyOutcome(c *comment.Comment, o moderation.Outcome) {
	c.Flagged, c.Holds = o.Flagged, o.Holds
	if o.Status != comment.StatusPending {
		c.Status, c.Reason, c.Note, c.DecidedBy = o.Status, o.Reason, o.Note, o.By
		c.DecidedAt = c.CreatedAt
	}
}

// TestPolicy says what a site's settings would do to a text from a
// commenter (known by their email's keyed hash; their history and standing
// as the store has them) on an article, changing nothing: the dashboard's
// and the API's test box. CodeInvalid naming the field.
func (d *Desk) TestPolicy(ctx context.Context, p moderation.Policy, site comment.Site, email string, emailHMAC []byte,
	articleURL, body string) (moderation.Outcome, error) {
	var errs []comment.FieldError
	if _, dom, ok := strings.Cut(email, "@"); !ok || dom == "" || len(email) > 254 {
		errs = append(errs, comment.FieldError{Field: "email", Message: "must be an email address, like name@example.com"})
	}
	if u, err := url.Parse(articleURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, comment.FieldError{Field: "article_url", Message: "must be an absolute http or https URL"})
	}
	if strings.TrimSpace(body) == "" || utf8.RuneCountInString(body) > 10000 {
		errs = append(errs, comment.FieldError{Field: "body", Message: "is required, at most 10000 characters"})
	}
	if len(errs) > 0 {
		return moderation.Outcome{}, comment.Invalid(errs...)
	}
	cm, err := d.Store.Commenter(ctx, site.ID, emailHMAC)
	if err != nil {
		return moderation.Outcome{}, err
	}
	c := &comment.Comment{SiteID: site.ID, ArticleURL: articleURL, Body: body, EmailHMAC: emailHMAC, CreatedAt: d.Now().UTC()}
	return d.Screen(ctx, p, site, c, cm, email, p.Assess(site, body))
}
