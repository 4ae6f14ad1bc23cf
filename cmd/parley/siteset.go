package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/moderation"
)

const siteSetUsage = `site set ID [--mode premoderate|trusted|postmoderate] [--max-links N] [--hold-new N] [--trust-after N] [--rejection-rate R] ...

Sets a site's moderation mode and rules, one flag per setting, so that a
script can set a policy. Only the flags given change; a count or rate flag
given as "default" returns to the default. List flags (--blocked-domains,
--allowed-domains, --email-domains, --sections, --articles, --banned-words,
--suspect-words) are repeatable or comma-separated and replace the list; give
one empty value to clear it. The change is validated (thresholds 0 to 1,
counts at least 0, well-formed domains and prefixes), audited with each old
and new value, and reaches running servers. See docs/moderation.md.`

// optNumber is a count or rate flag that remembers whether it was given
// and accepts "default".
type optNumber struct {
	set, isDefault bool
	v              float64
	integer        bool
}

func (o *optNumber) String() string { return "" }
func (o *optNumber) Set(s string) error {
	o.set = true
	if s == "default" {
		o.isDefault = true
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || (o.integer && f != float64(int(f))) {
		if o.integer {
			return errors.New("must be a whole number or default")
		}
		return errors.New("must be a number or default")
	}
	o.v = f
	return nil
}

// listFlag is a repeatable, comma-separated list flag that remembers
// whether it was given.
type listFlag struct {
	set  bool
	vals []string
}

func (l *listFlag) String() string { return "" }
func (l *listFlag) Set(s string) error {
	l.set = true
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			l.vals = append(l.vals, v)
		}
	}
	return nil
}

