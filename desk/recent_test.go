package desk_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/moderation"
)

// countingStore counts the site-wide recent-comment reads (the campaign
// rule's).
type countingStore struct {
	comment.Store
	siteReads, decisionReads atomic.Int64
}

func (s *countingStore) RecentComments(ctx context.Context, q comment.RecentQuery) ([]comment.Recent, error) {
	if q.EmailHMAC == nil && q.IPHash == nil {
		s.siteReads.Add(1)
	}
	if q.DecidedOnly {
		s.decisionReads.Add(1)
	}
	return s.Store.RecentComments(ctx, q)
}

// A commenter's last decisions are read only when they have a rejection
// among all of theirs: without one the rejection-rate rule cannot fire and
// trust cannot be lost, so the read would change nothing.
func TestDecisionsReadOnlyWithRejections(t *testing.T) {
	_, s, clk := newMailDesk(t)
	cs := &countingStore{Store: s}
	d := desk.New(desk.Config{Store: cs, Now: clk.Now})
	ctx := context.Background()
	site, _ := s.Site(ctx, "news")
	screen := func(cm comment.Commenter) moderation.Outcome {
		t.Helper()
		c := &comment.Comment{SiteID: "news", ArticleURL: "https://news.example/a", Body: "A fair point about the budget.",
			EmailHMAC: []byte("eve"), CreatedAt: clk.t}
		o, err := d.Screen(ctx, moderation.Policy{}, site, c, cm, "eve@example.com", moderation.Assessment{Score: -1})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	screen(comment.Commenter{EmailHMAC: []byte("eve"), Approved: 12})
	if n := cs.decisionReads.Load(); n != 0 {
		t.Errorf("%d decision reads for a commenter never rejected, want 0", n)
	}
	// Rejected three times of the last four: read, and held for it.
	for i, st := range []comment.Status{comment.StatusRejected, comment.StatusRejected, comment.StatusApproved, comment.StatusRejected} {
		clk.t = clk.t.Add(time.Minute)
		c := &comment.Comment{SiteID: "news", ArticleURL: "https://news.example/a", Body: "b", HTML: "<p>b</p>", EmailCipher: []byte{1},
			EmailHMAC: []byte("eve"), Status: st, Score: -1, EditTokenHash: []byte{byte(i)}, CreatedAt: clk.t, DecidedAt: clk.t, DecidedBy: "m"}
		if err := s.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	cm, _ := s.Commenter(ctx, "news", []byte("eve"))
	o := screen(cm)
	if n := cs.decisionReads.Load(); n != 1 {
		t.Errorf("%d decision reads for a commenter with rejections, want 1", n)
	}
	held := false
	for _, h := range o.Holds {
		held = held || h.Rule == comment.RuleRejectionRate
	}
	if !held {
		t.Errorf("holds %+v, want the rejection rate", o.Holds)
	}
}

const campaignText = "Everyone must write to the council today and demand that the bridge stays open for cyclists."

// The campaign rule compares a new comment with the site's recent ones
// from a window each instance reads at most every SiteRecentMaxAge: what
// this instance accepted counts at once, what reached another instance
// (here: written to the store directly) once the window is read again.
func TestCampaignWindow(t *testing.T) {
	_, s, clk := newMailDesk(t)
	cs := &countingStore{Store: s}
	d := desk.New(desk.Config{Store: cs, Now: clk.Now})
	ctx := context.Background()
	site, err := s.Site(ctx, "news")
	if err != nil {
		t.Fatal(err)
	}
	two := 2
	site.Policy.CampaignCommenters = &two
	n := 0
	mk := func(email string) *comment.Comment {
		n++
		clk.t = clk.t.Add(time.Second)
		return &comment.Comment{SiteID: "news", ArticleURL: "https://news.example/a", Body: campaignText, HTML: "<p>x</p>",
			EmailCipher: []byte{1}, EmailHMAC: []byte(email), IPHash: []byte(email), Status: comment.StatusPending, Score: -1,
			EditTokenHash: []byte{byte(n)}, CreatedAt: clk.t}
	}
	submit := func(email string) moderation.Outcome {
		t.Helper()
		c := mk(email)
		cm, err := s.Commenter(ctx, "news", c.EmailHMAC)
		if err != nil {
			t.Fatal(err)
		}
		o, err := d.Screen(ctx, moderation.Policy{}, site, c, cm, email+"@example.com", moderation.Assessment{Score: -1})
		if err != nil {
			t.Fatal(err)
		}
		desk.ApplyOutcome(c, o)
		if err := d.Submit(ctx, c); err != nil {
			t.Fatal(err)
		}
		return o
	}
	campaign := func(o moderation.Outcome) string {
		for _, h := range o.Holds {
			if h.Rule == comment.RuleRepeat && strings.HasPrefix(h.Detail, "campaign") {
				return h.Detail
			}
		}
		return ""
	}

	if got := campaign(submit("ada")); got != "" {
		t.Fatalf("first comment held as a campaign: %s", got)
	}
	// Another instance accepts the same text from bob.
	if err := s.CreateComment(ctx, mk("bob")); err != nil {
		t.Fatal(err)
	}
	// Within the window's age, carol's is compared with ada's (accepted
	// here) but not yet with bob's.
	if got := campaign(submit("carol")); !strings.Contains(got, "from 2 commenters") {
		t.Fatalf("campaign hold within the window's age = %q, want the same text from 2 commenters (ada's, not yet bob's)", got)
	}
	if r := cs.siteReads.Load(); r != 1 {
		t.Errorf("%d site-wide reads for two screenings within %v, want 1", r, desk.SiteRecentMaxAge)
	}
	time.Sleep(desk.SiteRecentMaxAge + 50*time.Millisecond)
	if got := campaign(submit("dan")); !strings.Contains(got, "from 4 commenters") {
		t.Errorf("after the window's age, campaign hold = %q, want the same text from 4 commenters", got)
	}

	// Screenings that need the window at once share one read.
	time.Sleep(desk.SiteRecentMaxAge + 50*time.Millisecond)
	before := cs.siteReads.Load()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &comment.Comment{SiteID: "news", ArticleURL: "https://news.example/a", Body: campaignText,
				EmailHMAC: []byte{byte(i)}, CreatedAt: clk.t}
			o, err := d.Screen(ctx, moderation.Policy{}, site, c, comment.Commenter{}, "x@example.com", moderation.Assessment{Score: -1})
			if err != nil {
				t.Error(err)
			}
			if !strings.Contains(campaign(o), "from 5 commenters") {
				t.Errorf("concurrent screening: campaign hold = %q, want from 5 commenters", campaign(o))
			}
		}()
	}
	wg.Wait()
	// One read, or two if a goroutine was scheduled only after the first
	// read had aged out: never one each.
	if r := cs.siteReads.Load() - before; r < 1 || r > 2 {
		t.Errorf("8 concurrent screenings made %d site-wide reads, want 1", r)
	}
}
