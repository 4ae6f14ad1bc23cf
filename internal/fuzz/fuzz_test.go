package fuzz

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/internal/testenv"
	"github.com/parleyhq/parley/secret"
)

// memStore is the part of a store that a submission touches, in memory,
// so that the fuzzed handler runs without a database. Every other method
// panics (the embedded nil interface), which the server would answer with
// a 500 and the fuzz target would report.
type memStore struct {
	comment.Store
	mu   sync.Mutex
	last *comment.Comment
}

var fuzzSite = comment.Site{ID: "news", Origins: []string{"https://news.example"}}

func (m *memStore) Site(_ context.Context, id string) (comment.Site, error) {
	if id == fuzzSite.ID {
		return fuzzSite, nil
	}
	return comment.Site{}, comment.Errorf(comment.CodeNotFound, "Site not found.")
}

func (m *memStore) Commenter(context.Context, string, []byte) (comment.Commenter, error) {
	return comment.Commenter{}, nil
}

// ArticleAliases: no article has moved to its canonical URL here (every
// submission resolves its URL through them).
func (m *memStore) ArticleAliases(context.Context, string) (map[string]string, error) {
	return nil, nil
}

// AddressBan: no address is banned here (every submission is checked).
// TrustedNames: no trusted commenters (the look-alike check reads them).
func (m *memStore) TrustedNames(context.Context, string) ([]comment.NameHolder, error) {
	return nil, nil
}

// RecentComments is what the moderation rules read; the fuzzed
// submissions have no history.
func (m *memStore) RecentComments(context.Context, comment.RecentQuery) ([]comment.Recent, error) {
	return nil, nil
}

func (m *memStore) AddressBan(context.Context, string, []byte, time.Time) (comment.AddressBan, error) {
	return comment.AddressBan{}, comment.Errorf(comment.CodeNotFound, "No ban.")
}

// Comment is the parent a reply is scored with: comment 7 exists, no other.
func (m *memStore) Comment(_ context.Context, id int64) (comment.Comment, error) {
	if id == 7 {
		return comment.Comment{ID: 7, SiteID: "news", Status: comment.StatusApproved, AuthorName: "Bob", Body: "Bob's point."}, nil
	}
	return comment.Comment{}, comment.Errorf(comment.CodeNotFound, "Comment not found.")
}

// Ancestry is the chain from a thread's root to id: comment 7 is a root.
func (m *memStore) Ancestry(_ context.Context, id int64) ([]int64, error) {
	if id == 7 {
		return []int64{7}, nil
	}
	return nil, comment.Errorf(comment.CodeNotFound, "Comment not found.")
}

func (m *memStore) CreateComment(_ context.Context, c *comment.Comment) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c.ID = 1
	m.last = c
	return nil
}

// submitFields are the JSON names a field error may name.
var submitFields = map[string]bool{"site": true, "article_url": true, "article_title": true, "parent_id": true,
	"name": true, "email": true, "website": true, "body": true, "homepage": true, "Origin": true}