func cmdSiteSet(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "site set", siteSetUsage)
	var d dataFlags
	d.register(fs, e)
	d.registerLogLevel(fs, e)
	mode := fs.String("mode", "", "premoderate (the default), trusted or postmoderate")
	disposable := fs.String("disposable", "", "what a disposable-email domain does: hold (the default), reject or off")
	defaultSort := fs.String("default-sort", "", "the thread order when the reader asks for none: oldest (the default), newest or featured (editors' picks first)")
	num := func(name string, integer bool, help string) *optNumber {
		o := &optNumber{integer: integer}
		fs.Var(o, name, help)
		return o
	}
	flagThreshold := num("flag-threshold", false, "classifier score (0 to 1) at which a comment is held; 0: the classifier's default")
	autoReject := num("auto-reject-threshold", false, "classifier score (0 to 1) at which a comment is rejected; 0: never")
	maxLinks := num("max-links", true, "hold a comment with more links than N (allowed domains do not count); 0: no limit")
	counts := map[string]*optNumber{
		"hold_new":            num("hold-new", true, fmt.Sprintf("hold the first N comments of a commenter (default %d; 0: off)", comment.DefaultHoldNew)),
		"trust_after":         num("trust-after", true, fmt.Sprintf("approved comments that earn trust, verified emails only (default %d; 0: only moderators grant it)", comment.DefaultTrustAfter)),
		"trust_window":        num("trust-window", true, fmt.Sprintf("last decisions that must hold no rejection to earn trust (default %d)", comment.DefaultTrustWindow)),
		"rejection_window":    num("rejection-window", true, fmt.Sprintf("last decisions the rejection rate is taken over (default %d)", comment.DefaultRejectionWindow)),
		"repeat_minutes":      num("repeat-minutes", true, fmt.Sprintf("window of the repeat and campaign rules, minutes (default %d; 0: off)", comment.DefaultRepeatMinutes)),
		"campaign_commenters": num("campaign-commenters", true, fmt.Sprintf("commenters sending the same text that make a campaign (default %d; 0: off)", comment.DefaultCampaignCommenters)),
		"velocity_max":        num("velocity-max", true, fmt.Sprintf("comments allowed per commenter or address in the velocity window (default %d; 0: off)", comment.DefaultVelocityMax)),
		"velocity_minutes":    num("velocity-minutes", true, fmt.Sprintf("the velocity window, minutes (default %d)", comment.DefaultVelocityMinutes)),
		"auto_close_days":     num("auto-close-days", true, "close an article to new comments N days after its first comment (default 0: never); parley article auto-close sets one article's own"),
	}
	rates := map[string]*optNumber{
		"rejection_rate":    num("rejection-rate", false, fmt.Sprintf("hold a commenter whose rejected share of their last decisions is above R, 0 to 1 (default %g; 0: off)", comment.DefaultRejectionRate)),
		"repeat_similarity": num("repeat-similarity", false, fmt.Sprintf("shingle similarity, 0 to 1, that counts as the same text (default %g)", comment.DefaultRepeatSimilarity)),
	}
	list := func(name, help string) *listFlag {
		l := &listFlag{}
		fs.Var(l, name, help)
		return l
	}
	blocked := list("blocked-domains", "hold a comment linking to DOMAIN or a subdomain (repeatable)")
	allowed := list("allowed-domains", "links to DOMAIN never count as links (repeatable)")
	emailDomains := list("email-domains", "DOMAIN=hold or DOMAIN=reject for commenters' email domains (repeatable)")
	sections := list("sections", "PREFIX=MODE: the mode of articles whose URL path starts with PREFIX, e.g. /live/=postmoderate (repeatable)")
	articles := list("articles", "URL=MODE: the mode of one article (repeatable)")
	banned := list("banned-words", "words that reject a comment (repeatable)")
	suspect := list("suspect-words", "words that hold a comment (repeatable)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usagef("site set takes one site ID, e.g. parley site set news --mode trusted")
	}
	store, _, err := openData(ctx, &d)
	if err != nil {
		return err
	}
	defer store.Close()
	site, err := store.Site(ctx, pos[0])
	if err != nil {
		return err
	}
	var errs []string
	if *mode != "" {
		site.Mode = comment.Mode(*mode)
	}
	if *defaultSort != "" {
		site.Policy.DefaultSort = comment.Sort(*defaultSort)
	}
	if *disposable != "" {
		site.Policy.Disposable = *disposable
	}
	for _, t := range []struct {
		o   *optNumber
		dst *float64
	}{{flagThreshold, &site.FlagThreshold}, {autoReject, &site.AutoRejectThreshold}} {
		if t.o.set {
			*t.dst = t.o.v
		}
	}
	if maxLinks.set {
		site.LinkLimit = int(maxLinks.v)
	}
	p := &site.Policy
	intDst := map[string]**int{"hold_new": &p.HoldNew, "trust_after": &p.TrustAfter, "trust_window": &p.TrustWindow,
		"rejection_window": &p.RejectionWindow, "repeat_minutes": &p.RepeatMinutes, "campaign_commenters": &p.CampaignCommenters,
		"velocity_max": &p.VelocityMax, "velocity_minutes": &p.VelocityMinutes, "auto_close_days": &p.AutoCloseDays}
	for name, o := range counts {
		switch {
		case !o.set:
		case o.isDefault:
			*intDst[name] = nil
		default:
			n := int(o.v)
			*intDst[name] = &n
		}
	}
	floatDst := map[string]**float64{"rejection_rate": &p.RejectionRate, "repeat_similarity": &p.RepeatSimilarity}
	for name, o := range rates {
		switch {
		case !o.set:
		case o.isDefault:
			*floatDst[name] = nil
		default:
			f := o.v
			*floatDst[name] = &f
		}
	}
	if blocked.set {
		p.BlockedDomains = lowerAll(blocked.vals)
	}
	if allowed.set {
		p.AllowedDomains = lowerAll(allowed.vals)
	}
	if banned.set {
		site.BannedWords = banned.vals
	}
	if suspect.set {
		site.SuspectWords = suspect.vals
	}
	if emailDomains.set {
		p.EmailDomains = nil
		for _, v := range emailDomains.vals {
			dom, act, ok := strings.Cut(v, "=")
			if !ok {
				act = comment.RuleHold
			}
			p.EmailDomains = append(p.EmailDomains, comment.EmailDomainRule{Domain: strings.ToLower(dom), Action: act})
		}
	}
	for _, o := range []struct {
		l   *listFlag
		dst *[]comment.ModeOverride
		url bool
		f   string
	}{{sections, &p.Sections, false, "--sections"}, {articles, &p.Articles, true, "--articles"}} {
		if !o.l.set {
			continue
		}
		*o.dst = nil
		for _, v := range o.l.vals {
			i := strings.LastIndexByte(v, '=')
			if i < 0 {
				errs = append(errs, fmt.Sprintf("%s %q must be KEY=MODE", o.f, v))
				continue
			}
			mo := comment.ModeOverride{Mode: comment.Mode(v[i+1:])}
			if o.url {
				mo.URL = v[:i]
			} else {
				mo.Prefix = v[:i]
			}
			*o.dst = append(*o.dst, mo)
		}
	}
	if len(errs) > 0 {
		return usagef("%s", strings.Join(errs, "; "))
	}
	if err := cliDesk(store).SetSitePolicy(ctx, site, cliActor(e)); err != nil {
		var ce *comment.Error
		if errors.As(err, &ce) && ce.Code == comment.CodeInvalid {
			for _, f := range ce.Fields {
				errs = append(errs, "--"+strings.ReplaceAll(f.Field, "_", "-")+" "+f.Message)
			}
			return usagef("%s", strings.Join(errs, "; "))
		}
		return err
	}
	v := desk.SettingValues(site)
	fmt.Fprintf(e.stdout, "site %s: mode %s\n", site.ID, v["mode"])
	for _, name := range append([]string{"max_links", "flag_threshold", "auto_reject_threshold"}, desk.PolicyFields...) {
		fmt.Fprintf(e.stdout, "  %s = %s\n", name, v[name])
	}
	return nil
}

func lowerAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.ToLower(v)
	}
	return out
}

// loadDisposable reads --disposable-domains; "" keeps the built-in list.
func loadDisposable(path string) (*moderation.DomainSet, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--disposable-domains: %w", err)
	}
	defer f.Close()
	s, err := moderation.ReadDomains(f)
	if err != nil {
		return nil, fmt.Errorf("--disposable-domains %s: %w", path, err)
	}
	return s, nil
}
