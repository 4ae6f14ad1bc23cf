package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/classify"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/moderation"
)

// classifier adapts the classify model to the moderation seam.
type classifier struct{ m *classify.Model }

func (c classifier) Score(body string) (float64, []comment.Span) {
	r := c.m.Score(body)
	spans := make([]comment.Span, len(r.Spans))
	for i, s := range r.Spans {
		spans[i] = comment.Span{Start: s.Start, End: s.End, Text: s.Text}
	}
	return r.Score, spans
}

func (c classifier) FlagThreshold() float64 { return c.m.FlagThreshold() }

// ScoreContext scores a comment with the comment it replies to, under the
// site's public-figure policy and flag threshold, and says why.
func (c classifier) ScoreContext(body string, cx moderation.Context, publicFigures string, threshold float64) (float64, []comment.Span, string) {
	r := c.m.ScoreContext(body, classify.Context{Parent: cx.Parent, ParentAuthor: cx.ParentAuthor, ArticleAuthor: cx.ArticleAuthor,
		PublicFigures: publicFigures, Threshold: threshold})
	spans := make([]comment.Span, len(r.Spans))
	for i, s := range r.Spans {
		spans[i] = comment.Span{Start: s.Start, End: s.End, Text: s.Text}
	}
	return r.Score, spans, r.Why
}

// loadClassifier returns the embedded model, or the one in path. The
// embedded model is decoded in the background: decoding it is the largest
// part of a start, and the first submission is the first to need it (it
// waits for the decoding if it comes sooner). A model file is read at once,
// so that a bad one stops the start.
func loadClassifier(path string) (moderation.Classifier, error) {
	if path == "" {
		c := &backgroundClassifier{ready: make(chan struct{})}
		go func() {
			c.m = classifier{classify.Default()}
			close(c.ready)
		}()
		return c, nil
	}
	m, err := classify.LoadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--model: %w", err)
	}
	return classifier{m}, nil
}

// backgroundClassifier is a classifier whose model is still being decoded.
type backgroundClassifier struct {
	ready chan struct{}
	m     classifier
}

func (c *backgroundClassifier) Score(body string) (float64, []comment.Span) {
	<-c.ready
	return c.m.Score(body)
}

func (c *backgroundClassifier) FlagThreshold() float64 {
	<-c.ready
	return c.m.FlagThreshold()
}

func (c *backgroundClassifier) ScoreContext(body string, cx moderation.Context, publicFigures string, threshold float64) (float64, []comment.Span, string) {
	<-c.ready
	return c.m.ScoreContext(body, cx, publicFigures, threshold)
}

// Both scorers read context and give the reason line.
var (
	_ moderation.ContextClassifier = classifier{}
	_ moderation.ContextClassifier = (*backgroundClassifier)(nil)
)

// cmdModel hands `parley model ...` to the classify package. --db (or
// PARLEY_DB) names the server database whose moderator decisions
// `train --decisions` learns from and `eval` reports on.
func cmdModel(ctx context.Context, e env, args []string) error {
	if len(args) > 0 && args[0] == "simulate" {
		return cmdSimulate(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		var usage bytes.Buffer
		classify.RunCommand(ctx, nil, e.stdin, &usage, &usage, e.getenv, nil)
		fmt.Fprintf(e.stdout, "Usage: parley model train|eval|score|explain|simulate [flags]\n\nAdd --db FILE to learn from (train --decisions) or report on (eval) a server's moderator decisions.\n\n%s", usage.String())
		if len(args) == 0 {
			return usagef("model: say train, eval, score or explain")
		}
		return nil
	}
	var db string
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--db" || a == "-db":
			if i+1 >= len(args) {
				return usagef("--db needs a value")
			}
			db = args[i+1]
			i++
		case strings.HasPrefix(a, "--db=") || strings.HasPrefix(a, "-db="):
			db = a[strings.Index(a, "=")+1:]
		default:
			rest = append(rest, a)
		}
	}
	if db == "" {
		db = e.getenv("PARLEY_DB")
	}
	var decisions func(context.Context) ([]classify.Decision, error)
	if db != "" {
		decisions = func(ctx context.Context) ([]classify.Decision, error) { return loadDecisions(ctx, db) }
	}
	return classify.RunCommand(ctx, rest, e.stdin, e.stdout, e.stderr, e.getenv, decisions)
}

// loadDecisions reads every human decision a server's moderators made:
// rejected as ad_hominem is an attack, approved is not. Decisions made by
// rules (the honeypot, the classifier itself) are left out.
func loadDecisions(ctx context.Context, db string) ([]classify.Decision, error) {
	store, err := openStore(ctx, db)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	var out []classify.Decision
	for _, status := range []comment.Status{comment.StatusApproved, comment.StatusRejected} {
		q := comment.QueueQuery{Status: status, Limit: 500}
		for {
			page, err := store.Queue(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, c := range page {
				if c.DecidedBy == "" || c.DecidedBy == "classifier" || c.DecidedBy == "honeypot" {
					continue
				}
				if status == comment.StatusApproved || c.Reason == comment.ReasonAdHominem {
					out = append(out, classify.Decision{Text: c.Body, Attack: status == comment.StatusRejected})
				}
			}
			if len(page) < q.Limit {
				break
			}
			last := page[len(page)-1]
			q.After = comment.Cursor{Flagged: last.Flagged, CreatedAt: last.CreatedAt, ID: last.ID}
		}
	}
	return out, nil
}
