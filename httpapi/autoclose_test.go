package httpapi_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/httpapi"
)

type closedThread struct {
	Article struct {
		Closed bool `json:"closed"`
	} `json:"article"`
	Sort     string `json:"sort"`
	Comments []struct {
		ID int64 `json:"id"`
	} `json:"comments"`
}

// With auto_close_days 3 an article takes comments for three days after
// its first one, then refuses them like a closed article (422 naming
// article_url) and its thread says closed; the article's own override
// (never) opens it again, and another article is not touched.
func TestAutoClose(t *testing.T) {
	clk := &fakeClock{t: time.Now().UTC()}
	e := newEnv(t, func(c *httpapi.Config) { c.Now = clk.Now })
	if resp := e.admin("PATCH", "/api/v1/admin/sites/news/policy", map[string]any{"auto_close_days": 3}, nil); resp.StatusCode != 200 {
		t.Fatalf("set auto_close_days: %d", resp.StatusCode)
	}
	first := e.submit(validSubmission())
	e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", first.ID), nil, nil)
	var th closedThread
	e.do("GET", "/api/v1/threads?"+threadQuery(""), nil, nil, &th)
	if th.Article.Closed {
		t.Fatal("the article is closed at once")
	}
	clk.Add(2*24*time.Hour + 23*time.Hour)
	e.submit(validSubmission()) // still open two days and 23 hours later
	clk.Add(time.Hour)
	var p problem
	if resp := e.do("POST", "/api/v1/comments", validSubmission(), nil, &p); resp.StatusCode != 422 || !slices.Contains(fieldsOf(p), "article_url") {
		t.Errorf("a comment three days after the first: %d %+v, want 422 naming article_url", resp.StatusCode, p)
	}
	th = closedThread{}
	e.do("GET", "/api/v1/threads?"+threadQuery(""), nil, nil, &th)
	if !th.Article.Closed {
		t.Error("the thread of an auto-closed article does not say closed (a cached copy outlived the deadline?)")
	}
	if resp := e.admin("POST", "/api/v1/admin/comments", map[string]any{"site": "news", "article_url": articleURL, "body": "Editor's note."}, &p); resp.StatusCode != 422 || !slices.Contains(fieldsOf(p), "article_url") {
		t.Errorf("a staff comment on the auto-closed article: %d %+v", resp.StatusCode, p)
	}
	other := validSubmission()
	other["article_url"] = "https://news.example/2026/other"
	e.submit(other) // another article's clock starts with its own first comment

	// The article's own override: never.
	if resp := e.admin("PATCH", "/api/v1/admin/sites/news/policy", map[string]any{"auto_close": []map[string]any{{"url": articleURL, "days": 0}}}, nil); resp.StatusCode != 200 {
		t.Fatalf("set the article's override: %d", resp.StatusCode)
	}
	e.submit(validSubmission())
	th = closedThread{}
	e.do("GET", "/api/v1/threads?"+threadQuery(""), nil, nil, &th)
	if th.Article.Closed {
		t.Error("the article with its own never still says closed")
	}
	for _, bad := range []map[string]any{{"auto_close_days": -1}, {"auto_close": []map[string]any{{"url": "not a url", "days": 1}}}} {
		var p problem
		resp := e.admin("PATCH", "/api/v1/admin/sites/news/policy", bad, &p)
		if resp.StatusCode != 422 || len(p.Errors) == 0 {
			t.Errorf("%v: %d %+v", bad, resp.StatusCode, p)
		}
	}
}

// sort=featured puts the featured top-level comments first; a site whose
// default_sort is featured gets that order without asking, and an unknown
// sort names the field.
func TestFeaturedFirstSort(t *testing.T) {
	e := newEnv(t)
	var ids []int64
	for i := 0; i < 3; i++ {
		s := validSubmission()
		s["body"] = fmt.Sprintf("Comment number %d on the talks.", i)
		c := e.submit(s)
		e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", c.ID), nil, nil)
		ids = append(ids, c.ID)
	}
	e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/feature", ids[2]), nil, nil)
	order := func(extra string) (string, []int64) {
		var th closedThread
		e.do("GET", "/api/v1/threads?"+threadQuery(extra), nil, nil, &th)
		var out []int64
		for _, c := range th.Comments {
			out = append(out, c.ID)
		}
		return th.Sort, out
	}
	if sort, got := order(""); sort != "oldest" || !slices.Equal(got, ids) {
		t.Errorf("default order: %s %v, want oldest %v", sort, got, ids)
	}
	want := []int64{ids[2], ids[0], ids[1]}
	if sort, got := order("&sort=featured"); sort != "featured" || !slices.Equal(got, want) {
		t.Errorf("sort=featured: %s %v, want %v", sort, got, want)
	}
	if resp := e.admin("PATCH", "/api/v1/admin/sites/news/policy", map[string]any{"default_sort": "featured"}, nil); resp.StatusCode != 200 {
		t.Fatalf("set default_sort: %d", resp.StatusCode)
	}
	if sort, got := order(""); sort != "featured" || !slices.Equal(got, want) {
		t.Errorf("site default featured: %s %v, want %v", sort, got, want)
	}
	if _, got := order("&sort=oldest"); !slices.Equal(got, ids) {
		t.Errorf("sort=oldest on a featured-first site: %v", got)
	}
	var p problem
	if resp := e.do("GET", "/api/v1/threads?"+threadQuery("&sort=best"), nil, nil, &p); resp.StatusCode != 400 || !slices.Contains(fieldsOf(p), "sort") {
		t.Errorf("sort=best: %d %+v", resp.StatusCode, p)
	}
	if resp := e.admin("PATCH", "/api/v1/admin/sites/news/policy", map[string]any{"default_sort": "best"}, &p); resp.StatusCode != 422 || !slices.Contains(fieldsOf(p), "default_sort") {
		t.Errorf("default_sort best: %d %+v", resp.StatusCode, p)
	}
}
