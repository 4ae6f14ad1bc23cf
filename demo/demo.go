// Package demo serves the sample article that `parley demo` shows: a news
// piece on a contested topic, with Parley's comments under it.
package demo

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"
)

//go:embed article.html
var articleHTML string

//go:embed article.css
var articleCSS []byte

var page = template.Must(template.New("article").Parse(articleHTML))

// Title is the sample article's headline.
const Title = "Rival blocs' ambassadors meet again after six years of frozen talks"

// Page describes the demo page.
type Page struct {
	BaseURL string // where Parley is reached, e.g. http://127.0.0.1:8080
	Site    string // the demo site's ID
	// Widget is the embed snippet placed under the article; empty shows how
	// to comment with curl instead.
	Widget template.HTML
	// WidgetStyle is the CSP source allowing the widget's style element
	// (widget.StyleSource).
	WidgetStyle string
}

// csp is the demo page's Content-Security-Policy: it shares its origin
// with /admin/, so it may not be framed, and runs no inline script.
func (p Page) csp() string {
	return "default-src 'self'; script-src 'self'; style-src 'self' " + p.WidgetStyle +
		"; img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
}

// ArticleURL is the sample article's address on a Parley server.
func ArticleURL(baseURL string) string { return baseURL + "/demo/" }

// Handler serves the article at /demo/ and its stylesheet.
func Handler(p Page) http.Handler {
	var buf bytes.Buffer
	err := page.Execute(&buf, struct {
		Page
		Title, ArticleURL string
	}{p, Title, ArticleURL(p.BaseURL)})
	if err != nil {
		panic(err) // the template is embedded and fixed: a failure is a bug
	}
	body := buf.Bytes()
	mux := http.NewServeMux()
	csp := p.csp()
	mux.HandleFunc("GET /demo/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(body)
	})
	mux.HandleFunc("GET /demo/article.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Write(articleCSS)
	})
	return mux
}
