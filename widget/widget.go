// Package widget is the comment form and thread that newsrooms embed under
// their articles: one script, plain JavaScript in a Shadow DOM, with its
// styles inlined, served by the Parley server itself.
package widget

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"sync"
)

//go:embed embed.js
var embedJS string

//go:embed embed.css
var embedCSS string

// cssPlaceholder is the string literal in embed.js that becomes the CSS.
const cssPlaceholder = `"/*PARLEY_CSS*/"`

// Cache lifetimes: the hashed script never changes; /embed.js may, on upgrade.
const (
	ImmutableCache = "public, max-age=31536000, immutable"
	StableCache    = "public, max-age=300"
)

// bundle is the script as served: embed.js with embed.css inlined.
type bundle struct {
	js, gz []byte
	hash   string
}

// served is built on first use, not at start: gzip at its best level costs
// milliseconds that every start of the server would otherwise pay.
var served = sync.OnceValue(build)

func build() bundle {
	css, err := json.Marshal(embedCSS)
	if err != nil {
		panic(err)
	}
	if !strings.Contains(embedJS, cssPlaceholder) {
		panic("widget: embed.js lacks the CSS placeholder")
	}
	js := []byte(strings.Replace(stripLineComments(embedJS), cssPlaceholder, string(css), 1))
	sum := sha256.Sum256(js)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(js)
	zw.Close()
	return bundle{js: js, gz: gz.Bytes(), hash: hex.EncodeToString(sum[:])[:16]}
}

// Script returns the script exactly as served, CSS included.
func Script() []byte { return served().js }

// ScriptGzip returns the script as served to browsers that accept gzip.
func ScriptGzip() []byte { return served().gz }

// Path is the content-hashed path of the script, cached for a year.
func Path() string { return "/widget/embed." + served().hash + ".js" }

// Handler serves the script at /embed.js (the stable address newsrooms put
// in their pages: cached five minutes, revalidated by ETag) and at Path()
// (immutable). Mount it at "GET /embed.js" and "GET /widget/".
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /embed.js", func(w http.ResponseWriter, r *http.Request) { serve(w, r, StableCache) })
	mux.HandleFunc("GET /widget/{file}", func(w http.ResponseWriter, r *http.Request) {
		if "/widget/"+r.PathValue("file") != Path() {
			// An old hash after an upgrade: send the reader to the current one.
			if strings.HasPrefix(r.PathValue("file"), "embed.") && strings.HasSuffix(r.PathValue("file"), ".js") {
				w.Header().Set("Cache-Control", "no-cache")
				http.Redirect(w, r, Path(), http.StatusFound)
				return
			}
			http.NotFound(w, r)
			return
		}
		serve(w, r, ImmutableCache)
	})
	return mux
}

func serve(w http.ResponseWriter, r *http.Request, cache string) {
	h := w.Header()
	etag := `"` + served().hash + `"`
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", cache)
	h.Set("ETag", etag)
	h.Set("Vary", "Accept-Encoding")
	// Any site may load the script; it reads nothing from the page's origin.
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if strings.Contains(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := served().js
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = served().gz
	}
	w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

var snippet = template.Must(template.New("snippet").Parse(
	`<div data-parley data-site="{{.Site}}" data-url="{{.URL}}" data-title="{{.Title}}"{{if .Lang}} data-lang="{{.Lang}}"{{end}}></div>
<script src="{{.Src}}" async></script>`))

// Snippet returns the HTML a newsroom puts where comments should appear:
// the widget's placeholder and the content-hashed script from baseURL. An
// empty lang lets the widget follow the page's lang attribute.
func Snippet(baseURL, site, articleURL, title, lang string) template.HTML {
	var b strings.Builder
	err := snippet.Execute(&b, struct{ Site, URL, Title, Lang, Src string }{
		site, articleURL, title, lang, strings.TrimRight(baseURL, "/") + Path(),
	})
	if err != nil {
		panic(err) // fixed template over strings: a failure is a bug
	}
	return template.HTML(b.String())
}

// stripLineComments drops the lines of embed.js that are only a // comment:
// they are for the people reading the source, not for every reader's
// browser. (Template literals in embed.js never hold such a line; the
// widget's browser tests run the script as served.)
func stripLineComments(js string) string {
	var b strings.Builder
	b.Grow(len(js))
	for line := range strings.Lines(js) {
		if strings.HasPrefix(strings.TrimSpace(line), "//") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}
