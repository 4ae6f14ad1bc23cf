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
}

// Policy assesses new comments for one server.
type Policy struct {
	Classifier Classifier // nil: no scoring
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

// Assess scores a body under a site's thresholds.
func (p Policy) Assess(site comment.Site, body string) Assessment {
	if p.Classifier == nil {
		return Assessment{Score: -1}
	}
	score, spans := p.Classifier.Score(body)
	a := Assessment{Score: score, Spans: spans}
	a.Flagged = score >= p.Threshold(site)
	a.AutoReject = site.AutoRejectThreshold > 0 && score >= site.AutoRejectThreshold
	return a
}
