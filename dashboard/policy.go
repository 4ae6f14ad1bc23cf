package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/comment"
)

// policyField is one rule setting of the site form.
type policyField struct {
	Name, Label, Help string
	Value             string
}

// policyCounts and policyRates are the rule settings typed as numbers.
func policyNumbers(p *comment.PolicySettings) (counts map[string]**int, rates map[string]**float64) {
	return map[string]**int{
			"hold_new": &p.HoldNew, "trust_after": &p.TrustAfter, "trust_window": &p.TrustWindow,
			"rejection_window": &p.RejectionWindow, "repeat_minutes": &p.RepeatMinutes,
			"campaign_commenters": &p.CampaignCommenters, "velocity_max": &p.VelocityMax, "velocity_minutes": &p.VelocityMinutes,
			"auto_close_days": &p.AutoCloseDays,
		}, map[string]**float64{
			"rejection_rate": &p.RejectionRate, "repeat_similarity": &p.RepeatSimilarity,
		}
}

// policyFields are the numeric rule settings as the form shows them, with
// the default in force beside each.
func policyFields(site comment.Site) []policyField {
	p := site.Policy
	show := func(ip *int, fp *float64) string {
		switch {
		case ip != nil:
			return strconv.Itoa(*ip)
		case fp != nil:
			return strconv.FormatFloat(*fp, 'f', -1, 64)
		}
		return ""
	}
	return []policyField{
		{"hold_new", "Hold new commenters", fmt.Sprintf("their first N comments wait; empty: %d; 0: off", comment.DefaultHoldNew), show(p.HoldNew, nil)},
		{"trust_after", "Earn trust after", fmt.Sprintf("approved comments (verified email only); empty: %d; 0: only moderators grant trust", comment.DefaultTrustAfter), show(p.TrustAfter, nil)},
		{"trust_window", "…with no rejection in the last", fmt.Sprintf("decisions; empty: %d", comment.DefaultTrustWindow), show(p.TrustWindow, nil)},
		{"rejection_rate", "Rejection rate", fmt.Sprintf("0–1: hold a commenter whose rejected share is above it; empty: %g; 0: off", comment.DefaultRejectionRate), show(nil, p.RejectionRate)},
		{"rejection_window", "…over the last", fmt.Sprintf("decisions; empty: %d", comment.DefaultRejectionWindow), show(p.RejectionWindow, nil)},
		{"repeat_minutes", "Repeat window", fmt.Sprintf("minutes in which the same text is a repeat or a campaign; empty: %d; 0: off", comment.DefaultRepeatMinutes), show(p.RepeatMinutes, nil)},
		{"repeat_similarity", "Repeat similarity", fmt.Sprintf("0–1 share of shared word triples; empty: %g", comment.DefaultRepeatSimilarity), show(nil, p.RepeatSimilarity)},
		{"campaign_commenters", "Campaign", fmt.Sprintf("commenters sending the same text; empty: %d; 0: off", comment.DefaultCampaignCommenters), show(p.CampaignCommenters, nil)},
		{"velocity_max", "Velocity", fmt.Sprintf("comments allowed per commenter or address in the window; empty: %d; 0: off", comment.DefaultVelocityMax), show(p.VelocityMax, nil)},
		{"velocity_minutes", "Velocity window", fmt.Sprintf("minutes; empty: %d", comment.DefaultVelocityMinutes), show(p.VelocityMinutes, nil)},
		{"auto_close_days", "Auto-close", "days after an article's first comment, then no new comments; empty or 0: never", show(p.AutoCloseDays, nil)},
	}
}

// policyLists are the list settings as the form shows them, one entry a line.
func policyLists(site comment.Site) map[string]string {
	p := site.Policy
	var email, sections, articles []string
	for _, e := range p.EmailDomains {
		email = append(email, e.Domain+" "+e.Action)
	}
	for _, o := range p.Sections {
		sections = append(sections, o.Prefix+" "+string(o.Mode))
	}
	for _, o := range p.Articles {
		articles = append(articles, o.URL+" "+string(o.Mode))
	}
	return map[string]string{
		"blocked_domains": strings.Join(p.BlockedDomains, "\n"), "allowed_domains": strings.Join(p.AllowedDomains, "\n"),
		"email_domains": strings.Join(email, "\n"), "sections": strings.Join(sections, "\n"), "articles": strings.Join(articles, "\n"),
		"disposable": p.DisposableOrDefault(), "default_sort": string(p.DefaultSortOrOldest()), "auto_close": autoCloseLines(p),
	}
}

