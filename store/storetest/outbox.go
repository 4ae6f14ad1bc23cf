package storetest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

// outboxTests cover the outbox and proven emails.
var outboxTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"OutboxWithWrites", testOutboxWithWrites},
	{"OutboxClaim", testOutboxClaim},
	{"OutboxClaimConcurrent", testOutboxClaimConcurrent},
	{"OutboxListAndBacklog", testOutboxListAndBacklog},
	{"Verified", testVerified},
}

func mail(topic string) comment.OutboxItem {
	return comment.OutboxItem{Kind: comment.OutboxEmail, Topic: topic, SiteID: "s", Target: "commenter", Payload: json.RawMessage(`{"a":1}`)}
}

// testOutboxWithWrites: items carried by the context are queued by the
// write, with the comment's ID, and only when the write commits.
func testOutboxWithWrites(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "s")
	c := newComment("s", "https://news.example/a", 1)
	if err := s.CreateComment(comment.WithOutbox(ctx, mail("created")), c); err != nil {
		t.Fatal(err)
	}
	dec := comment.Decision{CommentID: c.ID, Action: comment.ActionApprove, Moderator: "mo", At: t0.Add(time.Minute)}
	if _, err := s.Decide(comment.WithOutbox(ctx, mail("decision"), comment.OutboxItem{Kind: comment.OutboxWebhook, Topic: "comment.approved", SiteID: "s", Target: "7"}), dec); err != nil {
		t.Fatal(err)
	}
	// A write that fails queues nothing.
	if _, err := s.Decide(comment.WithOutbox(ctx, mail("lost")), dec); comment.ErrorCode(err) != comment.CodeConflict {
		t.Fatalf("second decision: %v, want conflict", err)
	}
	bad := newComment("nosuchsite", "https://news.example/a", 2)
	if err := s.CreateComment(comment.WithOutbox(ctx, mail("lost")), bad); err == nil {
		t.Fatal("comment on an unknown site was stored")
	}
	items, err := s.OutboxItems(ctx, comment.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 {
		t.Fatalf("queued %d items, want 3: %+v", len(items), items)
	}
	// Newest first.
	want := []struct {
		topic, kind string
	}{{"comment.approved", comment.OutboxWebhook}, {"decision", comment.OutboxEmail}, {"created", comment.OutboxEmail}}
	seen := map[string]bool{}
	for i, it := range items {
		if it.Topic != want[i].topic || it.Kind != want[i].kind {
			t.Errorf("item %d: %s/%s, want %s/%s", i, it.Kind, it.Topic, want[i].kind, want[i].topic)
		}
		if it.CommentID != c.ID {
			t.Errorf("item %s: comment %d, want %d", it.Topic, it.CommentID, c.ID)
		}
		if it.MessageID == "" || seen[it.MessageID] {
			t.Errorf("item %s: Message-ID %q empty or repeated", it.Topic, it.MessageID)
		}
		seen[it.MessageID] = true
		if !it.SentAt.IsZero() || it.Attempts != 0 {
			t.Errorf("item %s: new item sent %v, attempts %d", it.Topic, it.SentAt, it.Attempts)
		}
	}
	if string(items[1].Payload) != `{"a":1}` {
		t.Errorf("payload = %s", items[1].Payload)
	}
	// Other writes carry items too.
	if _, err := s.CreateReport(comment.WithOutbox(ctx, mail("reported")), comment.Report{CommentID: c.ID, Reason: comment.ReportReason("spam"),
		Reporter: []byte("r1"), GoodFaith: true, CreatedAt: t0.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateReport(comment.WithOutbox(ctx, mail("lost")), comment.Report{CommentID: c.ID, Reason: comment.ReportReason("spam"),
		Reporter: []byte("r1"), GoodFaith: true, CreatedAt: t0.Add(3 * time.Minute)}); comment.ErrorCode(err) != comment.CodeConflict {
		t.Fatalf("repeated report: %v", err)
	}
	if _, err := s.Decide(comment.WithOutbox(ctx, mail("removed")), comment.Decision{CommentID: c.ID, Action: comment.ActionRemove,
		Reason: comment.ReasonLegal, Moderator: "mo", At: t0.Add(4 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	items, err = s.OutboxItems(ctx, comment.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 5 || items[0].Topic != "removed" || items[1].Topic != "reported" {
		var topics []string
		for _, it := range items {
			topics = append(topics, it.Topic)
		}
		t.Fatalf("after report and removal: %v", topics)
	}
}

func testOutboxClaim(t *testing.T, s comment.Store) {
	ctx := context.Background()
	var items []comment.OutboxItem
	for i := range 5 {
		it := mail("t")
		it.NextAttempt = t0.Add(time.Duration(i) * time.Second)
		items = append(items, it)
	}
	later := mail("later")
	later.NextAttempt = t0.Add(time.Hour)
	if err := s.EnqueueOutbox(ctx, append(items, later)...); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(10 * time.Second)
	got, err := s.ClaimOutbox(ctx, now, 3, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("claimed %d, want 3", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].NextAttempt.Before(got[i-1].NextAttempt) {
			t.Errorf("claimed out of order: %v before %v", got[i-1].NextAttempt, got[i].NextAttempt)
		}
	}
	rest, err := s.ClaimOutbox(ctx, now, 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 2 {
		t.Fatalf("second claim: %d, want the 2 unclaimed due items (not the later one)", len(rest))
	}
	if again, _ := s.ClaimOutbox(ctx, now.Add(30*time.Second), 10, time.Minute); len(again) != 0 {
		t.Fatalf("claimed %d items still leased", len(again))
	}
	if err := s.MarkOutboxSent(ctx, got[0].ID, now); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkOutboxFailed(ctx, got[1].ID, now.Add(2*time.Second), "421 try later"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.MarkOutboxSent(ctx, 999999, now), comment.CodeNotFound)
	wantCode(t, s.MarkOutboxFailed(ctx, 999999, now, "x"), comment.CodeNotFound)
	// The failed item is due again at its next attempt, before the lease
	// of the others ends; the sent one never again.
	again, err := s.ClaimOutbox(ctx, now.Add(3*time.Second), 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 1 || again[0].ID != got[1].ID || again[0].Attempts != 1 || again[0].LastError != "421 try later" {
		t.Fatalf("after a failure: %+v", again)
	}
	if again[0].MessageID != got[1].MessageID {
		t.Errorf("Message-ID changed between attempts: %q, %q", got[1].MessageID, again[0].MessageID)
	}
	// Once the leases end, the unsent items come back; the sent one does not.
	back, err := s.ClaimOutbox(ctx, now.Add(2*time.Hour), 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 5 {
		t.Fatalf("after the leases: %d items, want 5 (4 unsent + the later one)", len(back))
	}
	for _, it := range back {
		if it.ID == got[0].ID {
			t.Error("a sent item was claimed again")
		}
	}
}

// testOutboxClaimConcurrent: claimers at once take each item exactly once.
func testOutboxClaimConcurrent(t *testing.T, s comment.Store) {
	ctx := context.Background()
	const n = 40
	items := make([]comment.OutboxItem, n)
	for i := range items {
		items[i] = mail("c")
		items[i].NextAttempt = t0
	}
	if err := s.EnqueueOutbox(ctx, items...); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	claimed := map[int64]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.ClaimOutbox(ctx, t0.Add(time.Second), 3, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, it := range got {
					claimed[it.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != n {
		t.Errorf("claimed %d distinct items, want %d", len(claimed), n)
	}
	for id, k := range claimed {
		if k != 1 {
			t.Errorf("item %d claimed %d times", id, k)
		}
	}
}

func testOutboxListAndBacklog(t *testing.T, s comment.Store) {
	ctx := context.Background()
	a, b := mail("decision"), mail("reply")
	b.SiteID = "other"
	w := comment.OutboxItem{Kind: comment.OutboxWebhook, Topic: "comment.created", SiteID: "s", Target: "3"}
	if err := s.EnqueueOutbox(ctx, a, b, w); err != nil {
		t.Fatal(err)
	}
	backlog, err := s.OutboxBacklog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if backlog[comment.OutboxEmail] != 2 || backlog[comment.OutboxWebhook] != 1 {
		t.Errorf("backlog = %v", backlog)
	}
	for _, tc := range []struct {
		f    comment.OutboxFilter
		want int
	}{
		{comment.OutboxFilter{Kind: comment.OutboxEmail}, 2},
		{comment.OutboxFilter{SiteID: "s"}, 2},
		{comment.OutboxFilter{Kind: comment.OutboxWebhook, Target: "3"}, 1},
		{comment.OutboxFilter{Topic: "reply"}, 1},
		{comment.OutboxFilter{Limit: 1}, 1},
	} {
		got, err := s.OutboxItems(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("%+v: %d items, want %d", tc.f, len(got), tc.want)
		}
	}
	got, _ := s.ClaimOutbox(ctx, time.Now().Add(time.Hour), 10, time.Minute)
	for _, it := range got {
		if it.Kind == comment.OutboxWebhook {
			if err := s.MarkOutboxSent(ctx, it.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	backlog, _ = s.OutboxBacklog(ctx)
	if backlog[comment.OutboxWebhook] != 0 || backlog[comment.OutboxEmail] != 2 {
		t.Errorf("backlog after sending the webhook = %v", backlog)
	}
	pending, _ := s.OutboxItems(ctx, comment.OutboxFilter{Pending: true})
	if len(pending) != 2 {
		t.Errorf("pending = %d, want 2", len(pending))
	}
}

func testVerified(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "s")
	mustSite(t, s, "s2")
	hmac := []byte("reader-hmac")
	before, err := s.Commenter(ctx, "s", hmac)
	if err != nil {
		t.Fatal(err)
	}
	if before.Verified {
		t.Fatal("an unknown email counts as verified")
	}
	if err := s.MarkVerified(comment.WithOutbox(ctx, mail("verified")), "s", hmac, comment.VerifiedByEmail, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkVerified(ctx, "s", hmac, comment.VerifiedBySSO, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Commenter(ctx, "s", hmac)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Verified || got.VerifiedBy != comment.VerifiedByEmail {
		t.Errorf("after verification: Verified %v by %q, want true by email (the first)", got.Verified, got.VerifiedBy)
	}
	if other, _ := s.Commenter(ctx, "s2", hmac); other.Verified {
		t.Error("verified on one site counts on another")
	}
	wantCode(t, s.MarkVerified(ctx, "nosuch", hmac, comment.VerifiedByEmail, t0), comment.CodeNotFound)
	items, _ := s.OutboxItems(ctx, comment.OutboxFilter{Topic: "verified"})
	if len(items) != 1 {
		t.Errorf("MarkVerified queued %d items, want 1", len(items))
	}
}
