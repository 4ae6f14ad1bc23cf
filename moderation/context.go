package moderation

import (
	"github.com/parleyhq/parley/comment"
)

// Context is what a comment comes in: the comment it replies to and the
// article, for classifiers that read it.
type Context struct {
	Parent        string // the text replied to; "" at the top level
	ParentAuthor  string // the display name of its author
	ArticleAuthor string // the article's byline, when known
}

// ContextClassifier is a Classifier that can also score a comment in its
// context, under a site's public-figure policy and flag threshold, and say
// in one short line why it reads as an attack.
type ContextClassifier interface {
	Classifier
	ScoreContext(body string, c Context, publicFigures string, threshold float64) (score float64, spans []comment.Span, why string)
}

// AssessContext is Assess with the comment's context: a classifier that
// reads context scores with it and under the site's public-figure policy,
// and gives the reason line. Other classifiers score the body alone.
func (p Policy) AssessContext(site comment.Site, body string, c Context) Assessment {
	cc, ok := p.Classifier.(ContextClassifier)
	if !ok {
		return p.Assess(site, body)
	}
	a := CheckWords(site, body)
	th := p.Threshold(site)
	a.Score, a.Spans, a.Why = cc.ScoreContext(body, c, site.PublicFigures, th)
	a.Flagged = a.Score >= th
	a.AutoReject = site.AutoRejectThreshold > 0 && a.Score >= site.AutoRejectThreshold
	if !a.Flagged {
		a.Why = ""
	}
	return a
}

// Why is the reason line for a stored comment, scored again in its
// context: "" when the classifier gives none or the comment is not
// flagged at the site's threshold.
func (p Policy) Why(site comment.Site, body string, c Context) string {
	if _, ok := p.Classifier.(ContextClassifier); !ok {
		return ""
	}
	return p.AssessContext(site, body, c).Why
}