// parsePolicyForm reads the rule settings of the site form into site. A
// field absent from the form keeps its value; an empty number means the
// default. Values are checked here for their form (a number, "domain
// action"); their ranges by comment.Site.ValidatePolicy in the desk.
func parsePolicyForm(r *http.Request, site *comment.Site) []comment.FieldError {
	var errs []comment.FieldError
	bad := func(field, msg string) { errs = append(errs, comment.FieldError{Field: field, Message: msg}) }
	has := func(name string) bool { _, ok := r.PostForm[name]; return ok }
	p := &site.Policy
	counts, rates := policyNumbers(p)
	for name, dst := range counts {
		if !has(name) {
			continue
		}
		v := strings.TrimSpace(r.PostFormValue(name))
		if v == "" {
			*dst = nil
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			bad(name, "must be a whole number (empty: the default)")
			continue
		}
		*dst = &n
	}
	for name, dst := range rates {
		if !has(name) {
			continue
		}
		v := strings.TrimSpace(r.PostFormValue(name))
		if v == "" {
			*dst = nil
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			bad(name, "must be a number from 0 to 1 (empty: the default)")
			continue
		}
		*dst = &f
	}
	if has("blocked_domains") {
		p.BlockedDomains = lowerList(r.PostFormValue("blocked_domains"))
	}
	if has("allowed_domains") {
		p.AllowedDomains = lowerList(r.PostFormValue("allowed_domains"))
	}
	if has("disposable") {
		p.Disposable = r.PostFormValue("disposable")
		if p.Disposable == comment.RuleHold {
			p.Disposable = ""
		}
	}
	parseSortAndAutoClose(r, p, bad)
	if has("email_domains") {
		p.EmailDomains = nil
		for _, line := range lines(r.PostFormValue("email_domains")) {
			d, act, _ := strings.Cut(line, " ")
			act = strings.TrimSpace(act)
			if act == "" {
				act = comment.RuleHold
			}
			p.EmailDomains = append(p.EmailDomains, comment.EmailDomainRule{Domain: strings.ToLower(d), Action: act})
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]comment.ModeOverride
		url  bool
	}{{"sections", &p.Sections, false}, {"articles", &p.Articles, true}} {
		if !has(f.name) {
			continue
		}
		*f.dst = nil
		for _, line := range lines(r.PostFormValue(f.name)) {
			k, mode, ok := strings.Cut(line, " ")
			if !ok {
				bad(f.name, fmt.Sprintf("%q must be a path or URL, a space, and a mode", line))
				break
			}
			o := comment.ModeOverride{Mode: comment.Mode(strings.TrimSpace(mode))}
			if f.url {
				o.URL = k
			} else {
				o.Prefix = k
			}
			*f.dst = append(*f.dst, o)
		}
	}
	return errs
}

func lines(raw string) []string {
	var out []string
	for _, l := range strings.Split(raw, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func lowerList(raw string) []string {
	out := splitList(strings.ToLower(raw))
	return out
}

// PolicyFields are the numeric rule settings of the form.
func (f siteForm) PolicyFields() []policyField { return policyFields(f.Site) }

// PolicyLists are the list rule settings of the form.
func (f siteForm) PolicyLists() map[string]string { return policyLists(f.Site) }

// policyTest is what the site's settings would do to a text from a
// commenter, on an article.
type policyTest struct {
	Email, ArticleURL, Body string
	Mode                    comment.Mode
	Verdict                 string
	Holds                   []comment.Hold
}

// testPolicy runs the site's saved settings on a text from a commenter
// (their history and standing as the store knows them), changing nothing.
func (h *Handler) testPolicy(w http.ResponseWriter, r *http.Request, s *session) error {
	site, err := h.Store.Site(r.Context(), r.PathValue("site"))
	if err != nil {
		return err
	}
	t := policyTest{Email: strings.TrimSpace(r.PostFormValue("email")), ArticleURL: strings.TrimSpace(r.PostFormValue("article_url")),
		Body: r.PostFormValue("body")}
	out, err := h.Desk.TestPolicy(r.Context(), h.Policy, site, t.Email, h.Keys.EmailHMAC(t.Email), t.ArticleURL, t.Body)
	form := newSiteForm(site)
	if err != nil {
		var ce *comment.Error
		if errors.As(err, &ce) && ce.Code == comment.CodeInvalid {
			form.Errors = ce.Fields
			h.render(w, r, http.StatusUnprocessableEntity, "site", s, "Site "+site.ID, form)
			return nil
		}
		return err
	}
	t.Mode, t.Holds, t.Verdict = out.Mode, out.Holds, out.Verdict()
	form.Test = &t
	h.render(w, r, http.StatusOK, "site", s, "Site "+site.ID, form)
	return nil
}

// ruleCount is one rule of the queue's filter, with how many pending
// comments it held.
type ruleCount struct {
	Name  string
	Count int
}

// ruleFilter reads the queue's rule filter (pending queues only) and the
// counts of pending comments per rule.
func (h *Handler) ruleFilter(r *http.Request, d *queueData, q *comment.QueueQuery) error {
	if q.Status != comment.StatusPending {
		return nil
	}
	if rule := r.URL.Query().Get("rule"); rule != "" {
		if !slices.Contains(comment.RuleNames, rule) {
			return comment.Invalid(comment.FieldError{Field: "rule", Message: "must be one of " + strings.Join(comment.RuleNames, ", ")})
		}
		d.Rule, q.Rule = rule, rule
	}
	counts, err := h.Store.HoldCounts(r.Context(), d.Site)
	if err != nil {
		return err
	}
	for _, name := range comment.RuleNames {
		d.Rules = append(d.Rules, ruleCount{Name: name, Count: counts[name]})
	}
	return nil
}

// feature features a published comment among its article's editors'
// picks, audited under the moderator's name.
func (h *Handler) feature(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.setFeatured(w, r, s, true)
}

// unfeature takes a comment out of the editors' picks.
func (h *Handler) unfeature(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.setFeatured(w, r, s, false)
}

func (h *Handler) setFeatured(w http.ResponseWriter, r *http.Request, s *session, featured bool) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.mayDecide(r, s, id); err != nil {
		return err
	}
	c, err := h.Desk.Feature(r.Context(), id, featured, s.Moderator.Name)
	if err != nil {
		return err
	}
	done(w, r, map[string]any{"id": c.ID, "featured": featured})
	return nil
}