// FuzzSubmit sends arbitrary bodies to POST /api/v1/comments through the
// real handler: never a 5xx or a panic; every refusal a problem+json 4xx
// whose field errors name real fields; and whatever is accepted meets every
// rule the API documents, and is stored as rendered, sanitized HTML.
func FuzzSubmit(f *testing.F) {
	valid := map[string]any{"site": "news", "article_url": "https://news.example/a", "article_title": "T",
		"name": "Ada", "email": "ada@example.com", "website": "https://ada.example", "body": "A point."}
	add := func(m map[string]any) {
		raw, _ := json.Marshal(m)
		f.Add(raw)
	}
	add(valid)
	reply := map[string]any{"parent_id": 7}
	for k, v := range valid {
		reply[k] = v
	}
	add(reply)
	reply["parent_id"] = 8
	add(reply)
	for _, s := range []string{`{}`, `[]`, `"x"`, `1`, `null`, `{"parent_id":"1"}`, `{"parent_id":-1}`, `{"body":1e400}`,
		`{"a":1}{"b":2}`, "{\"body\":\"\xff\"}", `{"site":"news","parent_id":9223372036854775808}`} {
		f.Add([]byte(s))
	}
	for i, s := range testenv.HostileStrings(f) {
		if i >= 600 && i%20 != 0 { // the naughty strings, and a sample of the XSS list
			continue
		}
		f.Add([]byte(s))
		field := []string{"name", "email", "website", "body", "article_url", "article_title", "site"}[i%7]
		m := map[string]any{}
		for k, v := range valid {
			m[k] = v
		}
		m[field] = s
		add(m)
	}
	keys, err := secret.New(bytes.Repeat([]byte{1}, secret.KeySize))
	if err != nil {
		f.Fatal(err)
	}
	store := &memStore{}
	api := httpapi.New(httpapi.Config{Store: store, Keys: keys, NoRateLimits: true})
	f.Fuzz(func(t *testing.T, body []byte) {
		store.last = nil
		r := httptest.NewRequest("POST", "/api/v1/comments", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("answered %d: %s", w.Code, w.Body)
		}
		if w.Code != http.StatusAccepted {
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Fatalf("a %d answered with Content-Type %q", w.Code, ct)
			}
			var p struct {
				Status int                  `json:"status"`
				Detail string               `json:"detail"`
				Errors []comment.FieldError `json:"errors"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != w.Code || p.Detail == "" {
				t.Fatalf("problem %q: %v", w.Body, err)
			}
			for _, fe := range p.Errors {
				known := submitFields[fe.Field] || fe.Message == "is not a known field" && fe.Field != ""
				if !known || fe.Message == "" {
					t.Fatalf("field error %+v: unknown field or no message", fe)
				}
			}
			return
		}
		c := store.last
		if c == nil {
			t.Fatal("202 without a stored comment")
		}
		name := strings.TrimSpace(c.AuthorName)
		if n := utf8.RuneCountInString(name); n < 1 || n > httpapi.MaxNameRunes {
			t.Fatalf("accepted a name of %d characters", n)
		}
		if n := utf8.RuneCountInString(c.Body); strings.TrimSpace(c.Body) == "" || n > httpapi.MaxBodyRunes {
			t.Fatalf("accepted a body of %d characters", n)
		}
		for field, v := range map[string]string{"name": c.AuthorName, "website": c.AuthorWebsite, "article_url": c.ArticleURL, "article_title": c.ArticleTitle} {
			if !utf8.ValidString(v) || strings.ContainsAny(v, "\x00\r\n\x1b") {
				t.Fatalf("accepted %s %q with a control character or bad UTF-8", field, v)
			}
		}
		if !utf8.ValidString(c.Body) || strings.ContainsAny(c.Body, "\x00\r\x1b") {
			t.Fatalf("accepted body %q with a control character", c.Body)
		}
		if o, ok := httpapi.Origin(c.ArticleURL); !ok || o != "https://news.example" {
			t.Fatalf("accepted article_url %q off the site's origin", c.ArticleURL)
		}
		if c.AuthorWebsite != "" && !httpapi.ValidHTTPURL(c.AuthorWebsite) {
			t.Fatalf("accepted website %q", c.AuthorWebsite)
		}
		if len(c.EmailCipher) == 0 || len(c.EmailHMAC) == 0 || c.Status != comment.StatusPending && c.Status != comment.StatusSpam {
			t.Fatalf("stored %+v", c)
		}
		checkHTML(t, c.HTML)
	})
}

var (
	tagRe  = regexp.MustCompile(`<(/?)([a-zA-Z0-9]+)([^>]*)>`)
	attrRe = regexp.MustCompile(`\s([a-zA-Z-]+)="([^"]*)"`)
)

// allowedTags are the elements a rendered comment may hold.
var allowedTags = map[string]bool{"p": true, "br": true, "em": true, "strong": true, "del": true, "code": true,
	"pre": true, "blockquote": true, "ul": true, "ol": true, "li": true, "a": true}

// checkHTML fails unless html holds only the allowed elements, links only
// an http(s) href and Parley's rel, and no '<' outside a tag.
func checkHTML(t *testing.T, html string) {
	t.Helper()
	if !utf8.ValidString(html) {
		t.Fatalf("rendered invalid UTF-8: %q", html)
	}
	rest := tagRe.ReplaceAllStringFunc(html, func(tag string) string {
		m := tagRe.FindStringSubmatch(tag)
		name := strings.ToLower(m[2])
		if !allowedTags[name] {
			t.Fatalf("element <%s> in %q", name, html)
		}
		if stripped := strings.TrimSpace(strings.TrimSuffix(attrRe.ReplaceAllString(m[3], ""), "/")); stripped != "" {
			t.Fatalf("tag %q has attributes that are not name=\"value\": %q", tag, stripped)
		}
		for _, a := range attrRe.FindAllStringSubmatch(m[3], -1) {
			switch {
			case name == "a" && a[1] == "href":
				href := strings.ToLower(a[2])
				if !strings.HasPrefix(href, "http://") && !strings.HasPrefix(href, "https://") {
					t.Fatalf("link to %q in %q", a[2], html)
				}
			case name == "a" && a[1] == "rel":
				if a[2] != httpapi.LinkRel {
					t.Fatalf("rel %q", a[2])
				}
			default:
				t.Fatalf("attribute %s on <%s> in %q", a[1], name, html)
			}
		}
		if name == "a" && m[1] == "" && !strings.Contains(m[3], `rel="`+httpapi.LinkRel+`"`) {
			t.Fatalf("link without rel in %q", html)
		}
		return ""
	})
	if strings.Contains(rest, "<") {
		t.Fatalf("a '<' outside a tag in %q", html)
	}
}

// FuzzRenderMarkdown renders arbitrary Markdown and checks the HTML with
// checkHTML.
func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range []string{"", "*a* **b** `c`", "[x](javascript:alert(1))", "<script>alert(1)</script>", "![i](https://x/y.png)",
		"> q\n\n- a\n- b", "http://example.com/<b>", "[a](https://x \"t\")", "<a href=x onclick=y>z</a>", "```\n<b>\n```",
		"www.example.com/\"onmouseover=alert(1)", "[x](https://a.example/\"><script>)"} {
		f.Add(s)
	}
	for _, s := range testenv.HostileStrings(f) {
		f.Add(s)
	}
	r := httpapi.NewRenderer()
	f.Fuzz(func(t *testing.T, body string) {
		if !utf8.ValidString(body) {
			return // the API refuses invalid UTF-8 before rendering
		}
		checkHTML(t, r.Render(body))
	})
}

