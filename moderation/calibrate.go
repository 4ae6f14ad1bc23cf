package moderation

import (
	"context"
	"math"

	"github.com/parleyhq/parley/comment"
)

// Per-site calibration of the flag threshold from the site's own
// moderators: once they have made MinDecisions decisions on scored
// comments (approved = not an attack, rejected as ad hominem = attack),
// the threshold is the lowest one at which the share of flagged comments
// that moderators rejected as attacks (the precision) reaches the target.

// MinDecisions is how many decisions calibration needs.
const MinDecisions = 200

// DefaultPrecision is the precision a calibrated threshold keeps.
const DefaultPrecision = 0.8

// CurvePoint is the precision and recall of flagging at one threshold.
type CurvePoint struct {
	Threshold float64
	Precision float64 // NaN when nothing would be flagged
	Recall    float64
	Flagged   int
}

// Calibration is the outcome of calibrating one site.
type Calibration struct {
	Decisions, Attacks int
	Target             float64
	// Threshold is the calibrated flag threshold; 0 when OK is false.
	Threshold float64
	OK        bool
	// Why says why there is no calibrated threshold, when OK is false.
	Why   string
	Curve []CurvePoint // thresholds 0.05 to 0.95 in steps of 0.05
}

// Calibrate picks the lowest threshold (in steps of 0.01) whose precision
// on the decisions is at least target.
func Calibrate(scores []float64, attack []bool, target float64) Calibration {
	if target <= 0 {
		target = DefaultPrecision
	}
	c := Calibration{Decisions: len(scores), Target: target}
	for _, a := range attack {
		if a {
			c.Attacks++
		}
	}
	at := func(th float64) CurvePoint {
		p := CurvePoint{Threshold: th}
		tp := 0
		for i, s := range scores {
			if s >= th {
				p.Flagged++
				if attack[i] {
					tp++
				}
			}
		}
		p.Precision = math.NaN()
		if p.Flagged > 0 {
			p.Precision = float64(tp) / float64(p.Flagged)
		}
		if c.Attacks > 0 {
			p.Recall = float64(tp) / float64(c.Attacks)
		}
		return p
	}
	for t := 5; t <= 95; t += 5 {
		c.Curve = append(c.Curve, at(float64(t)/100))
	}
	switch {
	case c.Decisions < MinDecisions:
		c.Why = "needs at least 200 moderator decisions on scored comments"
		return c
	case c.Attacks == 0:
		c.Why = "no comment has been rejected as a personal attack yet"
		return c
	}
	for t := 1; t <= 99; t++ {
		th := float64(t) / 100
		if p := at(th); p.Flagged > 0 && p.Precision >= target {
			c.Threshold, c.OK = th, true
			return c
		}
	}
	c.Why = "no threshold reaches the target precision"
	return c
}

// SiteDecisions returns the classifier score of every comment of a site
// that a moderator approved (false) or rejected as a personal attack
// (true). Decisions made by rules (the classifier's auto-reject, the
// honeypot, the word lists) and unscored comments are left out.
func SiteDecisions(ctx context.Context, store comment.Store, siteID string) (scores []float64, attack []bool, err error) {
	for _, status := range []comment.Status{comment.StatusApproved, comment.StatusRejected} {
		q := comment.QueueQuery{SiteID: siteID, Status: status, Limit: 500}
		for {
			page, err := store.Queue(ctx, q)
			if err != nil {
				return nil, nil, err
			}
			for _, c := range page {
				switch c.DecidedBy {
				case "", "classifier", "honeypot", "word list", "words", "trusted commenter", "postmoderate", "email_domain", "disposable_email":
					continue
				}
				if c.Score < 0 || (status == comment.StatusRejected && c.Reason != comment.ReasonAdHominem) {
					continue
				}
				scores, attack = append(scores, c.Score), append(attack, status == comment.StatusRejected)
			}
			if len(page) < q.Limit {
				break
			}
			last := page[len(page)-1]
			q.After = comment.Cursor{Flagged: last.Flagged, CreatedAt: last.CreatedAt, ID: last.ID}
		}
	}
	return scores, attack, nil
}
