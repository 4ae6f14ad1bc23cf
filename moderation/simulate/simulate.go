// Package simulate replays a labelled stream of comments through the real
// moderation policy (moderation.Policy.Screen) and measures the trade-off
// each mode and setting makes: how much of the stream needs a human, how
// many attacks are published without one, and how long a good comment
// waits. `parley model simulate` prints its table.
package simulate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/moderation"
)

// Labelled is one comment of the stream and its human label.
type Labelled struct {
	Text   string
	Attack bool
}

// Assumptions are the guesses the result depends on, stated so that they
// can be varied.
type Assumptions struct {
	Name string
	// Commenters is how many ordinary commenters there are; their comment
	// counts follow a Zipf law of exponent Skew over their ranks (most
	// write one or two, a few write many).
	Commenters int
	Skew       float64
	// Attackers is how many commenters mostly attack; AttackerShare of the
	// attacks are theirs (spread evenly), the rest are outbursts of
	// ordinary commenters. RepostShare of an attacker's comments are sent
	// again, word for word, a few minutes later.
	Attackers     int
	AttackerShare float64
	RepostShare   float64
	// Verified is the share of ordinary commenters with a verified email
	// (a link clicked or SSO); AttackersVerified the share of attackers.
	Verified          float64
	AttackersVerified float64
	// PerHour is the arrival rate of comments (Poisson); Moderators work
	// the queue around the clock, first in first out, ReviewSeconds each.
	PerHour       float64
	Moderators    int
	ReviewSeconds float64
	Seed          uint64
}

// Baseline is the main set of assumptions; Variants the others the table
// is also given for.
var Baseline = Assumptions{Name: "baseline", Commenters: 400, Skew: 1.1, Attackers: 10, AttackerShare: 0.5, RepostShare: 0.15,
	Verified: 0.5, AttackersVerified: 0.2, PerHour: 40, Moderators: 1, ReviewSeconds: 45, Seed: 1}

// Variants vary the assumptions one way each.
func Variants() []Assumptions {
	few := Baseline
	few.Name, few.Verified, few.AttackersVerified = "few verified (25%, attackers 10%)", 0.25, 0.1
	out := Baseline
	out.Name, out.AttackerShare = "attacks mostly outbursts (20% from attackers)", 0.2
	flat := Baseline
	flat.Name, flat.Skew, flat.Commenters = "flatter activity (skew 0.8, 1000 commenters)", 0.8, 1000
	sso := Baseline
	sso.Name, sso.Verified, sso.AttackersVerified = "SSO newsroom (90% verified, attackers 50%)", 0.9, 0.5
	return []Assumptions{Baseline, few, sso, out, flat}
}

// Setting is a mode and the site's settings tried under it.
type Setting struct {
	Name string
	Site comment.Site
}

// Settings are the modes and settings the table tries: each mode with the
// default rules, and variations of the rules that matter most.
func Settings() []Setting {
	base := comment.Site{ID: "sim", Mode: comment.ModePremoderate, LinkLimit: 2}
	with := func(mode comment.Mode, name string, f func(*comment.PolicySettings)) Setting {
		s := base
		s.Mode = mode
		if f != nil {
			f(&s.Policy)
		}
		return Setting{Name: name, Site: s}
	}
	withSite := func(mode comment.Mode, name string, f func(*comment.Site)) Setting {
		s := base
		s.Mode = mode
		f(&s)
		return Setting{Name: name, Site: s}
	}
	n := func(v int) *int { return &v }
	off := func(p *comment.PolicySettings) {
		p.HoldNew, p.RejectionRate, p.RepeatMinutes, p.VelocityMax = n(0), new(float64), n(0), n(0)
	}
	return []Setting{
		with(comment.ModePremoderate, "default rules", nil),
		with(comment.ModeTrusted, "default rules", nil),
		with(comment.ModeTrusted, "trust_after=10", func(p *comment.PolicySettings) { p.TrustAfter = n(10) }),
		with(comment.ModeTrusted, "trust_after=1", func(p *comment.PolicySettings) { p.TrustAfter = n(1) }),
		with(comment.ModeTrusted, "classifier only (other rules off)", off),
		withSite(comment.ModeTrusted, "flag_threshold=0.15", func(s *comment.Site) { s.FlagThreshold = 0.15 }),
		withSite(comment.ModeTrusted, "flag_threshold=0.1", func(s *comment.Site) { s.FlagThreshold = 0.1 }),
		with(comment.ModePostmoderate, "default rules", nil),
		with(comment.ModePostmoderate, "classifier only (other rules off)", off),
		withSite(comment.ModePostmoderate, "flag_threshold=0.1", func(s *comment.Site) { s.FlagThreshold = 0.1 }),
	}
}

