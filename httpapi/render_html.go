package httpapi

import (
	"regexp"
	"strings"

	"github.com/parleyhq/parley/comment"
)

// RenderFormat renders a body of either format: Markdown through Render,
// HTML (imported from WordPress or Disqus) through RenderHTML.
func (r *Renderer) RenderFormat(f comment.Format, body string) string {
	if f == comment.FormatHTML {
		return r.RenderHTML(body)
	}
	return r.Render(body)
}

// RenderHTML returns the safe HTML of a body stored as HTML, as WordPress
// and Disqus keep comments. It goes through the same allow list as
// Markdown, so it keeps only what a Parley comment may hold: paragraphs,
// emphasis, code, quotes, lists and http(s) links, every link with
// Parley's rel. WordPress shows comment text with its line breaks turned
// into paragraphs and <br> (wpautop); so does this, for text that has no
// paragraphs of its own.
func (r *Renderer) RenderHTML(body string) string {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	if !blockTag.MatchString(body) {
		body = autoParagraphs(body)
	}
	safe := r.policy.Sanitize(body)
	// The allow list drops a rel it did not write; give every link ours.
	safe = bareLink.ReplaceAllString(safe, `<a href="$1" rel="`+LinkRel+`">`)
	return r.policy.Sanitize(safe)
}

var (
	blockTag = regexp.MustCompile(`(?i)<(p|div|blockquote|ul|ol|pre|table|h[1-6])[\s>]`)
	bareLink = regexp.MustCompile(`<a href="([^"]*)">`)
	blankRun = regexp.MustCompile(`\n[ \t]*\n\s*`)
)

// autoParagraphs turns blank-line separated text into paragraphs and single
// line breaks into <br>, as WordPress's wpautop does for comments.
func autoParagraphs(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, p := range blankRun.Split(s, -1) {
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(strings.TrimSpace(p), "\n", "<br>\n"))
		b.WriteString("</p>\n")
	}
	return b.String()
}
