// Package storetest is the one conformance suite every comment.Store must
// pass. Each adapter's tests call Run with a function that opens a fresh,
// empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
)

// Open returns a fresh, empty, migrated store; the suite closes it.
type Open func(t *testing.T) comment.Store

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Run runs the whole suite.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(*testing.T, comment.Store)
	}{
		{"Sites", testSites},
		{"CreateComment", testCreateComment},
		{"ErrParentNotApproved", testParentNotApproved},
		{"ErrArticleClosed", testArticleClosed},
		{"ThreadOnlyApproved", testThreadOnlyApproved},
		{"ThreadCursor", testThreadCursor},
		{"Queue", testQueue},
		{"DecideAudit", testDecideAudit},
		{"DecideConcurrent", testDecideConcurrent},
		{"Accounts", testAccounts},
		{"ForgetIPs", testForgetIPs},
		{"CursorPrecision", testCursorPrecision},
		{"StatusesAndCounts", testStatusesAndCounts},
		{"FirstCommentsConcurrent", testFirstCommentsConcurrent},
		{"CreateDecided", testCreateDecided},
	}
	tests = append(tests, dashboardTests...)
	tests = append(tests, submissionTests...)
	tests = append(tests, classifierTests...)
	tests = append(tests, lifecycleTests...)
	tests = append(tests, metricsTests...)
	tests = append(tests, credentialTests...)
	tests = append(tests, nestingTests...)
	tests = append(tests, importTests...)
	tests = append(tests, outboxTests...)
	tests = append(tests, identityTests...)
	tests = append(tests, webhookTests...)
	tests = append(tests, policyTests...)
	tests = append(tests, pickTests...)
	tests = append(tests, staffTests...)
	ran := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
			ran++
		})
	}
	requireRan(t, ran, len(tests))
}

