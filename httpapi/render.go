package httpapi

import (
	"bytes"
	"net/url"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// LinkRel is the rel attribute of every link in a comment.
const LinkRel = "nofollow ugc noopener"

// Renderer turns a comment's Markdown into safe HTML: a small subset
// (paragraphs, emphasis, code, quotes, lists, links), raw HTML shown as the
// text that was typed (so `Use the <div> tag` reads exactly so and nothing a
// commenter typed disappears), images shown as their text, and the result
// sanitized again by an allow list so that no renderer bug can let markup
// through.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// NewRenderer builds the comment renderer.
func NewRenderer() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.Linkify, extension.Strikethrough),
		goldmark.WithRendererOptions(html.WithHardWraps()),
	)
	md.Renderer().AddOptions(renderer.WithNodeRenderers(util.Prioritized(linkRenderer{}, 100)))
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "em", "strong", "del", "code", "pre", "blockquote", "ul", "ol", "li")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^nofollow ugc noopener$`)).OnElements("a")
	p.AllowURLSchemes("http", "https")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	return &Renderer{md: md, policy: p}
}

// Render returns the sanitized HTML of a Markdown body.
func (r *Renderer) Render(body string) string {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(body), &buf); err != nil {
		// goldmark only fails on writer errors, which a bytes.Buffer never returns.
		return r.policy.Sanitize("<p>" + body + "</p>")
	}
	return r.policy.Sanitize(buf.String())
}

// linkRenderer writes links with Parley's rel and images as their alt text.
type linkRenderer struct{}

func (linkRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindLink, renderLink)
	reg.Register(ast.KindAutoLink, renderAutoLink)
	reg.Register(ast.KindImage, renderImage)
	reg.Register(ast.KindRawHTML, renderRawHTMLAsText)
	reg.Register(ast.KindHTMLBlock, renderHTMLBlockAsText)
}

// renderRawHTMLAsText writes inline HTML a commenter typed as escaped text.
func renderRawHTMLAsText(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.RawHTML)
	for i := 0; i < n.Segments.Len(); i++ {
		seg := n.Segments.At(i)
		w.Write(util.EscapeHTML(seg.Value(source)))
	}
	return ast.WalkSkipChildren, nil
}

// renderHTMLBlockAsText writes a block of HTML a commenter typed as an
// escaped paragraph, keeping its line breaks.
func renderHTMLBlockAsText(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.HTMLBlock)
	var text []byte
	for i := 0; i < n.Lines().Len(); i++ {
		seg := n.Lines().At(i)
		text = append(text, seg.Value(source)...)
	}
	if n.HasClosure() {
		text = append(text, n.ClosureLine.Value(source)...)
	}
	text = bytes.TrimRight(text, "\n")
	w.WriteString("<p>")
	for i, line := range bytes.Split(text, []byte("\n")) {
		if i > 0 {
			w.WriteString("<br>\n")
		}
		w.Write(util.EscapeHTML(line))
	}
	w.WriteString("</p>\n")
	return ast.WalkSkipChildren, nil
}

func renderLink(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Link)
	if !safeLink(n.Destination) {
		return ast.WalkContinue, nil // only the link's text
	}
	if entering {
		w.WriteString(`<a href="`)
		w.Write(util.EscapeHTML(util.URLEscape(n.Destination, true)))
		w.WriteString(`" rel="` + LinkRel + `">`)
	} else {
		w.WriteString("</a>")
	}
	return ast.WalkContinue, nil
}

func renderAutoLink(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.AutoLink)
	if !entering {
		return ast.WalkContinue, nil
	}
	if n.AutoLinkType != ast.AutoLinkURL {
		w.Write(util.EscapeHTML(n.Label(source)))
		return ast.WalkContinue, nil
	}
	url := n.URL(source)
	label := n.Label(source)
	if !safeLink(url) {
		url = append([]byte("https://"), url...)
	}
	if !safeLink(url) { // no host even so: text, not a link
		w.Write(util.EscapeHTML(label))
		return ast.WalkContinue, nil
	}
	w.WriteString(`<a href="`)
	w.Write(util.EscapeHTML(util.URLEscape(url, false)))
	w.WriteString(`" rel="` + LinkRel + `">`)
	w.Write(util.EscapeHTML(label))
	w.WriteString("</a>")
	return ast.WalkContinue, nil
}

func renderImage(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	// Children (the alt text) render as plain inline content.
	return ast.WalkContinue, nil
}

// safeLink reports whether a link destination is an absolute http(s) URL
// with a host.
func safeLink(dest []byte) bool {
	d := bytes.ToLower(bytes.TrimSpace(dest))
	if !bytes.HasPrefix(d, []byte("http://")) && !bytes.HasPrefix(d, []byte("https://")) {
		return false
	}
	u, err := url.Parse(string(bytes.TrimSpace(dest)))
	return err == nil && u.Host != ""
}
