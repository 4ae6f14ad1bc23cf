package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
)

// dashboardTests are the conformance tests of the reads and writes the
// moderators' dashboard added.
var dashboardTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"SiteSettings", testSiteSettings},
	{"CommenterHistory", testCommenterHistory},
	{"BanRejectsPending", testBanRejectsPending},
	{"ErrStandingWrongSite", testStandingWrongSite},
	{"QueueSearch", testQueueSearch},
	{"AuditFilterAction", testAuditFilterAction},
	{"Stats", testStats},
	{"ModeratorsDisable", testModeratorsDisable},
}

func testSiteSettings(t *testing.T, s comment.Store) {
	ctx := context.Background()
	want := comment.Site{ID: "a", Origins: []string{"https://a.example"}, FlagThreshold: 0.5, AutoRejectThreshold: 0.97,
		Mode: comment.ModeTrusted, BannedWords: []string{"viagra", "café"}, SuspectWords: []string{"idiot"}, LinkLimit: 2, CreatedAt: t0}
	if err := s.CreateSite(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Site(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Site (-want +got):\n%s", diff)
	}
	want.Mode, want.BannedWords, want.SuspectWords, want.LinkLimit = comment.ModePremoderate, nil, []string{"moron", "clown"}, 0
	if err := s.UpdateSite(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err = s.Site(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("updated Site (-want +got):\n%s", diff)
	}
}

func byEmail(c *comment.Comment, email string) *comment.Comment {
	c.EmailHMAC = []byte(email)
	return c
}

func testCommenterHistory(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	mustSite(t, s, "other")
	a := mustCreate(t, s, byEmail(newComment("demo", "https://news.example/a", 5), "ann"))
	b := mustCreate(t, s, byEmail(newComment("demo", "https://news.example/a", 6), "ann"))
	mustCreate(t, s, byEmail(newComment("demo", "https://news.example/a", 7), "ann"))
	mustCreate(t, s, byEmail(newComment("demo", "https://news.example/a", 1), "bob"))
	mustCreate(t, s, byEmail(newComment("other", "https://news.example/b", 2), "ann"))
	approve(t, s, a.ID, t0.Add(time.Minute))
	if _, err := s.Decide(ctx, comment.Decision{CommentID: b.ID, Action: comment.ActionReject, Reason: comment.ReasonOffTopic, Moderator: "mod", At: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Commenter(ctx, "demo", []byte("ann"))
	if err != nil {
		t.Fatal(err)
	}
	want := comment.Commenter{SiteID: "demo", EmailHMAC: []byte("ann"), Approved: 1, Rejected: 1, Pending: 1, FirstSeen: t0.Add(5 * time.Second)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Commenter (-want +got):\n%s", diff)
	}
	got, err = s.Commenter(ctx, "demo", []byte("nobody"))
	if err != nil || got.Approved+got.Rejected+got.Pending != 0 || !got.FirstSeen.IsZero() {
		t.Errorf("unknown commenter = %+v, %v; want zero history", got, err)
	}
	// Trust, then clear.
	if _, err := s.SetStanding(ctx, comment.StandingChange{SiteID: "demo", EmailHMAC: []byte("ann"), Standing: comment.StandingTrusted,
		CommentID: a.ID, Moderator: "mod", At: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Commenter(ctx, "demo", []byte("ann"))
	if got.Standing != comment.StandingTrusted || got.StandingBy != "mod" || !got.StandingAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after trust: %+v", got)
	}
	if other, _ := s.Commenter(ctx, "other", []byte("ann")); other.Standing != comment.StandingNone {
		t.Errorf("trust leaked to another site: %+v", other)
	}
	if _, err := s.SetStanding(ctx, comment.StandingChange{SiteID: "demo", EmailHMAC: []byte("ann"), Standing: comment.StandingNone,
		CommentID: a.ID, Moderator: "mod", At: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Commenter(ctx, "demo", []byte("ann")); got.Standing != comment.StandingNone {
		t.Errorf("after clear: %+v", got)
	}
	log, err := s.Audit(ctx, comment.AuditFilter{CommentID: a.ID})
	if err != nil || len(log) != 3 || log[0].Action != comment.ActionClearStanding || log[1].Action != comment.ActionTrust {
		t.Errorf("audit = %+v, %v; want clear_standing, trust, approve", log, err)
	}
}

func testBanRejectsPending(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	mustSite(t, s, "other")
	p1 := mustCreate(t, s, byEmail(newComment("demo", "https://news.example/a", 1), "eve"))
	p2 := mustCreate(t, s, byEmail(newComment("demo", "https://news.example/b", 2), "eve"))
	ok := mustCreate(t, s, byEmail(newComment("demo", "https://news.example/a", 3), "eve"))
	approve(t, s, ok.ID, t0.Add(time.Minute))
	keep := mustCreate(t, s, byEmail(newComment("other", "https://news.example/c", 4), "eve"))
	bystander := mustCreate(t, s, byEmail(newComment("demo", "https://news.example/a", 5), "bob"))
	rejected, err := s.SetStanding(ctx, comment.StandingChange{SiteID: "demo", EmailHMAC: []byte("eve"), Standing: comment.StandingBanned,
		CommentID: p1.ID, Note: "troll", Moderator: "mod", At: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{p1.ID, p2.ID}, rejected); diff != "" {
		t.Errorf("rejected (-want +got):\n%s", diff)
	}
	for id, want := range map[int64]comment.Status{p1.ID: comment.StatusRejected, p2.ID: comment.StatusRejected,
		ok.ID: comment.StatusApproved, keep.ID: comment.StatusPending, bystander.ID: comment.StatusPending} {
		c, err := s.Comment(ctx, id)
		if err != nil || c.Status != want {
			t.Errorf("comment %d: %s, %v; want %s", id, c.Status, err, want)
		}
		if want == comment.StatusRejected && (c.Reason != comment.ReasonOther || c.DecidedBy != "mod") {
			t.Errorf("comment %d: reason %q by %q", id, c.Reason, c.DecidedBy)
		}
	}
	counts, err := s.CountByStatus(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[comment.Status]int{comment.StatusPending: 1, comment.StatusApproved: 1, comment.StatusRejected: 2, comment.StatusSpam: 0}, counts); diff != "" {
		t.Errorf("counts after ban (-want +got):\n%s", diff)
	}
	if all, _ := s.CountByStatus(ctx, ""); all[comment.StatusPending] != 2 {
		t.Errorf("all-sites pending = %d, want 2", all[comment.StatusPending])
	}
	got, _ := s.Commenter(ctx, "demo", []byte("eve"))
	if got.Standing != comment.StandingBanned || got.Rejected != 2 || got.Pending != 0 {
		t.Errorf("banned commenter = %+v", got)
	}
	log, err := s.Audit(ctx, comment.AuditFilter{SiteID: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []comment.Action
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	if diff := cmp.Diff([]comment.Action{comment.ActionReject, comment.ActionReject, comment.ActionBan, comment.ActionApprove}, actions); diff != "" {
		t.Errorf("audit actions (-want +got):\n%s", diff)
	}
}

func testStandingWrongSite(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	mustSite(t, s, "other")
	c := mustCreate(t, s, newComment("other", "https://news.example/a", 1))
	_, err := s.SetStanding(ctx, comment.StandingChange{SiteID: "demo", EmailHMAC: []byte("x"), Standing: comment.StandingBanned,
		CommentID: c.ID, Moderator: "mod", At: t0})
	wantCode(t, err, comment.CodeNotFound)
	if got, _ := s.Commenter(ctx, "demo", []byte("x")); got.Standing != comment.StandingNone {
		t.Errorf("a failed ban left a standing: %+v", got)
	}
}

func testQueueSearch(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	a := newComment("demo", "https://news.example/energy", 1)
	a.Body = "Nuclear power is cheaper than it looks."
	mustCreate(t, s, a)
	b := newComment("demo", "https://news.example/energy", 2)
	b.AuthorName = "Grace Hopper"
	mustCreate(t, s, b)
	c := newComment("demo", "https://news.example/housing", 3)
	c.ArticleTitle = "Rent Control Returns"
	mustCreate(t, s, c)
	for _, tt := range []struct {
		search string
		want   []int64
	}{
		{"NUCLEAR", []int64{a.ID}},
		{"hopper", []int64{b.ID}},
		{"rent control", []int64{c.ID}},
		{"energy", []int64{a.ID, b.ID}},
		{"nothing like this", []int64{}},
	} {
		got, err := s.Queue(ctx, comment.QueueQuery{Status: comment.StatusPending, Search: tt.search})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
			t.Errorf("search %q (-want +got):\n%s", tt.search, diff)
		}
	}
}

func testAuditFilterAction(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	a := mustCreate(t, s, newComment("demo", "https://news.example/a", 1))
	b := mustCreate(t, s, newComment("demo", "https://news.example/a", 2))
	approve(t, s, a.ID, t0.Add(time.Minute))
	if _, err := s.Decide(ctx, comment.Decision{CommentID: b.ID, Action: comment.ActionReject, Reason: comment.ReasonSpam, Moderator: "zed", At: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	log, err := s.Audit(ctx, comment.AuditFilter{Action: comment.ActionReject})
	if err != nil || len(log) != 1 || log[0].CommentID != b.ID || log[0].Moderator != "zed" {
		t.Errorf("Audit(reject) = %+v, %v", log, err)
	}
}

func testStats(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "demo")
	mustSite(t, s, "other")
	day := 24 * time.Hour
	// Day 0: three comments; one approved after 1 minute, one rejected as ad
	// hominem after 3 minutes (day 0), one left pending. Day 1: one
	// approved after 2 minutes.
	mk := func(n int, at time.Time, score float64) *comment.Comment {
		c := newComment("demo", "https://news.example/a", n)
		c.CreatedAt, c.Score = at, score
		return mustCreate(t, s, c)
	}
	a := mk(1, t0, 0.05)
	b := mk(2, t0, 0.93)
	mk(3, t0, 0.5)
	d := mk(4, t0.Add(day), 0.15)
	mustCreate(t, s, newComment("other", "https://news.example/b", 5))
	approve(t, s, a.ID, t0.Add(time.Minute))
	if _, err := s.Decide(ctx, comment.Decision{CommentID: b.ID, Action: comment.ActionReject, Reason: comment.ReasonAdHominem, Moderator: "mod", At: t0.Add(3 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	approve(t, s, d.ID, t0.Add(day+2*time.Minute))
	st, err := s.Stats(ctx, comment.StatsQuery{SiteID: "demo", Since: t0.Add(-day)})
	if err != nil {
		t.Fatal(err)
	}
	midnight := t0.Truncate(day)
	want := comment.Stats{
		Days: []comment.DayStats{
			{Day: midnight, Submitted: 3, Decided: 2, Approved: 1, Rejected: map[comment.Reason]int{comment.ReasonAdHominem: 1}},
			{Day: midnight.Add(day), Submitted: 1, Decided: 1, Approved: 1, Rejected: map[comment.Reason]int{}},
		},
		Pending:        1,
		MedianResponse: 2 * time.Minute,
		ApprovedScores: [10]int{1, 1},
		RejectedScores: [10]int{9: 1},
	}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	all, err := s.Stats(ctx, comment.StatsQuery{Since: t0.Add(-day)})
	if err != nil || all.Pending != 2 || all.Days[0].Submitted != 4 {
		t.Errorf("all-sites Stats = %+v, %v", all, err)
	}
}

func testModeratorsDisable(t *testing.T, s comment.Store) {
	ctx := context.Background()
	for _, name := range []string{"zoe", "ann"} {
		if _, err := s.CreateModerator(ctx, comment.Moderator{Name: name, Role: comment.RoleModerator, PasswordHash: "h", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := s.Moderators(ctx)
	if err != nil || len(ms) != 2 || ms[0].Name != "ann" || ms[1].Name != "zoe" {
		t.Fatalf("Moderators = %+v, %v", ms, err)
	}
	if err := s.CreateSession(ctx, ms[1].ID, []byte("zs"), "c", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetModeratorDisabled(ctx, "zoe", true); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.SessionModerator(ctx, []byte("zs"), t0)
	wantCode(t, err, comment.CodeUnauthorized)
	if m, _ := s.ModeratorByName(ctx, "zoe"); !m.Disabled {
		t.Errorf("zoe not disabled")
	}
	if err := s.SetModeratorDisabled(ctx, "zoe", false); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.ModeratorByName(ctx, "zoe"); m.Disabled {
		t.Errorf("zoe still disabled")
	}
	wantCode(t, s.SetModeratorDisabled(ctx, "nobody", true), comment.CodeNotFound)

	// Site lists: on create and replaced.
	if _, err := s.CreateModerator(ctx, comment.Moderator{Name: "sam", Role: comment.RoleModerator, PasswordHash: "h", Sites: []string{"a", "b"}, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.ModeratorByName(ctx, "sam"); !cmp.Equal(m.Sites, []string{"a", "b"}) {
		t.Errorf("sites = %q", m.Sites)
	}
	if err := s.SetModeratorSites(ctx, "sam", []string{"c"}); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.ModeratorByName(ctx, "sam"); !cmp.Equal(m.Sites, []string{"c"}) {
		t.Errorf("sites after set = %q", m.Sites)
	}
	if err := s.SetModeratorSites(ctx, "sam", nil); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.ModeratorByName(ctx, "sam"); len(m.Sites) != 0 {
		t.Errorf("sites after clear = %q", m.Sites)
	}
	wantCode(t, s.SetModeratorSites(ctx, "nobody", nil), comment.CodeNotFound)
}
