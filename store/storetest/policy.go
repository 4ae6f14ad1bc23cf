package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
)

// policyTests cover the moderation rules' storage: holds kept on a
// comment, the queue filtered and counted by rule, the recent comments the
// rules read, and audited policy changes.
var policyTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"Holds", testHolds},
	{"QueueByRule", testQueueByRule},
	{"RecentComments", testRecentComments},
	{"SetSitePolicy", testSetSitePolicy},
}

func testHolds(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "news")
	c := newComment("news", "https://news.example/a", 1)
	c.Holds = []comment.Hold{{Rule: comment.RuleNewCommenter, Detail: "new commenter, 1 of 2"}, {Rule: comment.RuleLinkDomain, Detail: "link to example.biz"}}
	mustCreate(t, s, c)
	plain := mustCreate(t, s, newComment("news", "https://news.example/a", 2))
	got, err := s.Comment(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c.Holds, got.Holds); diff != "" {
		t.Errorf("holds (-want +got):\n%s", diff)
	}
	if got, _ := s.Comment(ctx, plain.ID); len(got.Holds) != 0 {
		t.Errorf("a comment no rule held has holds %v", got.Holds)
	}
	// Rejected by a rule at submission: audited under the rule's name.
	rej := newComment("news", "https://news.example/a", 3)
	rej.Status, rej.Reason, rej.DecidedBy, rej.DecidedAt, rej.Note = comment.StatusRejected, comment.ReasonSpam, comment.RuleEmailDomain, rej.CreatedAt, "email domain spam.example"
	rej.Holds = []comment.Hold{{Rule: comment.RuleEmailDomain, Detail: "email domain spam.example (reject)"}}
	mustCreate(t, s, rej)
	entries, err := s.Audit(ctx, comment.AuditFilter{CommentID: rej.ID})
	if err != nil || len(entries) != 1 || entries[0].Moderator != comment.RuleEmailDomain || entries[0].Action != comment.ActionReject {
		t.Errorf("audit of a rule's rejection = %+v, %v", entries, err)
	}
}

func testQueueByRule(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "news")
	mustSite(t, s, "other")
	mk := func(site string, n int, rules ...string) int64 {
		c := newComment(site, "https://news.example/q", n)
		for _, r := range rules {
			c.Holds = append(c.Holds, comment.Hold{Rule: r, Detail: "d"})
		}
		return mustCreate(t, s, c).ID
	}
	a := mk("news", 1, comment.RuleLinks, comment.RuleNewCommenter)
	b := mk("news", 2, comment.RuleLinks)
	// link_domain must not match a filter on links, nor links one on link_domain.
	cID := mk("news", 3, comment.RuleLinkDomain)
	mk("news", 4)
	mk("other", 5, comment.RuleLinks)
	decided := mk("news", 6, comment.RuleLinks)
	approve(t, s, decided, t0.Add(time.Hour))

	ids := func(q comment.QueueQuery) []int64 {
		t.Helper()
		cs, err := s.Queue(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	if got := ids(comment.QueueQuery{SiteID: "news", Status: comment.StatusPending, Rule: comment.RuleLinks}); !cmp.Equal(got, []int64{a, b}) {
		t.Errorf("links queue = %v, want %v", got, []int64{a, b})
	}
	if got := ids(comment.QueueQuery{SiteID: "news", Status: comment.StatusPending, Rule: comment.RuleLinkDomain}); !cmp.Equal(got, []int64{cID}) {
		t.Errorf("link_domain queue = %v, want %v", got, []int64{cID})
	}
	if got := ids(comment.QueueQuery{SiteID: "news", Status: comment.StatusPending, Rule: comment.RuleLinks, Limit: 1}); len(got) != 1 {
		t.Errorf("links queue with limit 1 = %v", got)
	}
	if got := ids(comment.QueueQuery{Status: comment.StatusPending, Rule: comment.RuleLinks, Search: "comment 2"}); !cmp.Equal(got, []int64{b}) {
		t.Errorf("links queue searched = %v, want %v", got, []int64{b})
	}
	counts, err := s.HoldCounts(ctx, "news")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{comment.RuleLinks: 2, comment.RuleNewCommenter: 1, comment.RuleLinkDomain: 1}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("hold counts of news (-want +got):\n%s", diff)
	}
	all, err := s.HoldCounts(ctx, "")
	if err != nil || all[comment.RuleLinks] != 3 {
		t.Errorf("hold counts of every site = %v, %v; want 3 links", all, err)
	}
}