// Row is one line of the table.
type Row struct {
	Mode        comment.Mode `json:"mode"`
	Settings    string       `json:"settings"`
	ReviewShare float64      `json:"review_share"`
	// AttacksUnreviewedShare is the share of attacks published without a
	// human seeing them first.
	AttacksUnreviewedShare float64 `json:"attacks_unreviewed_share"`
	MedianWaitMinutes      float64 `json:"median_wait_minutes"`
}

// event is one comment of the synthetic stream.
type event struct {
	text      string
	attack    bool
	commenter int
	at        time.Time
}

// commenter is a synthetic commenter.
type commenter struct {
	hmac     []byte
	verified bool
	attacker bool
}

// Stream attributes the labelled comments to synthetic commenters and
// times, under the assumptions, in time order.
func Stream(data []Labelled, a Assumptions) ([]event, []commenter) {
	rng := rand.New(rand.NewPCG(a.Seed, a.Seed^0x9e3779b97f4a7c15))
	cs := make([]commenter, a.Commenters+a.Attackers)
	for i := range cs {
		cs[i].hmac = []byte(fmt.Sprintf("c%05d", i))
		if i >= a.Commenters {
			cs[i].attacker = true
			cs[i].verified = rng.Float64() < a.AttackersVerified
		} else {
			cs[i].verified = rng.Float64() < a.Verified
		}
	}
	// Zipf weights over the ordinary commenters' ranks.
	cum := make([]float64, a.Commenters)
	total := 0.0
	for i := range cum {
		total += 1 / math.Pow(float64(i+1), a.Skew)
		cum[i] = total
	}
	pick := func() int {
		x := rng.Float64() * total
		return sort.SearchFloat64s(cum, x)
	}
	order := rng.Perm(len(data))
	var evs []event
	t := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, i := range order {
		d := data[i]
		t = t.Add(time.Duration(rng.ExpFloat64() / a.PerHour * float64(time.Hour)))
		who := pick()
		if d.Attack && a.Attackers > 0 && rng.Float64() < a.AttackerShare {
			who = a.Commenters + rng.IntN(a.Attackers)
		}
		evs = append(evs, event{text: d.Text, attack: d.Attack, commenter: who, at: t})
		if cs[who].attacker && rng.Float64() < a.RepostShare {
			evs = append(evs, event{text: d.Text, attack: d.Attack, commenter: who, at: t.Add(time.Duration(2+rng.IntN(8)) * time.Minute)})
		}
	}
	slices.SortStableFunc(evs, func(x, y event) int { return x.at.Compare(y.at) })
	return evs, cs
}

// memo scores each text once for every run.
type memo struct {
	c     moderation.Classifier
	cache map[string]memoScore
}

type memoScore struct {
	score float64
	spans []comment.Span
}

func (m *memo) Score(body string) (float64, []comment.Span) {
	if s, ok := m.cache[body]; ok {
		return s.score, s.spans
	}
	s, sp := m.c.Score(body)
	m.cache[body] = memoScore{s, sp}
	return s, sp
}

func (m *memo) FlagThreshold() float64 { return m.c.FlagThreshold() }

// Scorer wraps a classifier so that a text is scored once across runs.
func Scorer(c moderation.Classifier) moderation.Classifier {
	return &memo{c: c, cache: map[string]memoScore{}}
}