// FuzzURLOrigin normalises arbitrary URLs to their origin: an origin is
// lower-case scheme://host[:port] of http or https, with no user, path,
// query or fragment, and normalising it again gives itself.
func FuzzURLOrigin(f *testing.F) {
	for _, s := range []string{"https://News.Example/a?b#c", "http://user@host/", "javascript:alert(1)", "//host/x", "https://[::1]:8080/x",
		"HTTPS://EXAMPLE.COM:443", "https://ex ample.com", "https://example.com\\@evil.example/", "http://a/%zz"} {
		f.Add(s)
	}
	for _, s := range testenv.HostileStrings(f) {
		f.Add(s)
		f.Add("https://news.example/" + s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		o, ok := httpapi.Origin(raw)
		if !ok {
			if httpapi.ValidHTTPURL(raw) {
				t.Fatalf("%q is a valid URL without an origin", raw)
			}
			return
		}
		if !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
			t.Fatalf("origin %q of %q: not http(s)", o, raw)
		}
		if o != strings.ToLower(o) {
			t.Fatalf("origin %q is not lower case", o)
		}
		host := o[strings.Index(o, "://")+3:]
		if host == "" || strings.ContainsAny(host, "/?#@") {
			t.Fatalf("origin %q of %q carries more than a host", o, raw)
		}
		if again, ok := httpapi.Origin(o); !ok || again != o {
			t.Fatalf("origin of origin %q is %q, %v", o, again, ok)
		}
		if httpapi.ValidHTTPURL(raw) && strings.ContainsAny(raw, " \t\n\"<>\\`") {
			t.Fatalf("valid URL %q holds a character that breaks out of an attribute", raw)
		}
	})
}
