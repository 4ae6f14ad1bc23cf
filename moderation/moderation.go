// Package moderation is Parley's policy: how a new comment is assessed before
// it joins the queue. The ad hominem classifier plugs in through Classifier;
// without one, every comment simply waits for a moderator.
package moderation

import (
	"github.com/parleyhq/parley/comment"
)

// Classifier scores a comment body for personal attacks. Score is in [0, 1];
// spans are the byte ranges of body that pushed the score up most.
// Implementations must be safe for concurrent use.
type Classifier interface {
	Score(body string) (score float64, spans []comment.Span)
	// FlagThreshold is the classifier's default flag threshold, used by sites
	// that set none of their own.
	FlagThreshold() float64
}

// Assessment is what the policy concluded about a new comment.
type Assessment struct {
	Score      float64 // -1 when no classifier ran
	Spans      []comment.Span
	Flagged    bool // at or above the site's flag threshold: first in the queue, never auto-approved
	AutoReject bool // at or above the site's auto-reject threshold, when it has one
	// Why is one short line saying whom the attack is aimed at, when
	// flagged by a classifier that reads context (AssessContext).
	Why string
	// Banned and Suspect are the site's banned and suspect words found in
	// the body; Links counts its links.
	Banned  []string
	Suspect []string
	Links   int
	// EmailVerified says the commenter proved, by a link sent to it, that
	// they own the email they typed. Nothing sets it yet: until email
	// verification exists, anyone typing a trusted commenter's address
	// would be published, so trust publishes nothing without review.
	EmailVerified bool
}

// Held reports whether the comment needs a human for a reason other than
// the classifier: a suspect word or too many links. Held comments sort with
// the flagged ones and are never auto-approved.
func (a Assessment) Held(site comment.Site) bool {
	return len(a.Suspect) > 0 || (site.LinkLimit > 0 && a.Links > site.LinkLimit)
}

// Outcome is where a new comment starts.
type Outcome struct {
	Status  comment.Status
	Flagged bool
	Reason  comment.Reason // when decided at once
	Note    string
	By      string // the rule that decided, when decided at once
	// Holds are the rules that fired (Screen), Mode the mode in force for
	// the article, Trusted whether the commenter counted as trusted.
	Holds   []comment.Hold
	Mode    comment.Mode
	Trusted bool
}

// Initial decides where a new comment from a commenter of the given
// standing starts: banned words reject it, a classifier score at the
// auto-reject threshold rejects it as ad hominem, suspect words, too many
// links or a classifier flag flag it, and a trusted commenter on a site that
// auto-approves trusted commenters is approved unless flagged, once they
// have proven they own their email (EmailVerified). Everything
// else waits, pending. (A banned commenter is refused before this.)
func (a Assessment) Initial(site comment.Site, standing comment.Standing) Outcome {
	o := Outcome{Status: comment.StatusPending, Flagged: a.Flagged || a.Held(site)}
	switch {
	case len(a.Banned) > 0:
		o.Status, o.Reason, o.Note, o.By = comment.StatusRejected, comment.ReasonOther, "banned word", comment.RuleWords
	case a.AutoReject:
		o.Status, o.Reason, o.By = comment.StatusRejected, comment.ReasonAdHominem, "classifier"
	case !o.Flagged && standing == comment.StandingTrusted && site.Mode == comment.ModeTrusted && a.EmailVerified:
		o.Status, o.By = comment.StatusApproved, "trusted commenter"
	}
	return o
}

// Policy assesses new comments for one server.
type Policy struct {
	Classifier Classifier // nil: no scoring
	// Disposable is the list of disposable-email domains; nil means the
	// list built into the binary (DisposableDomains).
	Disposable *DomainSet
}

func (p Policy) disposable() *DomainSet {
	if p.Disposable != nil {
		return p.Disposable
	}
	return builtinDisposable
}

// Threshold returns the flag threshold in force on a site.
func (p Policy) Threshold(site comment.Site) float64 {
	if site.FlagThreshold > 0 {
		return site.FlagThreshold
	}
	if p.Classifier != nil {
		return p.Classifier.FlagThreshold()
	}
	return 1
}

// Assess scores a body under a site's thresholds and word lists.
func (p Policy) Assess(site comment.Site, body string) Assessment {
	a := CheckWords(site, body)
	a.Score = -1
	if p.Classifier == nil {
		return a
	}
	score, spans := p.Classifier.Score(body)
	a.Score, a.Spans = score, spans
	a.Flagged = score >= p.Threshold(site)
	a.AutoReject = site.AutoRejectThreshold > 0 && score >= site.AutoRejectThreshold
	return a
}

// CheckWords finds a site's banned and suspect words in a body and counts
// its links, without the classifier (the dashboard shows these for every
// queued comment).
func CheckWords(site comment.Site, body string) Assessment {
	var a Assessment
	if len(site.BannedWords)+len(site.SuspectWords) > 0 {
		toks := Tokens(body)
		a.Banned = NewWords(site.BannedWords).Find(toks)
		a.Suspect = NewWords(site.SuspectWords).Find(toks)
	}
	a.Links = CountLinks(body)
	return a
}