// Run replays the stream through the policy under one setting and
// measures it.
func Run(p moderation.Policy, s Setting, evs []event, cs []commenter, a Assumptions) Row {
	site := s.Site
	type past struct {
		c       comment.Recent
		decided time.Time // when its status became final (the submission, for a rule's verdict)
	}
	hist := make(map[int][]past, len(cs)) // per commenter, oldest first
	var recent []comment.Recent           // everyone's, oldest first
	servers := make([]time.Time, max(a.Moderators, 1))
	review := time.Duration(a.ReviewSeconds * float64(time.Second))
	var reviewed, attacks, attacksUnreviewed int
	var waits []float64
	url := "https://news.example/2026/01/article"
	for id, ev := range evs {
		now := ev.at
		cm := comment.Commenter{SiteID: site.ID, EmailHMAC: cs[ev.commenter].hmac, Verified: cs[ev.commenter].verified}
		h := hist[ev.commenter]
		var decisions, byCommenter []comment.Recent
		win := time.Duration(max(site.Policy.RepeatMinutesOrDefault(), site.Policy.VelocityMinutesOrDefault())) * time.Minute
		for i := len(h) - 1; i >= 0; i-- {
			c := h[i].c
			switch {
			case h[i].decided.After(now):
				cm.Pending++
				c.Status = comment.StatusPending
			case c.Status == comment.StatusApproved:
				cm.Approved++
			default:
				cm.Rejected++
			}
			if c.Status != comment.StatusPending {
				decisions = append(decisions, c)
			}
			if !c.CreatedAt.Before(now.Add(-win)) {
				byCommenter = append(byCommenter, c)
			}
		}
		cut := now.Add(-time.Duration(site.Policy.RepeatMinutesOrDefault()) * time.Minute)
		for len(recent) > 0 && recent[0].CreatedAt.Before(cut) {
			recent = recent[1:]
		}
		siteRecent := make([]comment.Recent, len(recent))
		for i := range recent {
			siteRecent[len(recent)-1-i] = recent[i]
		}
		body := ev.text
		o := p.Screen(p.Assess(site, body), moderation.Screening{Site: site, ArticleURL: url, Body: body,
			EmailDomain: "example.com", Commenter: cm, Decisions: decisions, ByCommenter: byCommenter,
			SiteRecent: siteRecent, Now: now})
		c := comment.Recent{ID: int64(id + 1), EmailHMAC: cm.EmailHMAC, Body: body, CreatedAt: now}
		decided := now
		if ev.attack {
			attacks++
		}
		switch o.Status {
		case comment.StatusPending:
			// A moderator reviews it: the first free one, first in first out;
			// moderators judge as the labels do.
			reviewed++
			k := 0
			for i := range servers {
				if servers[i].Before(servers[k]) {
					k = i
				}
			}
			start := now
			if servers[k].After(start) {
				start = servers[k]
			}
			decided = start.Add(review)
			servers[k] = decided
			c.Status = comment.StatusApproved
			if ev.attack {
				c.Status = comment.StatusRejected
			} else {
				waits = append(waits, decided.Sub(now).Minutes())
			}
		case comment.StatusApproved:
			c.Status = comment.StatusApproved
			if ev.attack {
				attacksUnreviewed++
			} else {
				waits = append(waits, 0)
			}
		default:
			c.Status = o.Status
			if !ev.attack {
				waits = append(waits, 0)
			}
		}
		hist[ev.commenter] = append(h, past{c: c, decided: decided})
		recent = append(recent, c)
	}
	row := Row{Mode: site.Mode, Settings: s.Name}
	if len(evs) > 0 {
		row.ReviewShare = round(float64(reviewed) / float64(len(evs)))
	}
	if attacks > 0 {
		row.AttacksUnreviewedShare = round(float64(attacksUnreviewed) / float64(attacks))
	}
	row.MedianWaitMinutes = round(median(waits))
	return row
}

func round(x float64) float64 { return math.Round(x*10000) / 10000 }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Table is the result for one set of assumptions.
type Table struct {
	Assumptions Assumptions
	Comments    int
	Attacks     int
	Rows        []Row
}

// Simulate runs every setting under each set of assumptions, until ctx
// ends (the tables done so far are returned with its error).
func Simulate(ctx context.Context, p moderation.Policy, data []Labelled, assumptions []Assumptions, settings []Setting) ([]Table, error) {
	var out []Table
	for _, a := range assumptions {
		evs, cs := Stream(data, a)
		t := Table{Assumptions: a, Comments: len(evs)}
		for _, e := range evs {
			if e.attack {
				t.Attacks++
			}
		}
		for _, s := range settings {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			t.Rows = append(t.Rows, Run(p, s, evs, cs, a))
		}
		out = append(out, t)
	}
	return out, nil
}

// Describe states a set of assumptions in one paragraph.
func (a Assumptions) Describe() string {
	return fmt.Sprintf("%d ordinary commenters (Zipf skew %.1f over their ranks) and %d attackers who write %.0f%% of the attacks "+
		"and re-post %.0f%% of their comments word for word; %.0f%% of ordinary commenters and %.0f%% of attackers have a verified email; "+
		"%.0f comments an hour; %d moderator(s) around the clock, %.0f s a review, judging as the labels do.",
		a.Commenters, a.Skew, a.Attackers, a.AttackerShare*100, a.RepostShare*100, a.Verified*100, a.AttackersVerified*100,
		a.PerHour, a.Moderators, a.ReviewSeconds)
}

// Markdown renders tables as the docs show them.
func Markdown(ts []Table) string {
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, "**%s** (%d comments, %d attacks): %s\n\n", t.Assumptions.Name, t.Comments, t.Attacks, t.Assumptions.Describe())
		b.WriteString("| mode | settings | review share | attacks unreviewed | median wait (min) |\n|---|---|---|---|---|\n")
		for _, r := range t.Rows {
			fmt.Fprintf(&b, "| %s | %s | %.3f | %.4f | %.1f |\n", r.Mode, r.Settings, r.ReviewShare, r.AttacksUnreviewedShare, r.MedianWaitMinutes)
		}
		b.WriteString("\n")
	}
	return b.String()
}
