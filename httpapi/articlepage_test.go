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
