package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
)

func TestPageTitle(t *testing.T) {
	for _, tt := range []struct{ page, want string }{
		{`<html><head><title>Plain</title><meta property="og:title" content="  The  og title "></head><body><title>x</title>`, "The og title"},
		{`<head><title>
			Only a title </title></head>`, "Only a title"},
		{`<head><meta name="og:title" content="By name"></head>`, "By name"},
		{`<body><h1>No head</h1></body>`, ""},
		{`<head><title>` + strings.Repeat("long ", 100) + `</title>`, strings.TrimSpace(strings.Repeat("long ", 60))},
		{`<head><title>bell` + "\x07" + `</title>`, ""},
	} {
		if got := httpapi.PageTitle(strings.NewReader(tt.page)); got != tt.want {
			t.Errorf("PageTitle(%.40q) = %q, want %q", tt.page, got, tt.want)
		}
	}
}

// The first commenter's title is never published; the page's og:title is,
// once read in the background, and the change is audited.
func TestArticleTitleFromPage(t *testing.T) {
	var fetched atomic.Int32
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><title>Site | Talks</title><meta property="og:title" content="Talks resume in Geneva"></head><body>…</body></html>`)
	}))
	defer page.Close()
	e := newEnv(t, func(c *httpapi.Config) { c.FetchArticles = true })
	ctx := context.Background()
	site, _ := e.store.Site(ctx, "news")
	site.Origins = append(site.Origins, page.URL)
	if err := e.store.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	article := page.URL + "/2026/talks"
	sub := validSubmission()
	sub["article_url"], sub["article_title"] = article, "You won't believe this"
	s := e.submit(sub)
	e.approveID(s.ID)
	q := "site=news&url=" + url.QueryEscape(article)
	var th threadJSON
	for i := 0; i < 100; i++ {
		th = e.thread(q)
		if th.Article.Title != "" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if th.Article.Title != "Talks resume in Geneva" {
		t.Fatalf("thread title = %q, want the page's og:title", th.Article.Title)
	}
	a, _ := e.store.Article(ctx, "news", article)
	if !a.TitleVerified {
		t.Error("title not marked verified")
	}
	entries, _ := e.store.Audit(ctx, comment.AuditFilter{SiteID: "news", Action: comment.ActionSetTitle, Limit: 5})
	if len(entries) != 1 || entries[0].Moderator != "article-page" || entries[0].Target != article {
		t.Errorf("audit = %+v", entries)
	}
	e.submit(sub)
	time.Sleep(50 * time.Millisecond)
	if fetched.Load() != 1 {
		t.Errorf("page fetched %d times, want once per article", fetched.Load())
	}
}

// The canonical link is read in the same pass as the title, resolved
// against the page's URL and normalized; a link off the site's origins, not
// http(s), or outside the head is ignored.
func TestReadArticlePageCanonical(t *testing.T) {
	site := comment.Site{ID: "news", Origins: []string{"https://news.example"}, TrackingParams: []string{"ref"}}
	const page = "https://news.example/amp/2026/talks"
	for _, tt := range []struct{ html, title, canonical string }{
		{`<head><title>Talks</title><link rel="canonical" href="/2026/talks?utm_source=amp&ref=x&id=7#top"></head>`, "Talks", "https://news.example/2026/talks?id=7"},
		{`<head><link rel="canonical" href="talks"><meta property="og:title" content="OG"></head>`, "OG", "https://news.example/amp/2026/talks"},
		{`<head><link rel="Canonical alternate" href="https://news.example/2026/talks"></head>`, "", "https://news.example/2026/talks"},
		{`<head><link rel="canonical" href="https://mirror.example/2026/talks"></head>`, "", ""},
		{`<head><link rel="canonical" href="//mirror.example/2026/talks"></head>`, "", ""},
		{`<head><link rel="canonical" href="ftp://news.example/2026/talks"></head>`, "", ""},
		{`<head><link rel="canonical" href="javascript:alert(1)"></head>`, "", ""},
		{`<head><link rel="alternate" href="/2026/talks"><title>None</title></head>`, "None", ""},
		{`<head><title>Late</title></head><body><link rel="canonical" href="/2026/talks">`, "Late", ""},
		{`<head><link rel="canonical" href="/first"><link rel="canonical" href="/second"></head>`, "", "https://news.example/first"},
	} {
		got := httpapi.ReadArticlePage(strings.NewReader(tt.html), page, site)
		if got.Title != tt.title || got.Canonical != tt.canonical {
			t.Errorf("ReadArticlePage(%.60q) = %+v, want title %q canonical %q", tt.html, got, tt.title, tt.canonical)
		}
	}
}

// A comment posted under a non-canonical URL (an AMP page whose canonical
// link names the article) moves to the canonical article once the page is
// read in the background; later comments and thread reads under the old
// URL use the canonical article.
func TestArticleCanonicalFromPage(t *testing.T) {
	release := make(chan struct{})
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/2026/talks":
			fmt.Fprint(w, `<!doctype html><head><meta property="og:title" content="Talks resume in Geneva"><link rel="canonical" href="/2026/talks"></head>`)
		case "/amp/2026/talks":
			<-release // held until the test has read the AMP thread
			fmt.Fprint(w, `<!doctype html><head><title>AMP</title><link rel="canonical" href="/2026/talks?utm_source=amp"></head>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer page.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	e := newEnv(t, func(c *httpapi.Config) { c.FetchArticles = true })
	ctx := context.Background()
	e.updateSite(func(s *comment.Site) { s.Origins = append(s.Origins, page.URL) })
	canonical, amp := page.URL+"/2026/talks", page.URL+"/amp/2026/talks"
	thread := func(u string) threadJSON { return e.thread("site=news&url=" + url.QueryEscape(u)) }
	waitFor := func(what string, done func() bool) {
		t.Helper()
		for i := 0; i < 200 && !done(); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		if !done() {
			t.Fatalf("timed out waiting for %s", what)
		}
	}

	sub := validSubmission()
	sub["article_url"], sub["body"] = canonical, "First, on the article itself."
	first := e.published(sub)
	waitFor("the canonical article's title", func() bool { return thread(canonical).Article.Title != "" })

	sub["article_url"], sub["body"] = amp, "Second, from the AMP page."
	second := e.published(sub)
	if th := thread(amp); len(th.Comments) != 1 || th.Comments[0].ID != second.ID {
		t.Fatalf("AMP thread before the page is read = %+v", th.Comments)
	}
	close(release)
	waitFor("the AMP article to move", func() bool {
		_, err := e.store.Article(ctx, "news", amp)
		return comment.ErrorCode(err) == comment.CodeNotFound
	})

	th := thread(canonical)
	if len(th.Comments) != 2 || th.Comments[0].ID != first.ID || th.Comments[1].ID != second.ID || th.Article.CommentCount != 2 {
		t.Fatalf("canonical thread = %+v (count %d), want both comments", th.Comments, th.Article.CommentCount)
	}
	if th.Article.Title != "Talks resume in Geneva" {
		t.Errorf("canonical title = %q", th.Article.Title)
	}
	if old := thread(amp); old.Article.URL != canonical || len(old.Comments) != 2 {
		t.Errorf("thread read under the AMP URL = %s with %d comments, want the canonical thread", old.Article.URL, len(old.Comments))
	}

	sub["article_url"], sub["body"] = amp+"?utm_source=share", "Third, from the AMP page again."
	third := e.published(sub)
	if th := thread(canonical); len(th.Comments) != 3 || th.Comments[2].ID != third.ID {
		t.Fatalf("canonical thread after a new AMP comment = %+v", th.Comments)
	}
	if _, err := e.store.Article(ctx, "news", amp); comment.ErrorCode(err) != comment.CodeNotFound {
		t.Errorf("a comment under the alias made an article there again: %v", err)
	}
	entries, _ := e.store.Audit(ctx, comment.AuditFilter{SiteID: "news", Action: comment.ActionCanonical, Limit: 5})
	if len(entries) != 1 || entries[0].Moderator != "article-page" || entries[0].Target != amp || entries[0].Note != canonical {
		t.Errorf("audit = %+v", entries)
	}
}
