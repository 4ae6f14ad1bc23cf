package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

// TestArticleCloseOpenScoped (issue 10, finding 1): a moderator limited to
// one site cannot close or open another site's article (403 naming the
// site, the article unchanged, nothing audited), and every close and open
// that is allowed is in the audit log under the moderator who made it.
func TestArticleCloseOpenScoped(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const blogURL = "https://blog.example/post"
	if err := e.store.CreateSite(ctx, comment.Site{ID: "blog", Origins: []string{"https://blog.example"}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	n := 0
	onNews := func() map[string]any {
		n++
		s := validSubmission()
		s["body"] = fmt.Sprintf("Comment %d: the patrol question decides everything.", n)
		return s
	}
	onBlog := func() map[string]any {
		s := onNews()
		s["site"], s["article_url"] = "blog", blogURL
		return s
	}
	e.submit(onNews())
	e.submit(onBlog())
	bob := map[string]string{"Authorization": "Bearer " + e.moderatorToken(comment.RoleModerator, "blog")}

	type entry struct {
		Moderator string `json:"moderator"`
		Action    string `json:"action"`
		Site      string `json:"site"`
	}
	auditOf := func(site string) []entry {
		t.Helper()
		var out struct {
			Entries []entry `json:"entries"`
		}
		wantStatus(t, e.admin("GET", "/api/v1/admin/audit?site="+site, nil, &out), 200, "audit of "+site)
		return out.Entries
	}
	articleActions := func(site string) []entry {
		var got []entry
		for _, en := range auditOf(site) {
			if en.Action == string(comment.ActionCloseArticle) || en.Action == string(comment.ActionOpenArticle) {
				got = append(got, en)
			}
		}
		return got
	}

	// Bob, limited to the blog, is refused on news.
	for _, action := range []string{"close", "open"} {
		var p problem
		resp := e.do("POST", "/api/v1/admin/articles/"+action, map[string]any{"site": "news", "url": articleURL}, bob, &p)
		wantStatus(t, resp, 403, "bob "+action+"s a news article")
		if !slices.Equal(fieldsOf(p), []string{"site"}) {
			t.Errorf("bob %ss a news article: fields %v, want site", action, fieldsOf(p))
		}
	}
	if got := e.submit(onNews()); got.Status != "pending" {
		t.Errorf("a comment on news after bob's refused close: %+v, want accepted", got)
	}
	if got := articleActions("news"); len(got) != 0 {
		t.Errorf("refused closes audited: %+v", got)
	}

	// On his own site he may, and each change is audited under his name.
	var p problem
	wantStatus(t, e.do("POST", "/api/v1/admin/articles/close", map[string]any{"site": "blog", "url": blogURL}, bob, nil), 200, "bob closes a blog article")
	wantStatus(t, e.do("POST", "/api/v1/comments", onBlog(), nil, &p), 422, "a comment on the closed blog article")
	wantStatus(t, e.do("POST", "/api/v1/admin/articles/open", map[string]any{"site": "blog", "url": blogURL}, bob, nil), 200, "bob opens a blog article")
	e.submit(onBlog())
	want := []entry{{"mo-moderator", "open_article", "blog"}, {"mo-moderator", "close_article", "blog"}}
	if got := articleActions("blog"); !slices.Equal(got, want) {
		t.Errorf("blog's audit of article changes = %+v, want %+v (newest first)", got, want)
	}

	// An admin may on any site, audited too.
	wantStatus(t, e.admin("POST", "/api/v1/admin/articles/close", map[string]any{"site": "news", "url": articleURL}, nil), 200, "ann closes a news article")
	if got := articleActions("news"); !slices.Equal(got, []entry{{"ann", "close_article", "news"}}) {
		t.Errorf("news's audit of article changes = %+v, want ann's close", got)
	}
}