func wantCode(t *testing.T, err error, code comment.Code) {
	t.Helper()
	if got := comment.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func mustSite(t *testing.T, s comment.Store, id string) {
	t.Helper()
	if err := s.CreateSite(context.Background(), comment.Site{ID: id, Origins: []string{"https://news.example"}, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
}

// newComment builds a pending comment at t0 plus n seconds.
func newComment(site, url string, n int) *comment.Comment {
	return &comment.Comment{
		SiteID: site, ArticleURL: url, ArticleTitle: "Title of " + url,
		AuthorName: fmt.Sprintf("Reader %d", n), Body: fmt.Sprintf("Comment %d", n), HTML: fmt.Sprintf("<p>Comment %d</p>", n),
		EmailCipher: []byte{1, 2, 3}, EmailHMAC: []byte{4, 5, 6}, IPHash: []byte{7, 8}, EditTokenHash: []byte(fmt.Sprintf("tok%d", n)),
		Status: comment.StatusPending, Score: -1, CreatedAt: t0.Add(time.Duration(n) * time.Second),
	}
}

func mustCreate(t *testing.T, s comment.Store, c *comment.Comment) *comment.Comment {
	t.Helper()
	if err := s.CreateComment(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func approve(t *testing.T, s comment.Store, id int64, at time.Time) comment.Comment {
	t.Helper()
	c, err := s.Decide(context.Background(), comment.Decision{CommentID: id, Action: comment.ActionApprove, Moderator: "mod", At: at})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testSites(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "b")
	mustSite(t, s, "a")
	wantCode(t, s.CreateSite(ctx, comment.Site{ID: "a", CreatedAt: t0}), comment.CodeConflict)
	_, err := s.Site(ctx, "zz")
	wantCode(t, err, comment.CodeNotFound)
	site, err := s.Site(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(comment.Site{ID: "a", Origins: []string{"https://news.example"}, CreatedAt: t0}, site); diff != "" {
		t.Errorf("Site (-want +got):\n%s", diff)
	}
	site.Origins = []string{"https://a.example", "http://localhost:8080"}
	site.FlagThreshold = 0.6
	if err := s.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	sites, err := s.Sites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) != 2 || sites[0].ID != "a" || sites[0].FlagThreshold != 0.6 || len(sites[0].Origins) != 2 {
		t.Errorf("Sites = %+v", sites)
	}
	wantCode(t, s.UpdateSite(ctx, comment.Site{ID: "nope"}), comment.CodeNotFound)
}

func testCreateComment(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	wantCode(t, s.CreateComment(ctx, newComment("nosite", "https://news.example/a", 1)), comment.CodeNotFound)
	c := mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	if c.ID == 0 || c.ArticleID == 0 {
		t.Fatalf("ids not set: %+v", c)
	}
	c.Spans = []comment.Span{{Start: 0, End: 7, Text: "Comment"}}
	got, err := s.Comment(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *c
	want.Spans = nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Comment round trip (-want +got):\n%s", diff)
	}
	_, err = s.Comment(ctx, 999999)
	wantCode(t, err, comment.CodeNotFound)

	// A second comment reuses the article and keeps its first title.
	c2 := newComment("demo", "https://news.example/a", 2)
	c2.ArticleTitle = "Another title"
	c2.Spans = []comment.Span{{Start: 0, End: 7, Text: "Comment"}}
	c2.Score, c2.Flagged = 0.9, true
	mustCreate(t, s, c2)
	if c2.ArticleID != c.ArticleID {
		t.Errorf("second comment article %d, want %d", c2.ArticleID, c.ArticleID)
	}
	got2, err := s.Comment(ctx, c2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got2.ArticleTitle != "Title of https://news.example/a" || !got2.Flagged || got2.Score != 0.9 || len(got2.Spans) != 1 || got2.Spans[0].Text != "Comment" {
		t.Errorf("second comment = %+v", got2)
	}
	a, err := s.Article(ctx, "demo", "https://news.example/a")
	if err != nil {
		t.Fatal(err)
	}
	if a.ApprovedCount != 0 || a.Closed {
		t.Errorf("article = %+v", a)
	}
}

func testParentNotApproved(t *testing.T, s comment.Store) {
	mustSite(t, s, "demo")
	parent := mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	reply := newComment("demo", "https://news.example/a", 2)
	reply.ParentID = parent.ID
	err := s.CreateComment(context.Background(), reply)
	wantCode(t, err, comment.CodeInvalid)
	var ce *comment.Error
	if !errors.As(err, &ce) || len(ce.Fields) != 1 || ce.Fields[0].Field != "parent_id" {
		t.Fatalf("error = %#v, want field parent_id", err)
	}
	approve(t, s, parent.ID, t0.Add(time.Minute))
	other := newComment("demo", "https://news.example/other", 3)
	other.ParentID = parent.ID
	wantCode(t, s.CreateComment(context.Background(), other), comment.CodeInvalid)
	mustCreate(t, s, reply)
	if reply.RootID != parent.ID {
		t.Errorf("reply root = %d, want %d", reply.RootID, parent.ID)
	}
	approve(t, s, reply.ID, t0.Add(time.Minute))
	deeper := newComment("demo", "https://news.example/a", 4)
	deeper.ParentID = reply.ID
	mustCreate(t, s, deeper)
	if deeper.RootID != parent.ID {
		t.Errorf("nested reply root = %d, want %d", deeper.RootID, parent.ID)
	}
}

func testArticleClosed(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	wantCode(t, s.SetArticleClosed(ctx, "demo", "https://news.example/a", true), comment.CodeNotFound)
	mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	if err := s.SetArticleClosed(ctx, "demo", "https://news.example/a", true); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.CreateComment(ctx, newComment("demo", "https://news.example/a", 2)), comment.CodeInvalid)
	if err := s.SetArticleClosed(ctx, "demo", "https://news.example/a", false); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, newComment("demo", "https://news.example/a", 3))
}

func ids(cs []comment.Comment) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func testThreadOnlyApproved(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	url := "https://news.example/a"
	th, err := s.Thread(ctx, comment.ThreadQuery{SiteID: "demo", URL: url})
	if err != nil || th.Exists || len(th.Roots) != 0 {
		t.Fatalf("empty thread = %+v, %v", th, err)
	}
	a := mustCreate(t, s, newComment("demo", url, 1))
	b := mustCreate(t, s, newComment("demo", url, 2))
	c := mustCreate(t, s, newComment("demo", url, 3))
	approve(t, s, a.ID, t0.Add(time.Hour))
	if _, err := s.Decide(ctx, comment.Decision{CommentID: b.ID, Action: comment.ActionReject, Reason: comment.ReasonAdHominem, Moderator: "mod", At: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	r := newComment("demo", url, 4)
	r.ParentID = a.ID
	mustCreate(t, s, r)
	approve(t, s, r.ID, t0.Add(time.Hour))
	th, err = s.Thread(ctx, comment.ThreadQuery{SiteID: "demo", URL: url})
	if err != nil {
		t.Fatal(err)
	}
	if !th.Exists || th.Article.ApprovedCount != 2 || th.Article.Title != "Title of "+url {
		t.Errorf("article = %+v", th.Article)
	}
	if diff := cmp.Diff([]int64{a.ID}, ids(th.Roots)); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{r.ID}, ids(th.Replies)); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
	_ = c
}

func testThreadCursor(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	url := "https://news.example/a"
	var all []int64
	for i := 1; i <= 7; i++ {
		c := mustCreate(t, s, newComment("demo", url, i))
		approve(t, s, c.ID, t0.Add(time.Hour))
		all = append(all, c.ID)
	}
	for _, sort := range []comment.Sort{comment.SortOldest, comment.SortNewest} {
		var got []int64
		q := comment.ThreadQuery{SiteID: "demo", URL: url, Sort: sort, Limit: 3}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("cursor does not end")
			}
			th, err := s.Thread(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(th.Roots)...)
			if th.Next.IsZero() {
				break
			}
			q.After = th.Next
		}
		want := append([]int64(nil), all...)
		if sort == comment.SortNewest {
			for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
				want[i], want[j] = want[j], want[i]
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s pages (-want +got):\n%s", sort, diff)
		}
	}
}

func testQueue(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	mustSite(t, s, "other")
	var want []int64
	var flagged *comment.Comment
	for i := 1; i <= 5; i++ {
		c := newComment("demo", "https://news.example/a", i)
		if i == 4 {
			c.Flagged, c.Score = true, 0.95
			flagged = c
		}
		mustCreate(t, s, c)
		if i != 4 {
			want = append(want, c.ID)
		}
	}
	want = append([]int64{flagged.ID}, want...)
	mustCreate(t, s, newComment("other", "https://news.example/b", 9))
	got, err := s.Queue(ctx, comment.QueueQuery{SiteID: "demo", Status: comment.StatusPending})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, ids(got)); diff != "" {
		t.Errorf("queue (-want +got):\n%s", diff)
	}
	// Paging through two at a time gives the same order.
	var paged []int64
	q := comment.QueueQuery{SiteID: "demo", Status: comment.StatusPending, Limit: 2}
	for range 5 {
		page, err := s.Queue(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, ids(page)...)
		last := page[len(page)-1]
		q.After = comment.Cursor{Flagged: last.Flagged, CreatedAt: last.CreatedAt, ID: last.ID}
	}
	if diff := cmp.Diff(want, paged); diff != "" {
		t.Errorf("paged queue (-want +got):\n%s", diff)
	}
	all, err := s.Queue(ctx, comment.QueueQuery{Status: comment.StatusPending})
	if err != nil || len(all) != 6 {
		t.Errorf("all-sites queue = %d items, %v; want 6", len(all), err)
	}
	counts, err := s.CountByStatus(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if counts[comment.StatusPending] != 5 || counts[comment.StatusApproved] != 0 {
		t.Errorf("counts = %v", counts)
	}
	if n, err := s.CountFlagged(ctx, "demo"); err != nil || n != 1 {
		t.Errorf("CountFlagged = %d, %v; want 1", n, err)
	}
	onlyFlagged, err := s.Queue(ctx, comment.QueueQuery{Status: comment.StatusPending, FlaggedOnly: true})
	if err != nil || len(onlyFlagged) != 1 || onlyFlagged[0].ID != flagged.ID {
		t.Errorf("flagged queue = %v, %v", ids(onlyFlagged), err)
	}
}

func testDecideAudit(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	a := mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	b := mustCreate(t, s, newComment("demo", "https://news.example/a", 2))
	c := mustCreate(t, s, newComment("demo", "https://news.example/a", 3))
	got := approve(t, s, a.ID, t0.Add(time.Hour))
	if got.Status != comment.StatusApproved || got.DecidedBy != "mod" || !got.DecidedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("approved = %+v", got)
	}
	rej, err := s.Decide(ctx, comment.Decision{CommentID: b.ID, Action: comment.ActionReject, Reason: comment.ReasonAdHominem, Note: "called the author a hack", Moderator: "ann", At: t0.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if rej.Status != comment.StatusRejected || rej.Reason != comment.ReasonAdHominem || rej.Note != "called the author a hack" {
		t.Errorf("rejected = %+v", rej)
	}
	spam, err := s.Decide(ctx, comment.Decision{CommentID: c.ID, Action: comment.ActionReject, Reason: comment.ReasonSpam, Moderator: "ann", At: t0.Add(3 * time.Hour)})
	if err != nil || spam.Status != comment.StatusSpam {
		t.Errorf("spam = %+v, %v", spam, err)
	}
	// Spam can still be approved (a false positive), but a decided comment cannot be decided again.
	approve(t, s, c.ID, t0.Add(4*time.Hour))
	_, err = s.Decide(ctx, comment.Decision{CommentID: a.ID, Action: comment.ActionReject, Reason: comment.ReasonOther, Moderator: "ann", At: t0})
	wantCode(t, err, comment.CodeConflict)
	_, err = s.Decide(ctx, comment.Decision{CommentID: 424242, Action: comment.ActionApprove, Moderator: "ann", At: t0})
	wantCode(t, err, comment.CodeNotFound)

	log, err := s.Audit(ctx, comment.AuditFilter{SiteID: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Moderator string
		Action    comment.Action
		CommentID int64
		Reason    comment.Reason
		Note      string
	}
	var rows []row
	for _, e := range log {
		rows = append(rows, row{e.Moderator, e.Action, e.CommentID, e.Reason, e.Note})
	}
	want := []row{
		{"mod", comment.ActionApprove, c.ID, "", ""},
		{"ann", comment.ActionReject, c.ID, comment.ReasonSpam, ""},
		{"ann", comment.ActionReject, b.ID, comment.ReasonAdHominem, "called the author a hack"},
		{"mod", comment.ActionApprove, a.ID, "", ""},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	byAnn, err := s.Audit(ctx, comment.AuditFilter{Moderator: "ann", Limit: 1})
	if err != nil || len(byAnn) != 1 || byAnn[0].CommentID != c.ID {
		t.Errorf("audit by ann = %+v, %v", byAnn, err)
	}
	older, err := s.Audit(ctx, comment.AuditFilter{BeforeID: byAnn[0].ID, Moderator: "ann"})
	if err != nil || len(older) != 1 || older[0].CommentID != b.ID {
		t.Errorf("older audit = %+v, %v", older, err)
	}
}

func testDecideConcurrent(t *testing.T, s comment.Store) {
	mustSite(t, s, "demo")
	for i := range 10 {
		c := mustCreate(t, s, newComment("demo", "https://news.example/a", i))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := comment.Decision{CommentID: c.ID, Action: comment.ActionApprove, Moderator: fmt.Sprintf("m%d", j), At: t0}
				if j == 1 {
					d.Action, d.Reason = comment.ActionReject, comment.ReasonOther
				}
				_, errs[j] = s.Decide(context.Background(), d)
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
			} else {
				wantCode(t, err, comment.CodeConflict)
			}
		}
		if wins != 1 {
			t.Fatalf("comment %d: %d decisions won, want exactly 1 (%v)", c.ID, wins, errs)
		}
		log, err := s.Audit(context.Background(), comment.AuditFilter{CommentID: c.ID})
		if err != nil || len(log) != 1 {
			t.Fatalf("audit for %d = %d entries, %v; want 1", c.ID, len(log), err)
		}
	}
}

func testAccounts(t *testing.T, s comment.Store) {
	ctx := context.Background()
	m, err := s.CreateModerator(ctx, comment.Moderator{Name: "ann", Role: comment.RoleAdmin, PasswordHash: "h1", CreatedAt: t0})
	if err != nil || m.ID == 0 {
		t.Fatalf("CreateModerator = %+v, %v", m, err)
	}
	_, err = s.CreateModerator(ctx, comment.Moderator{Name: "ann", Role: comment.RoleModerator, PasswordHash: "h", CreatedAt: t0})
	wantCode(t, err, comment.CodeConflict)
	if err := s.SetModeratorPassword(ctx, "ann", "h2"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.SetModeratorPassword(ctx, "bob", "h2"), comment.CodeNotFound)
	got, err := s.ModeratorByName(ctx, "ann")
	if err != nil || got.PasswordHash != "h2" || got.Role != comment.RoleAdmin {
		t.Errorf("ModeratorByName = %+v, %v", got, err)
	}
	_, err = s.ModeratorByName(ctx, "bob")
	wantCode(t, err, comment.CodeNotFound)

	if err := s.CreateToken(ctx, m.ID, []byte("tokhash"), t0); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ModeratorByToken(ctx, []byte("tokhash")); err != nil || got.Name != "ann" {
		t.Errorf("ModeratorByToken = %+v, %v", got, err)
	}
	_, err = s.ModeratorByToken(ctx, []byte("other"))
	wantCode(t, err, comment.CodeUnauthorized)

	if err := s.CreateSession(ctx, m.ID, []byte("sess"), "csrf1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, csrf, err := s.SessionModerator(ctx, []byte("sess"), t0)
	if err != nil || got.Name != "ann" || csrf != "csrf1" {
		t.Errorf("SessionModerator = %+v, %q, %v", got, csrf, err)
	}
	_, _, err = s.SessionModerator(ctx, []byte("sess"), t0.Add(2*time.Hour))
	wantCode(t, err, comment.CodeUnauthorized)
	if err := s.DeleteSession(ctx, []byte("sess")); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.SessionModerator(ctx, []byte("sess"), t0)
	wantCode(t, err, comment.CodeUnauthorized)
}

func testForgetIPs(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	old := mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	recent := mustCreate(t, s, newComment("demo", "https://news.example/a", 100))
	// Two address bans: one that ended, one still holding.
	for _, b := range []struct {
		email, ip string
		until     time.Time
	}{{"ended", "ip-ended", t0.Add(60 * time.Second)}, {"holding", "ip-holding", t0.Add(time.Hour)}} {
		if _, err := s.SetStanding(ctx, comment.StandingChange{SiteID: "demo", EmailHMAC: []byte(b.email), Standing: comment.StandingBanned,
			CommentID: old.ID, Moderator: "mod", At: t0, IPHash: []byte(b.ip), AddressUntil: b.until}); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(2 * time.Minute)
	n, err := s.ForgetIPs(ctx, t0.Add(50*time.Second), now)
	if err != nil || n != 2 {
		t.Fatalf("ForgetIPs = %d, %v; want 2 (one comment's hash, one ended ban)", n, err)
	}
	if _, err := s.AddressBan(ctx, "demo", []byte("ip-holding"), now); err != nil {
		t.Errorf("the ban still holding was dropped: %v", err)
	}
	// The ended ban's row is gone, not just past: asked as of before it
	// ended, it no longer answers.
	if b, err := s.AddressBan(ctx, "demo", []byte("ip-ended"), t0); comment.ErrorCode(err) != comment.CodeNotFound {
		t.Errorf("ended ban kept its address hash: %+v, %v", b, err)
	}
	if c, _ := s.Comment(ctx, old.ID); len(c.IPHash) != 0 {
		t.Errorf("old comment keeps IP hash %x", c.IPHash)
	}
	if c, _ := s.Comment(ctx, recent.ID); len(c.IPHash) == 0 {
		t.Errorf("recent comment lost its IP hash")
	}
}

// Cursors carry microsecond times; comments created within one microsecond
// of each other (and at the same instant) still page exactly once each.
func testCursorPrecision(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	url := "https://news.example/a"
	var want []int64
	for i := range 6 {
		c := newComment("demo", url, 1)
		// Two comments per instant; instants one microsecond apart, off any
		// round second; the nanoseconds below a microsecond are not kept.
		c.CreatedAt = t0.Add(1234567*time.Microsecond + time.Duration(i/2)*time.Microsecond + 999)
		mustCreate(t, s, c)
		approve(t, s, c.ID, t0.Add(time.Hour))
		want = append(want, c.ID)
		got, err := s.Comment(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.CreatedAt.Equal(c.CreatedAt.Truncate(time.Microsecond)) {
			t.Fatalf("created_at = %v, want %v", got.CreatedAt, c.CreatedAt.Truncate(time.Microsecond))
		}
	}
	var got []int64
	q := comment.ThreadQuery{SiteID: "demo", URL: url, Limit: 1}
	for range 10 {
		th, err := s.Thread(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(th.Roots)...)
		if th.Next.IsZero() {
			break
		}
		q.After = th.Next
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages one at a time (-want +got):\n%s", diff)
	}
}

// Every status has its own queue, and the counts follow decisions on one
// site and on all.
func testStatusesAndCounts(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	mustSite(t, s, "other")
	var cs []*comment.Comment
	for i := 1; i <= 5; i++ {
		cs = append(cs, mustCreate(t, s, newComment("demo", "https://news.example/a", i)))
	}
	mustCreate(t, s, newComment("other", "https://news.example/b", 6))
	approve(t, s, cs[0].ID, t0.Add(time.Hour))
	decide := func(id int64, reason comment.Reason) {
		t.Helper()
		if _, err := s.Decide(ctx, comment.Decision{CommentID: id, Action: comment.ActionReject, Reason: reason, Moderator: "mod", At: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	decide(cs[1].ID, comment.ReasonOffTopic)
	decide(cs[2].ID, comment.ReasonSpam)
	wantQueue := map[comment.Status][]int64{
		comment.StatusApproved: {cs[0].ID},
		comment.StatusRejected: {cs[1].ID},
		comment.StatusSpam:     {cs[2].ID},
		comment.StatusPending:  {cs[3].ID, cs[4].ID},
	}
	for st, want := range wantQueue {
		got, err := s.Queue(ctx, comment.QueueQuery{SiteID: "demo", Status: st})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, ids(got)); diff != "" {
			t.Errorf("%s queue (-want +got):\n%s", st, diff)
		}
		for _, c := range got {
			if c.Status != st {
				t.Errorf("comment %d in %s queue has status %s", c.ID, st, c.Status)
			}
		}
	}
	counts, err := s.CountByStatus(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	want := map[comment.Status]int{comment.StatusPending: 2, comment.StatusApproved: 1, comment.StatusRejected: 1, comment.StatusSpam: 1}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("demo counts (-want +got):\n%s", diff)
	}
	all, err := s.CountByStatus(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want[comment.StatusPending] = 3
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("all counts (-want +got):\n%s", diff)
	}
	got, err := s.Comment(ctx, cs[2].ID)
	if err != nil || got.Reason != comment.ReasonSpam || got.DecidedBy != "mod" || !got.DecidedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("spam comment = %+v, %v", got, err)
	}
}

// The first comments of a new article, arriving together, create the
// article once and all land in it.
func testFirstCommentsConcurrent(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	url := "https://news.example/race"
	var wg sync.WaitGroup
	cs := make([]*comment.Comment, 8)
	errs := make([]error, len(cs))
	for i := range cs {
		cs[i] = newComment("demo", url, i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateComment(ctx, cs[i])
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("comment %d: %v", i, err)
		}
		if cs[i].ArticleID != cs[0].ArticleID {
			t.Errorf("comment %d in article %d, want %d", i, cs[i].ArticleID, cs[0].ArticleID)
		}
	}
	q, err := s.Queue(ctx, comment.QueueQuery{SiteID: "demo", Status: comment.StatusPending})
	if err != nil || len(q) != len(cs) {
		t.Errorf("queue has %d comments, %v; want %d", len(q), err, len(cs))
	}
}

func testCreateDecided(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	c := newComment("demo", "https://news.example/a", 1)
	c.Status, c.Reason, c.DecidedBy, c.DecidedAt = comment.StatusRejected, comment.ReasonAdHominem, "classifier", c.CreatedAt
	mustCreate(t, s, c)
	log, err := s.Audit(ctx, comment.AuditFilter{CommentID: c.ID})
	if err != nil || len(log) != 1 || log[0].Moderator != "classifier" || log[0].Action != comment.ActionReject || log[0].Reason != comment.ReasonAdHominem {
		t.Errorf("audit of a comment rejected at submission = %+v, %v", log, err)
	}
	p := mustCreate(t, s, newComment("demo", "https://news.example/a", 2))
	if log, _ := s.Audit(ctx, comment.AuditFilter{CommentID: p.ID}); len(log) != 0 {
		t.Errorf("a pending comment has audit entries: %+v", log)
	}
}
