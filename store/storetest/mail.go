package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

// mailTests cover what email keeps beyond the outbox.
var mailTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"MailNotifyAndReplies", testMailNotifyAndReplies},
	{"MailUnsubscribe", testMailUnsubscribe},
	{"MailModerators", testMailModerators},
}

func init() { outboxTests = append(outboxTests, mailTests...) }

// testMailNotifyAndReplies: opt-ins are written with the comment; the last
// item about a comment and approved replies in a window are found.
func testMailNotifyAndReplies(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "s")
	p := newComment("s", "https://news.example/a", 1)
	p.Notify, p.NotifyLang = []string{comment.NotifyDecision, comment.NotifyReplies}, "fr"
	mustCreate(t, s, p)
	quiet := mustCreate(t, s, newComment("s", "https://news.example/a", 2))
	n, err := s.NotifyOf(ctx, p.ID)
	if err != nil || !n.Has(comment.NotifyReplies) || !n.Has(comment.NotifyDecision) || n.Lang != "fr" {
		t.Fatalf("NotifyOf = %+v, %v", n, err)
	}
	if n, err := s.NotifyOf(ctx, quiet.ID); err != nil || len(n.Topics) != 0 {
		t.Fatalf("NotifyOf(no opt-in) = %+v, %v", n, err)
	}
	approve(t, s, p.ID, t0.Add(time.Minute))
	var replies []int64
	for i := range 3 {
		r := newComment("s", "https://news.example/a", 10+i)
		r.ParentID = p.ID
		mustCreate(t, s, r)
		approve(t, s, r.ID, t0.Add(time.Duration(10+i)*time.Minute))
		replies = append(replies, r.ID)
	}
	pending := newComment("s", "https://news.example/a", 20)
	pending.ParentID = p.ID
	mustCreate(t, s, pending)
	got, err := s.ApprovedReplies(ctx, p.ID, t0.Add(10*time.Minute), t0.Add(12*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, replies[1:]) {
		t.Fatalf("ApprovedReplies(10m, 12m] = %v, want %v", ids, replies[1:])
	}
	if _, err := s.LastOutbox(ctx, comment.OutboxEmail, "reply", p.ID); comment.ErrorCode(err) != comment.CodeNotFound {
		t.Fatalf("LastOutbox with none: %v, want not found", err)
	}
	for _, topic := range []string{"reply", "reply", "decision"} {
		if err := s.EnqueueOutbox(ctx, comment.OutboxItem{Kind: comment.OutboxEmail, Topic: topic, SiteID: "s", CommentID: p.ID, Target: "commenter"}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.OutboxItems(ctx, comment.OutboxFilter{Topic: "reply"})
	if err != nil || len(all) != 2 {
		t.Fatalf("items %v, %v", all, err)
	}
	last, err := s.LastOutbox(ctx, comment.OutboxEmail, "reply", p.ID)
	if err != nil || last.ID != all[0].ID {
		t.Fatalf("LastOutbox = %+v, %v; want item %d", last, err, all[0].ID)
	}
}

func testMailUnsubscribe(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "s")
	h := []byte{9, 9, 9}
	if ok, err := s.Unsubscribed(ctx, "s", h); err != nil || ok {
		t.Fatalf("Unsubscribed before = %v, %v", ok, err)
	}
	for range 2 {
		if err := s.Unsubscribe(ctx, "s", h, t0); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := s.Unsubscribed(ctx, "s", h); err != nil || !ok {
		t.Fatalf("Unsubscribed after = %v, %v", ok, err)
	}
	if ok, err := s.Unsubscribed(ctx, "other", h); err != nil || ok {
		t.Fatalf("Unsubscribed on another site = %v, %v", ok, err)
	}
}

func testMailModerators(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "s")
	m, err := s.CreateModerator(ctx, comment.Moderator{Name: "ann", Role: comment.RoleModerator, PasswordHash: "h", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetModeratorMail(ctx, comment.ModeratorMail{ModeratorID: m.ID + 1000, EmailCipher: []byte{1}}); comment.ErrorCode(err) != comment.CodeNotFound {
		t.Fatalf("unknown moderator: %v", err)
	}
	if err := s.MarkModeratorMail(ctx, m.ID, t0, time.Time{}); comment.ErrorCode(err) != comment.CodeNotFound {
		t.Fatalf("mark without email: %v", err)
	}
	if err := s.SetModeratorMail(ctx, comment.ModeratorMail{ModeratorID: m.ID, EmailCipher: []byte{1, 2}, Digest: comment.DigestHourly}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetModeratorMail(ctx, comment.ModeratorMail{ModeratorID: m.ID, EmailCipher: []byte{3, 4}, Digest: comment.DigestDaily}); err != nil {
		t.Fatal(err)
	}
	item := comment.OutboxItem{Kind: comment.OutboxEmail, Topic: "digest", SiteID: "s", Target: "moderator:1"}
	if err := s.MarkModeratorMail(comment.WithOutbox(ctx, item), m.ID, t0.Add(time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkModeratorMail(ctx, m.ID, time.Time{}, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	ms, err := s.ModeratorMails(ctx)
	if err != nil || len(ms) != 1 {
		t.Fatalf("ModeratorMails = %+v, %v", ms, err)
	}
	got := ms[0]
	if got.Name != "ann" || !slices.Equal(got.EmailCipher, []byte{3, 4}) || got.Digest != comment.DigestDaily ||
		!got.LastDigest.Equal(t0.Add(time.Hour)) || !got.LastAlert.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("ModeratorMails[0] = %+v", got)
	}
	items, err := s.OutboxItems(ctx, comment.OutboxFilter{Topic: "digest"})
	if err != nil || len(items) != 1 {
		t.Fatalf("digest items = %v, %v", items, err)
	}
}
