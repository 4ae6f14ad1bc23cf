package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

// lifecycleTests cover what happens to a comment after it is sent.
var lifecycleTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"RemoveRestore", testRemoveRestore},
	{"RemoveConcurrent", testRemoveConcurrent},
	{"EditPendingAndRevision", testEditRevision},
	{"DeleteComment", testDeleteComment},
	{"Reports", testReports},
	{"Appeals", testAppeals},
	{"ChangeArticleAudited", testChangeArticle},
	{"CanonicalizeArticle", testCanonicalizeArticle},
	{"CanonicalizeImported", testCanonicalizeImported},
	{"BanHoldsAddress", testBanAddress},
	{"LifecycleSiteSettings", testLifecycleSettings},
	{"LifecycleAudited", testLifecycleAudited},
}

func testRemoveRestore(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	c := mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	approve(t, s, c.ID, t0.Add(time.Minute))
	reply := newComment("demo", "https://news.example/a", 2)
	reply.ParentID = c.ID
	mustCreate(t, s, reply)
	approve(t, s, reply.ID, t0.Add(time.Minute))

	_, err := s.Decide(ctx, comment.Decision{CommentID: c.ID, Action: comment.ActionRestore, Moderator: "ann", At: t0.Add(2 * time.Minute)})
	wantCode(t, err, comment.CodeConflict)
	got, err := s.Decide(ctx, comment.Decision{CommentID: c.ID, Action: comment.ActionRemove, Reason: comment.ReasonLegal, Note: "order", Moderator: "ann", At: t0.Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != comment.StatusRemoved || got.Reason != comment.ReasonLegal {
		t.Fatalf("removed = %+v", got)
	}
	th, err := s.Thread(ctx, comment.ThreadQuery{SiteID: "demo", URL: "https://news.example/a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(th.Roots) != 1 || th.Roots[0].Status != comment.StatusRemoved || len(th.Replies) != 1 {
		t.Fatalf("thread after removal: roots %+v replies %d; want the removed root (for its tombstone) and its reply", th.Roots, len(th.Replies))
	}
	if th.Article.ApprovedCount != 1 {
		t.Errorf("approved count = %d, want 1", th.Article.ApprovedCount)
	}
	a, err := s.Audit(ctx, comment.AuditFilter{CommentID: c.ID, Limit: 1})
	if err != nil || len(a) != 1 || a[0].Action != comment.ActionRemove || a[0].Reason != comment.ReasonLegal {
		t.Fatalf("audit = %+v, %v", a, err)
	}
	if _, err := s.Decide(ctx, comment.Decision{CommentID: c.ID, Action: comment.ActionRestore, Moderator: "ann", At: t0.Add(3 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if art, _ := s.Article(ctx, "demo", "https://news.example/a"); art.ApprovedCount != 2 {
		t.Errorf("approved count after restore = %d, want 2", art.ApprovedCount)
	}
	counts, err := s.CountByStatus(ctx, "demo")
	if err != nil || counts[comment.StatusApproved] != 2 || counts[comment.StatusRemoved] != 0 {
		t.Errorf("counts = %v, %v", counts, err)
	}
}

func testRemoveConcurrent(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	c := mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	approve(t, s, c.ID, t0)
	var wins, conflicts atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Decide(ctx, comment.Decision{CommentID: c.ID, Action: comment.ActionRemove, Reason: comment.ReasonSpam, Moderator: "m", At: t0.Add(time.Duration(i) * time.Second)})
			switch comment.ErrorCode(err) {
			case "":
				wins.Add(1)
			case comment.CodeConflict:
				conflicts.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != 5 {
		t.Errorf("wins %d conflicts %d, want 1 and 5", wins.Load(), conflicts.Load())
	}
}

func testEditRevision(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	p := mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	got, err := s.EditComment(ctx, comment.Edit{CommentID: p.ID, Body: "fixed", HTML: "<p>fixed</p>", Score: 0.1, At: t0.Add(time.Minute)})
	if err != nil || got.Body != "fixed" || got.Status != comment.StatusPending || got.RevisionOf != 0 || got.EditedAt.IsZero() {
		t.Fatalf("edit pending = %+v, %v", got, err)
	}
	approve(t, s, p.ID, t0.Add(2*time.Minute))
	rev, err := s.EditComment(ctx, comment.Edit{CommentID: p.ID, Body: "second", HTML: "<p>second</p>", At: t0.Add(3 * time.Minute)})
	if err != nil || rev.RevisionOf != p.ID || rev.Status != comment.StatusPending || rev.ID == p.ID {
		t.Fatalf("edit approved = %+v, %v", rev, err)
	}
	_, err = s.EditComment(ctx, comment.Edit{CommentID: p.ID, Body: "third", At: t0.Add(4 * time.Minute)})
	wantCode(t, err, comment.CodeConflict)
	th, _ := s.Thread(ctx, comment.ThreadQuery{SiteID: "demo", URL: "https://news.example/a"})
	if len(th.Roots) != 1 || th.Roots[0].Body != "fixed" {
		t.Fatalf("thread before the revision is approved: %+v", th.Roots)
	}
	q, _ := s.Queue(ctx, comment.QueueQuery{Status: comment.StatusPending})
	if len(q) != 1 || q[0].ID != rev.ID {
		t.Fatalf("queue = %+v, want the revision", q)
	}
	if _, err := s.Decide(ctx, comment.Decision{CommentID: rev.ID, Action: comment.ActionApprove, Moderator: "ann", At: t0.Add(5 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	th, _ = s.Thread(ctx, comment.ThreadQuery{SiteID: "demo", URL: "https://news.example/a"})
	if len(th.Roots) != 1 || th.Roots[0].Body != "second" || th.Roots[0].ID != p.ID || th.Article.ApprovedCount != 1 {
		t.Fatalf("thread after the revision is approved: %+v (count %d)", th.Roots, th.Article.ApprovedCount)
	}
	if q, _ := s.Queue(ctx, comment.QueueQuery{Status: comment.StatusPending}); len(q) != 0 {
		t.Errorf("queue after approval = %+v", q)
	}
	_, err = s.EditComment(ctx, comment.Edit{CommentID: 9999, Body: "x", At: t0})
	wantCode(t, err, comment.CodeNotFound)
}

func testDeleteComment(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	c := mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	approve(t, s, c.ID, t0)
	got, err := s.DeleteComment(ctx, c.ID, t0.Add(time.Minute))
	if err != nil || got.Status != comment.StatusDeleted {
		t.Fatalf("delete = %+v, %v", got, err)
	}
	_, err = s.DeleteComment(ctx, c.ID, t0.Add(time.Minute))
	wantCode(t, err, comment.CodeConflict)
	if art, _ := s.Article(ctx, "demo", "https://news.example/a"); art.ApprovedCount != 0 {
		t.Errorf("approved count = %d", art.ApprovedCount)
	}
	a, _ := s.Audit(ctx, comment.AuditFilter{CommentID: c.ID, Limit: 1})
	if len(a) != 1 || a[0].Action != comment.ActionDelete || a[0].Moderator != "author" {
		t.Errorf("audit = %+v", a)
	}
	_, err = s.DeleteComment(ctx, 9999, t0)
	wantCode(t, err, comment.CodeNotFound)
}

func testReports(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	mustSite(t, s, "other")
	a := mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	b := mustCreate(t, s, newComment("demo", "https://news.example/a", 2))
	approve(t, s, a.ID, t0)
	approve(t, s, b.ID, t0)
	report := func(id int64, who string) (int, error) {
		return s.CreateReport(ctx, comment.Report{CommentID: id, Reason: comment.ReportSpam, Reporter: []byte(who), Explanation: "why " + who, CreatedAt: t0.Add(time.Minute)})
	}
	if n, err := report(a.ID, "r1"); err != nil || n != 1 {
		t.Fatalf("first report: %d, %v", n, err)
	}
	n, err := report(a.ID, "r1")
	wantCode(t, err, comment.CodeConflict)
	if n != 1 {
		t.Errorf("same reader twice counts %d, want 1", n)
	}
	if n, err := report(b.ID, "r1"); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	if n, err := report(b.ID, "r2"); err != nil || n != 2 {
		t.Fatal(n, err)
	}
	_, err = report(9999, "r1")
	wantCode(t, err, comment.CodeNotFound)
	rq, err := s.ReportedQueue(ctx, "demo", 10)
	if err != nil || len(rq) != 2 || rq[0].Comment.ID != b.ID || len(rq[0].Reports) != 2 || rq[0].Reports[0].Explanation != "why r1" {
		t.Fatalf("reported queue = %+v, %v; want b (2 reports) first", rq, err)
	}
	if rq, _ := s.ReportedQueue(ctx, "other", 10); len(rq) != 0 {
		t.Errorf("other site's reported queue = %+v", rq)
	}
	if err := s.DismissReports(ctx, b.ID, "ann", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DismissReports(ctx, b.ID, "ann", t0.Add(2*time.Minute)), comment.CodeNotFound)
	if rq, _ := s.ReportedQueue(ctx, "", 10); len(rq) != 1 || rq[0].Comment.ID != a.ID {
		t.Errorf("after dismissal = %+v", rq)
	}
}

func testAppeals(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	c := mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	_, err := s.CreateAppeal(ctx, comment.Appeal{CommentID: c.ID, Message: "please", CreatedAt: t0})
	wantCode(t, err, comment.CodeConflict) // pending: nothing to appeal
	if _, err := s.Decide(ctx, comment.Decision{CommentID: c.ID, Action: comment.ActionReject, Reason: comment.ReasonOffTopic, Note: "n", Moderator: "ann", At: t0}); err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateAppeal(ctx, comment.Appeal{CommentID: c.ID, Message: "please", CreatedAt: t0.Add(time.Minute)})
	if err != nil || a.OriginalBy != "ann" || a.OriginalReason != comment.ReasonOffTopic || a.OriginalNote != "n" {
		t.Fatalf("appeal = %+v, %v", a, err)
	}
	_, err = s.CreateAppeal(ctx, comment.Appeal{CommentID: c.ID, Message: "again", CreatedAt: t0.Add(time.Minute)})
	wantCode(t, err, comment.CodeConflict)
	list, err := s.Appeals(ctx, "demo", 10)
	if err != nil || len(list) != 1 || list[0].Message != "please" {
		t.Fatalf("appeals = %+v, %v", list, err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.DecideAppeal(ctx, comment.AppealDecision{CommentID: c.ID, Outcome: comment.AppealOverturned, Moderator: "bea", At: t0.Add(2 * time.Minute)})
			if err == nil {
				wins.Add(1)
			} else if comment.ErrorCode(err) != comment.CodeConflict {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d appeal decisions won, want 1", wins.Load())
	}
	got, _ := s.Comment(ctx, c.ID)
	if got.Status != comment.StatusApproved {
		t.Errorf("overturned comment is %s", got.Status)
	}
	a, err = s.AppealOf(ctx, c.ID)
	if err != nil || a.Outcome != comment.AppealOverturned || a.DecidedBy != "bea" {
		t.Errorf("appeal after decision = %+v, %v", a, err)
	}
	if list, _ := s.Appeals(ctx, "", 10); len(list) != 0 {
		t.Errorf("appeals waiting = %+v", list)
	}
	_, err = s.AppealOf(ctx, 9999)
	wantCode(t, err, comment.CodeNotFound)
}

func testChangeArticle(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	closed, title := true, "The newsroom's title"
	a, err := s.ChangeArticle(ctx, comment.ArticleChange{SiteID: "demo", URL: "https://news.example/a", Closed: &closed, Title: &title, Moderator: "ann", At: t0})
	if err != nil || !a.Closed || a.Title != title {
		t.Fatalf("changed = %+v, %v", a, err)
	}
	entries, err := s.Audit(ctx, comment.AuditFilter{SiteID: "demo", Limit: 10})
	if err != nil || len(entries) != 2 || entries[1].Action != comment.ActionCloseArticle || entries[1].Target != "https://news.example/a" || entries[1].CommentID != 0 {
		t.Fatalf("audit = %+v, %v", entries, err)
	}
	_, err = s.ChangeArticle(ctx, comment.ArticleChange{SiteID: "demo", URL: "https://news.example/none", Closed: &closed, Moderator: "ann", At: t0})
	wantCode(t, err, comment.CodeNotFound)
}

func testBanAddress(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	c := mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	other := newComment("demo", "https://news.example/a", 2)
	other.EmailHMAC = []byte("someone-else")
	mustCreate(t, s, other)
	_, err := s.AddressBan(ctx, "demo", c.IPHash, t0)
	wantCode(t, err, comment.CodeNotFound)
	until := t0.Add(48 * time.Hour)
	if _, err := s.SetStanding(ctx, comment.StandingChange{SiteID: "demo", EmailHMAC: c.EmailHMAC, Standing: comment.StandingBanned, CommentID: c.ID,
		Moderator: "ann", At: t0, Until: until, Reason: "attacks", IPHash: c.IPHash, AddressUntil: t0.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	cm, err := s.Commenter(ctx, "demo", c.EmailHMAC)
	if err != nil || !cm.StandingUntil.Equal(until) || cm.StandingReason != "attacks" {
		t.Fatalf("commenter = %+v, %v", cm, err)
	}
	b, err := s.AddressBan(ctx, "demo", c.IPHash, t0.Add(time.Hour))
	if err != nil || b.Reason != "attacks" {
		t.Fatalf("address ban = %+v, %v", b, err)
	}
	_, err = s.AddressBan(ctx, "demo", c.IPHash, t0.Add(25*time.Hour))
	wantCode(t, err, comment.CodeNotFound)
	// RejectPending rejects the other commenter's pending comments only.
	ids, err := s.RejectPending(ctx, "demo", other.EmailHMAC, "cleanup", "ann", t0)
	if err != nil || len(ids) != 1 || ids[0] != other.ID {
		t.Fatalf("reject pending = %v, %v", ids, err)
	}
	// Lifting the ban lifts the address hold.
	if _, err := s.SetStanding(ctx, comment.StandingChange{SiteID: "demo", EmailHMAC: c.EmailHMAC, Standing: comment.StandingNone, CommentID: c.ID, Moderator: "ann", At: t0}); err != nil {
		t.Fatal(err)
	}
	_, err = s.AddressBan(ctx, "demo", c.IPHash, t0.Add(time.Hour))
	wantCode(t, err, comment.CodeNotFound)
}

func testLifecycleSettings(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	site, err := s.Site(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	site.EditWindow, site.ReportHold, site.AddressBanDays, site.TrackingParams = 30*time.Minute, 3, 5, []string{"ref"}
	if err := s.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	got, err := s.Site(ctx, "demo")
	if err != nil || got.EditWindow != 30*time.Minute || got.ReportHold != 3 || got.AddressBanDays != 5 || len(got.TrackingParams) != 1 {
		t.Errorf("site = %+v, %v", got, err)
	}
}

// Every change after publication writes its audit entry: the author's edit
// and appeal (by "author"), a dismissal of reports, an appeal upheld (the
// comment stays removed) or overturned (published again, counted), and
// every comment rejected by RejectPending, with its note.
func testLifecycleAudited(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	url := "https://news.example/a"
	c1 := mustCreate(t, s, newComment("demo", url, 1))
	if _, err := s.EditComment(ctx, comment.Edit{CommentID: c1.ID, Body: "fixed", HTML: "<p>fixed</p>", At: t0}); err != nil {
		t.Fatal(err)
	}
	approve(t, s, c1.ID, t0.Add(time.Minute))
	if _, err := s.CreateReport(ctx, comment.Report{CommentID: c1.ID, Reason: comment.ReportSpam, Reporter: []byte("r1"), CreatedAt: t0.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DismissReports(ctx, c1.ID, "bea", t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	remove := func(id int64, at time.Time) {
		t.Helper()
		if _, err := s.Decide(ctx, comment.Decision{CommentID: id, Action: comment.ActionRemove, Reason: comment.ReasonLegal, Moderator: "ann", At: at}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAppeal(ctx, comment.Appeal{CommentID: id, Message: "it is true", CreatedAt: at.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	remove(c1.ID, t0.Add(4*time.Minute))
	got, err := s.DecideAppeal(ctx, comment.AppealDecision{CommentID: c1.ID, Outcome: comment.AppealUpheld, Note: "stands", Moderator: "bea", At: t0.Add(6 * time.Minute)})
	if err != nil || got.Status != comment.StatusRemoved {
		t.Fatalf("upheld appeal: %+v, %v; want the comment still removed", got, err)
	}
	c2 := mustCreate(t, s, newComment("demo", url, 2))
	approve(t, s, c2.ID, t0.Add(time.Minute))
	remove(c2.ID, t0.Add(7*time.Minute))
	if art, _ := s.Article(ctx, "demo", url); art.ApprovedCount != 0 {
		t.Fatalf("approved count with both removed = %d", art.ApprovedCount)
	}
	got, err = s.DecideAppeal(ctx, comment.AppealDecision{CommentID: c2.ID, Outcome: comment.AppealOverturned, Moderator: "bea", At: t0.Add(9 * time.Minute)})
	if err != nil || got.Status != comment.StatusApproved {
		t.Fatalf("overturned removal: %+v, %v; want it published", got, err)
	}
	if art, _ := s.Article(ctx, "demo", url); art.ApprovedCount != 1 {
		t.Errorf("approved count after the overturned removal = %d, want 1", art.ApprovedCount)
	}
	c3 := newComment("demo", url, 3)
	c4 := newComment("demo", url, 4)
	c3.EmailHMAC = []byte("flooder")
	c4.EmailHMAC = c3.EmailHMAC
	mustCreate(t, s, c3)
	mustCreate(t, s, c4)
	ids, err := s.RejectPending(ctx, "demo", c3.EmailHMAC, "flood", "ann", t0.Add(10*time.Minute))
	if err != nil || len(ids) != 2 {
		t.Fatalf("reject pending = %v, %v", ids, err)
	}

	entries, err := s.Audit(ctx, comment.AuditFilter{SiteID: "demo", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		action    comment.Action
		moderator string
		id        int64
		note      string
	}
	have := map[key]bool{}
	for _, e := range entries {
		have[key{e.Action, e.Moderator, e.CommentID, e.Note}] = true
	}
	for _, want := range []key{
		{comment.ActionEdit, "author", c1.ID, ""},
		{comment.ActionDismissReports, "bea", c1.ID, ""},
		{comment.ActionAppeal, "author", c1.ID, ""},
		{comment.ActionUphold, "bea", c1.ID, "stands"},
		{comment.ActionAppeal, "author", c2.ID, ""},
		{comment.ActionOverturn, "bea", c2.ID, ""},
		{comment.ActionReject, "ann", c3.ID, "flood"},
		{comment.ActionReject, "ann", c4.ID, "flood"},
	} {
		if !have[want] {
			t.Errorf("no audit entry %+v in %+v", want, entries)
		}
	}
}
