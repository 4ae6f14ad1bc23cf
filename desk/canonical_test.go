package desk_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

// Closing, opening or retitling an article by a URL the server learned is
// an alias changes the canonical article (the CLI, the API and the
// dashboard all come here).
func TestChangeArticleFollowsAlias(t *testing.T) {
	d, s, clk := newMailDesk(t)
	ctx := context.Background()
	const amp, canonical = "https://news.example/talks/amp", "https://news.example/talks"
	c := &comment.Comment{SiteID: "news", ArticleURL: amp, Body: "b", HTML: "<p>b</p>", EmailCipher: []byte{1}, EmailHMAC: []byte{2},
		Status: comment.StatusPending, Score: -1, EditTokenHash: []byte{3}, CreatedAt: clk.t}
	if err := s.CreateComment(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CanonicalizeArticle(ctx, comment.ArticleCanonical{SiteID: "news", URL: amp, Canonical: canonical, Moderator: "article-page"}); err != nil {
		t.Fatal(err)
	}
	closed, title := true, "Talks resume"
	clk.t = clk.t.Add(time.Minute)
	a, err := d.ChangeArticle(ctx, comment.ArticleChange{SiteID: "news", URL: amp, Closed: &closed, Title: &title, Moderator: "cli:ann"})
	if err != nil {
		t.Fatalf("changing the article by its alias: %v", err)
	}
	if a.URL != canonical || !a.Closed || a.Title != title {
		t.Errorf("changed article = %+v; want the canonical one, closed and retitled", a)
	}
	if got, err := s.Article(ctx, "news", canonical); err != nil || !got.Closed {
		t.Errorf("canonical article = %+v, %v; want closed", got, err)
	}
}
