package observe

import (
	"context"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/events"
)

// Events returns live wrapped so that every event published through it is
// also counted: submissions by outcome, decisions by moderator, reason and
// rule, the time from submission to decision, and the classifier's score.
// Publish stays non-blocking: the comment behind each event (carried by the
// event when the desk published it, else read back) is counted by one
// goroutine, and when it falls more than 4,096 events behind, the
// surplus is counted in parley_metrics_events_dropped_total instead.
//
// Events are counted where they are published, so on several instances
// each counts its own and Prometheus sums them.
func (m *Metrics) Events(live events.Events) events.Events {
	return observedEvents{Events: live, m: m}
}

type observedEvents struct {
	events.Events
	m *Metrics
}

func (o observedEvents) Publish(e events.Event) {
	o.m.observe(e)
	o.Events.Publish(e)
}

type eventJob struct {
	e events.Event
}

func (m *Metrics) observe(e events.Event) {
	defer func() {
		// Publishing after Close: nothing to count with.
		recover()
	}()
	select {
	case m.pending <- eventJob{e}:
	default:
		m.eventsDropped.Inc()
	}
}

func (m *Metrics) run() {
	defer close(m.done)
	for job := range m.pending {
		m.count(job.e)
	}
}

// count looks up the comment an event is about and records it.
func (m *Metrics) count(e events.Event) {
	if m.cfg.Store == nil || e.Kind != events.Submitted && e.Kind != events.Decided {
		return
	}
	var c comment.Comment
	if e.Comment != nil {
		c = *e.Comment
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var err error
		if c, err = m.cfg.Store.Comment(ctx, e.CommentID); err != nil {
			m.cfg.Logger.Debug("metrics: comment lookup failed", "comment_id", e.CommentID, "err", err)
			return
		}
	}
	switch e.Kind {
	case events.Submitted:
		m.submissions.WithLabelValues(c.SiteID, string(e.Status)).Inc()
		if c.Score >= 0 {
			m.scores.Observe(c.Score)
		}
		if e.Status != comment.StatusPending {
			// A rule decided at submission (the honeypot, the classifier's
			// auto-reject, trust): a decision, but not a moderator's wait.
			m.decisions.WithLabelValues(c.SiteID, string(e.Status), "", string(c.Reason), c.DecidedBy).Inc()
		}
	case events.Decided:
		m.decisions.WithLabelValues(c.SiteID, string(e.Status), e.Moderator, string(c.Reason), "").Inc()
		if !c.DecidedAt.IsZero() && !c.CreatedAt.IsZero() {
			m.decisionLatency.WithLabelValues(c.SiteID, string(e.Status)).Observe(max(0, c.DecidedAt.Sub(c.CreatedAt).Seconds()))
		}
	}
}
