package httpapi

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
)

func TestRenderHTML(t *testing.T) {
	r := NewRenderer()
	tests := []struct {
		name, in, want string
	}{
		{"OK", `<p>Hello <strong>world</strong></p>`, `<p>Hello <strong>world</strong></p>`},
		{"LineBreaks", "First line\nsecond\n\nNew paragraph", "<p>First line<br>\nsecond</p>\n<p>New paragraph</p>\n"},
		{"LinkGetsRel", `<p><a href="https://example.org/" rel="nofollow">site</a></p>`, `<p><a href="https://example.org/" rel="nofollow ugc noopener">site</a></p>`},
		{"ScriptDropped", `<p>hi<script>alert(1)</script></p>`, `<p>hi</p>`},
		{"JavascriptLinkDropped", `<p><a href="javascript:alert(1)">x</a></p>`, `<p>x</p>`},
		{"HandlersDropped", `<p onclick="alert(1)"><img src=x onerror=alert(1)>ok</p>`, `<p>ok</p>`},
		{"StyleDropped", `<p style="color:red">ok</p><style>p{}</style>`, `<p>ok</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.RenderHTML(tt.in); got != tt.want {
				t.Errorf("RenderHTML(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got := r.RenderFormat(comment.FormatMarkdown, "<b>raw</b> *em*"); strings.Contains(got, "<b>") || !strings.Contains(got, "<em>em</em>") {
		t.Errorf("Markdown format rendered as %q", got)
	}
}

// The XSS payloads of the shared data must not come through the HTML path.
func TestRenderHTMLPayloads(t *testing.T) {
	r := NewRenderer()
	for _, p := range []string{
		`<svg onload=alert(1)>`, `<iframe src="javascript:alert(1)">`, `<a href="  javascript:alert(1)">x</a>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`, `<a href="data:text/html,<script>alert(1)</script>">x</a>`,
	} {
		got := r.RenderHTML(p)
		for _, bad := range []string{"<script", "onerror", "onload", "javascript:", "<iframe", "<svg", "data:"} {
			if strings.Contains(strings.ToLower(got), bad) {
				t.Errorf("RenderHTML(%q) = %q keeps %q", p, got, bad)
			}
		}
	}
}
