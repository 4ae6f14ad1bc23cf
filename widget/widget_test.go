package widget

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// The budget: the script with its inlined CSS, gzipped, at most 15 KB.
func TestBudget(t *testing.T) {
	const budget = 15 * 1024
	if !bytes.Contains(Script(), []byte("--parley-accent")) {
		t.Fatal("the served script does not carry the CSS")
	}
	if n := len(ScriptGzip()); n > budget {
		t.Fatalf("embed.js + CSS is %d bytes gzipped, over the %d byte budget", n, budget)
	} else {
		t.Logf("embed.js + CSS: %d bytes, %d bytes gzipped (budget %d)", len(Script()), n, budget)
	}
	zr, err := gzip.NewReader(bytes.NewReader(ScriptGzip()))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, Script()) {
		t.Fatal("the gzipped script is not the script")
	}
}

// Nothing is loaded from anywhere but the Parley server, and no cookies.
func TestNoThirdParties(t *testing.T) {
	js := string(Script())
	for _, bad := range []string{"document.cookie", "import(", "XMLHttpRequest", "eval(", "new Function"} {
		if strings.Contains(js, bad) {
			t.Errorf("embed.js uses %s", bad)
		}
	}
	// The only absolute URL in the script is the website field's placeholder.
	for _, u := range regexp.MustCompile(`[a-z]+://[^"'\s)]*`).FindAllString(js, -1) {
		if u != "https://" {
			t.Errorf("embed.js names an outside address: %q", u)
		}
	}
	if !strings.Contains(js, `credentials: "omit"`) {
		t.Error("fetches must not send credentials")
	}
}

func get(t *testing.T, h http.Handler, path string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestHandler(t *testing.T) {
	h := Handler()
	t.Run("Stable", func(t *testing.T) {
		resp := get(t, h, "/embed.js", nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !bytes.Equal(body, Script()) {
			t.Fatalf("GET /embed.js: %d, %d bytes", resp.StatusCode, len(body))
		}
		if got := resp.Header.Get("Cache-Control"); got != StableCache {
			t.Errorf("Cache-Control %q, want %q", got, StableCache)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("Content-Type %q", ct)
		}
	})
	t.Run("Hashed", func(t *testing.T) {
		if !regexp.MustCompile(`^/widget/embed\.[0-9a-f]{16}\.js$`).MatchString(Path()) {
			t.Fatalf("Path() = %q", Path())
		}
		resp := get(t, h, Path(), map[string]string{"Accept-Encoding": "br, gzip"})
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(body, ScriptGzip()) {
			t.Fatalf("GET %s: %d %q, %d bytes", Path(), resp.StatusCode, resp.Header.Get("Content-Encoding"), len(body))
		}
		if got := resp.Header.Get("Cache-Control"); got != ImmutableCache {
			t.Errorf("Cache-Control %q, want %q", got, ImmutableCache)
		}
	})
	t.Run("NotModified", func(t *testing.T) {
		etag := get(t, h, "/embed.js", nil).Header.Get("ETag")
		resp := get(t, h, "/embed.js", map[string]string{"If-None-Match": etag})
		if etag == "" || resp.StatusCode != http.StatusNotModified {
			t.Fatalf("ETag %q, revalidation answered %d", etag, resp.StatusCode)
		}
	})
	t.Run("OldHash", func(t *testing.T) {
		resp := get(t, h, "/widget/embed.0123456789abcdef.js", nil)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != Path() {
			t.Fatalf("old hash: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		if resp := get(t, h, "/widget/secret.txt", nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown file: %d", resp.StatusCode)
		}
	})
}

func TestSnippet(t *testing.T) {
	got := string(Snippet("https://comments.example/", "news", "https://news.example/a?x=1&y=2", `Say "no" <script>alert(1)</script>`, "fr"))
	for _, want := range []string{
		`data-site="news"`,
		`data-url="https://news.example/a?x=1&amp;y=2"`,
		`data-title="Say &#34;no&#34; &lt;script&gt;alert(1)&lt;/script&gt;"`,
		`data-lang="fr"`,
		`<script src="https://comments.example` + Path() + `" async></script>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("snippet lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(string(Snippet("https://c.example", "s", "https://n.example/", "T", "")), "data-lang") {
		t.Error("an empty lang must leave data-lang out")
	}
}

// The served script drops the source's comment lines, which is safe only
// while embed.js has no template literal (whose lines a comment-looking
// line could belong to).
func TestServedWithoutCommentLines(t *testing.T) {
	if strings.Contains(embedJS, "`") {
		t.Fatal("embed.js has a template literal: stripping comment lines may change it")
	}
	for line := range strings.Lines(string(Script())) {
		if strings.HasPrefix(strings.TrimSpace(line), "//") {
			t.Fatalf("served script keeps a comment line: %q", line)
		}
	}
	if !strings.Contains(embedJS, "\n  // ") {
		t.Fatal("the source has no comment lines: this test checks nothing")
	}
}