func testRecentComments(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "news")
	mustSite(t, s, "other")
	mk := func(site string, n int, hmac, ip string) *comment.Comment {
		c := newComment(site, "https://news.example/r", n)
		c.EmailHMAC, c.IPHash = []byte(hmac), []byte(ip)
		return mustCreate(t, s, c)
	}
	a1 := mk("news", 10, "ada", "ip1")
	a2 := mk("news", 20, "ada", "ip2")
	b1 := mk("news", 30, "bob", "ip1")
	mk("other", 40, "ada", "ip1")
	a3 := mk("news", 50, "ada", "ip1")
	approve(t, s, a1.ID, t0.Add(time.Hour))
	if _, err := s.Decide(ctx, comment.Decision{CommentID: a2.ID, Action: comment.ActionReject, Reason: comment.ReasonOffTopic, Moderator: "mod", At: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	ids := func(q comment.RecentQuery) []int64 {
		t.Helper()
		cs, err := s.RecentComments(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		q    comment.RecentQuery
		want []int64
	}{
		{"Commenter", comment.RecentQuery{SiteID: "news", EmailHMAC: []byte("ada")}, []int64{a3.ID, a2.ID, a1.ID}},
		{"Since", comment.RecentQuery{SiteID: "news", EmailHMAC: []byte("ada"), Since: t0.Add(20 * time.Second)}, []int64{a3.ID, a2.ID}},
		{"Decided", comment.RecentQuery{SiteID: "news", EmailHMAC: []byte("ada"), DecidedOnly: true}, []int64{a2.ID, a1.ID}},
		{"Address", comment.RecentQuery{SiteID: "news", IPHash: []byte("ip1")}, []int64{a3.ID, b1.ID, a1.ID}},
		{"Site", comment.RecentQuery{SiteID: "news", Since: t0.Add(25 * time.Second)}, []int64{a3.ID, b1.ID}},
		{"Limit", comment.RecentQuery{SiteID: "news", Limit: 1}, []int64{a3.ID}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(tt.q); !cmp.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	cs, _ := s.RecentComments(ctx, comment.RecentQuery{SiteID: "news", EmailHMAC: []byte("ada"), DecidedOnly: true})
	if len(cs) != 2 || cs[0].Status != comment.StatusRejected || cs[1].Status != comment.StatusApproved {
		t.Errorf("decided comments = %+v", cs)
	}
	// Texts only when asked for; who and when always.
	for _, bodies := range []bool{false, true} {
		cs, err := s.RecentComments(ctx, comment.RecentQuery{SiteID: "news", IPHash: []byte("ip1"), Bodies: bodies, Limit: 1})
		if err != nil || len(cs) != 1 {
			t.Fatalf("address's newest = %v, %v", cs, err)
		}
		want := comment.Recent{ID: a3.ID, EmailHMAC: []byte("ada"), Status: comment.StatusPending, CreatedAt: a3.CreatedAt}
		if bodies {
			want.Body = a3.Body
		}
		if diff := cmp.Diff(want, cs[0]); diff != "" {
			t.Errorf("Bodies %v: address's newest (-want +got):\n%s", bodies, diff)
		}
	}
}

func testSetSitePolicy(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "news")
	site, err := s.Site(ctx, "news")
	if err != nil {
		t.Fatal(err)
	}
	n, r := 4, 0.25
	site.Mode = comment.ModeTrusted
	site.Policy = comment.PolicySettings{HoldNew: &n, RejectionRate: &r, BlockedDomains: []string{"example.biz"},
		EmailDomains: []comment.EmailDomainRule{{Domain: "spam.example", Action: comment.RuleReject}},
		Sections:     []comment.ModeOverride{{Prefix: "/live/", Mode: comment.ModePostmoderate}}}
	at := t0.Add(time.Hour)
	if err := s.SetSitePolicy(ctx, site, comment.PolicyChange{Moderator: "ann", At: at, Note: "mode: premoderate -> trusted"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Site(ctx, "news")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(site, got); diff != "" {
		t.Errorf("site (-want +got):\n%s", diff)
	}
	if got.ModeFor("https://news.example/live/today") != comment.ModePostmoderate || got.ModeFor("https://news.example/politics/x") != comment.ModeTrusted {
		t.Errorf("modes by section wrong: %+v", got.Policy.Sections)
	}
	entries, err := s.Audit(ctx, comment.AuditFilter{SiteID: "news", Action: comment.ActionSetPolicy})
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit = %+v, %v", entries, err)
	}
	if e := entries[0]; e.Moderator != "ann" || !strings.Contains(e.Note, "premoderate -> trusted") || !e.At.Equal(at) {
		t.Errorf("audit entry = %+v", e)
	}
	site.ID = "missing"
	wantCode(t, s.SetSitePolicy(ctx, site, comment.PolicyChange{Moderator: "ann", At: at, Note: "x"}), comment.CodeNotFound)
}
