package storetest

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

// testCanonicalizeArticle: an article commented under a non-canonical URL
// is renamed to its canonical URL, or merged into the article already
// there (comments, counts), with an alias recorded and the move audited.
func testCanonicalizeArticle(t *testing.T, s comment.Store) {
	ctx := context.Background()
	const (
		amp   = "https://news.example/amp/a"
		print = "https://news.example/print/a"
		canon = "https://news.example/a"
		other = "https://news.example/b"
	)
	mustSite(t, s, "demo")
	mustSite(t, s, "else")
	move := func(url, to string, at time.Time) (comment.Article, error) {
		return s.CanonicalizeArticle(ctx, comment.ArticleCanonical{SiteID: "demo", URL: url, Canonical: to, Moderator: "article-page", At: at})
	}
	wantAliases := func(want map[string]string) {
		t.Helper()
		got, err := s.ArticleAliases(ctx, "demo")
		if err != nil || !maps.Equal(got, want) {
			t.Fatalf("aliases = %v, %v; want %v", got, err, want)
		}
	}

	// Renamed: no article at the canonical URL yet.
	c1 := mustCreate(t, s, newComment("demo", amp, 1))
	approve(t, s, c1.ID, t0.Add(time.Minute))
	c2 := mustCreate(t, s, newComment("demo", amp, 2))
	before, _ := s.Article(ctx, "demo", amp)
	a, err := move(amp, canon, t0.Add(2*time.Minute))
	if err != nil || a.ID != before.ID || a.URL != canon || a.ApprovedCount != 1 {
		t.Fatalf("renamed = %+v, %v; want article %d at %s with 1 approved", a, err, before.ID, canon)
	}
	_, err = s.Article(ctx, "demo", amp)
	wantCode(t, err, comment.CodeNotFound)
	if got, err := s.Comment(ctx, c2.ID); err != nil || got.ArticleURL != canon {
		t.Errorf("pending comment's article = %q, %v; want %s", got.ArticleURL, err, canon)
	}
	wantAliases(map[string]string{amp: canon})

	// Merged: the canonical article exists; comments, replies and counts join it.
	c3 := mustCreate(t, s, newComment("demo", print, 3))
	approve(t, s, c3.ID, t0.Add(3*time.Minute))
	reply := newComment("demo", print, 4)
	reply.ParentID = c3.ID
	mustCreate(t, s, reply)
	approve(t, s, reply.ID, t0.Add(3*time.Minute))
	c5 := mustCreate(t, s, newComment("demo", print, 5))
	counts, _ := s.CountByStatus(ctx, "demo")
	a, err = move(print, canon, t0.Add(4*time.Minute))
	if err != nil || a.ID != before.ID || a.URL != canon || a.ApprovedCount != 3 {
		t.Fatalf("merged = %+v, %v; want article %d with 3 approved", a, err, before.ID)
	}
	_, err = s.Article(ctx, "demo", print)
	wantCode(t, err, comment.CodeNotFound)
	th, err := s.Thread(ctx, comment.ThreadQuery{SiteID: "demo", URL: canon})
	if err != nil || len(th.Roots) != 2 || th.Roots[0].ID != c1.ID || th.Roots[1].ID != c3.ID || len(th.Replies) != 1 || th.Replies[0].ID != reply.ID {
		t.Fatalf("canonical thread = roots %+v replies %+v, %v; want c1 and c3 with its reply", th.Roots, th.Replies, err)
	}
	if th.Article.ApprovedCount != 3 {
		t.Errorf("thread's approved count = %d, want 3", th.Article.ApprovedCount)
	}
	if got, err := s.Comment(ctx, c5.ID); err != nil || got.ArticleURL != canon {
		t.Errorf("pending comment's article = %q, %v; want %s", got.ArticleURL, err, canon)
	}
	if after, _ := s.CountByStatus(ctx, "demo"); !maps.Equal(after, counts) {
		t.Errorf("counts by status = %v after the merge, %v before", after, counts)
	}
	wantAliases(map[string]string{amp: canon, print: canon})

	// A later move takes the aliases along, and never leaves a cycle.
	if _, err := move(canon, other, t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantAliases(map[string]string{amp: other, print: other, canon: other})
	if a, err = move(other, canon, t0.Add(6*time.Minute)); err != nil || a.URL != canon || a.ApprovedCount != 3 {
		t.Fatalf("moved back = %+v, %v", a, err)
	}
	wantAliases(map[string]string{amp: canon, print: canon, other: canon})

	// Audited, each with the old URL as target and the canonical as note.
	entries, err := s.Audit(ctx, comment.AuditFilter{SiteID: "demo", Action: comment.ActionCanonical, Limit: 10})
	if err != nil || len(entries) != 4 {
		t.Fatalf("audit = %+v, %v; want 4 canonical entries", entries, err)
	}
	if e := entries[len(entries)-1]; e.Moderator != "article-page" || e.Target != amp || e.Note != canon || e.CommentID != 0 || !e.At.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("first canonical entry = %+v", e)
	}

	// Refused: the same URL, or an unknown article; nothing is recorded.
	_, err = move(canon, canon, t0)
	wantCode(t, err, comment.CodeInvalid)
	_, err = move("https://news.example/none", canon, t0)
	wantCode(t, err, comment.CodeNotFound)
	wantAliases(map[string]string{amp: canon, print: canon, other: canon})
	if got, err := s.ArticleAliases(ctx, "else"); err != nil || len(got) != 0 {
		t.Errorf("another site's aliases = %v, %v", got, err)
	}
}

// testCanonicalizeImported: merging articles that both hold imported
// comments keeps each source reference once, on the canonical article, so
// a re-import there finds them all.
func testCanonicalizeImported(t *testing.T, s comment.Store) {
	const amp, canon = "https://news.example/amp/x", "https://news.example/x"
	mustSite(t, s, "demo")
	importAll(t, s, imported(amp, "1", "", 1, comment.StatusApproved), imported(amp, "3", "", 3, comment.StatusApproved))
	importAll(t, s, imported(canon, "1", "", 4, comment.StatusApproved), imported(canon, "2", "", 2, comment.StatusApproved))
	a, err := s.CanonicalizeArticle(context.Background(), comment.ArticleCanonical{SiteID: "demo", URL: amp, Canonical: canon, Moderator: "article-page", At: t0})
	if err != nil || a.ApprovedCount != 4 {
		t.Fatalf("merged = %+v, %v; want 4 approved", a, err)
	}
	again, _ := importAll(t, s, imported(canon, "1", "", 5, comment.StatusApproved), imported(canon, "2", "", 6, comment.StatusApproved),
		imported(canon, "3", "", 7, comment.StatusApproved))
	for i, o := range again {
		if o != comment.Duplicate {
			t.Errorf("re-import %d on the canonical article = %v, want Duplicate", i+1, o)
		}
	}
}
