package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
)

var identityTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"SSOSubStored", testSSOSubStored},
	{"AwaitingVerificationKeptApart", testAwaitingVerification},
	{"TrustedNames", testTrustedNames},
	{"CommenterKeys", testCommenterKeys},
	{"EraseIdentity", testEraseIdentity},
}

func testSSOSubStored(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "s")
	c := newComment("s", "https://news.example/a", 1)
	c.SSOSub = "subscriber-42"
	mustCreate(t, s, c)
	plain := mustCreate(t, s, newComment("s", "https://news.example/a", 2))
	got, err := s.Comment(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.SSOSub != "subscriber-42" {
		t.Errorf("SSOSub = %q, want subscriber-42", got.SSOSub)
	}
	if got, _ := s.Comment(ctx, plain.ID); got.SSOSub != "" || got.AwaitingVerification {
		t.Errorf("a plain comment reads SSOSub %q, awaiting %v", got.SSOSub, got.AwaitingVerification)
	}
}

func testAwaitingVerification(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "s")
	held := newComment("s", "https://news.example/a", 1)
	held.EmailHMAC = []byte("new-reader")
	held.AwaitingVerification = true
	held.Flagged = true
	mustCreate(t, s, held)
	other := mustCreate(t, s, newComment("s", "https://news.example/a", 2))

	queueIDs := func() []int64 {
		t.Helper()
		q, err := s.Queue(ctx, comment.QueueQuery{SiteID: "s", Status: comment.StatusPending})
		if err != nil {
			t.Fatal(err)
		}
		all, err := s.Queue(ctx, comment.QueueQuery{Status: comment.StatusPending})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(q) {
			t.Errorf("every site's queue has %d comments, the site's %d", len(all), len(q))
		}
		var ids []int64
		for _, c := range q {
			ids = append(ids, c.ID)
		}
		return ids
	}
	if diff := cmp.Diff([]int64{other.ID}, queueIDs()); diff != "" {
		t.Errorf("queue while held (-want +got):\n%s", diff)
	}
	counts, err := s.CountByStatus(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if counts[comment.StatusPending] != 1 {
		t.Errorf("pending count while held = %d, want 1", counts[comment.StatusPending])
	}
	if n, err := s.CountFlagged(ctx, ""); err != nil || n != 0 {
		t.Errorf("flagged count while held = %d, %v; want 0", n, err)
	}
	got, err := s.Comment(ctx, held.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.AwaitingVerification || got.Status != comment.StatusPending {
		t.Errorf("held comment reads awaiting %v, status %s", got.AwaitingVerification, got.Status)
	}
	ids, err := s.AwaitingVerification(ctx, "s", []byte("new-reader"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{held.ID}, ids); diff != "" {
		t.Errorf("AwaitingVerification (-want +got):\n%s", diff)
	}

	// Proving the email on another site releases nothing here.
	mustSite(t, s, "s2")
	if err := s.MarkVerified(ctx, "s2", []byte("new-reader"), comment.VerifiedByEmail, t0); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{other.ID}, queueIDs()); diff != "" {
		t.Errorf("queue after verifying elsewhere (-want +got):\n%s", diff)
	}
	if err := s.MarkVerified(ctx, "s", []byte("new-reader"), comment.VerifiedByEmail, t0); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{held.ID, other.ID}, queueIDs()); diff != "" { // flagged first
		t.Errorf("queue after verification (-want +got):\n%s", diff)
	}
	counts, _ = s.CountByStatus(ctx, "s")
	if counts[comment.StatusPending] != 2 {
		t.Errorf("pending count after verification = %d, want 2", counts[comment.StatusPending])
	}
	if n, _ := s.CountFlagged(ctx, "s"); n != 1 {
		t.Errorf("flagged count after verification = %d, want 1", n)
	}
	if ids, _ := s.AwaitingVerification(ctx, "s", []byte("new-reader")); len(ids) != 0 {
		t.Errorf("still awaiting after verification: %v", ids)
	}

	// A held comment a moderator approves by its ID leaves the wait and
	// shows in the approved list.
	direct := newComment("s", "https://news.example/a", 3)
	direct.EmailHMAC, direct.AwaitingVerification = []byte("other-reader"), true
	mustCreate(t, s, direct)
	approve(t, s, direct.ID, t0.Add(time.Hour))
	if ids, _ := s.AwaitingVerification(ctx, "s", []byte("other-reader")); len(ids) != 0 {
		t.Errorf("an approved comment still awaits: %v", ids)
	}
	approved, err := s.Queue(ctx, comment.QueueQuery{SiteID: "s", Status: comment.StatusApproved})
	if err != nil || len(approved) != 1 || approved[0].ID != direct.ID {
		t.Errorf("approved list = %v, %v; want the comment approved while held", approved, err)
	}
}

func testTrustedNames(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "s")
	mustSite(t, s, "s2")
	ann := newComment("s", "https://news.example/a", 1)
	ann.EmailHMAC, ann.AuthorName = []byte("ann"), "Ann Lee"
	mustCreate(t, s, ann)
	ann2 := newComment("s", "https://news.example/a", 2)
	ann2.EmailHMAC, ann2.AuthorName = []byte("ann"), "Ann"
	mustCreate(t, s, ann2)
	bob := newComment("s", "https://news.example/a", 3)
	bob.EmailHMAC, bob.AuthorName = []byte("bob"), "Bob"
	mustCreate(t, s, bob)
	elsewhere := newComment("s2", "https://news.example/b", 4)
	elsewhere.EmailHMAC, elsewhere.AuthorName = []byte("ann"), "Ann Elsewhere"
	mustCreate(t, s, elsewhere)
	if names, err := s.TrustedNames(ctx, "s"); err != nil || len(names) != 0 {
		t.Fatalf("TrustedNames before trust = %v, %v", names, err)
	}
	if _, err := s.SetStanding(ctx, comment.StandingChange{SiteID: "s", EmailHMAC: []byte("ann"), Standing: comment.StandingTrusted,
		CommentID: ann.ID, Moderator: "mod", At: t0}); err != nil {
		t.Fatal(err)
	}
	names, err := s.TrustedNames(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	want := []comment.NameHolder{{Name: "Ann", EmailHMAC: []byte("ann")}, {Name: "Ann Lee", EmailHMAC: []byte("ann")}}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("TrustedNames (-want +got):\n%s", diff)
	}
	if names, _ := s.TrustedNames(ctx, "s2"); len(names) != 0 {
		t.Errorf("trust on one site protects names on another: %v", names)
	}
}

func testCommenterKeys(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "s")
	mustSite(t, s, "s2")
	ann, key := []byte("ann"), []byte("key-hash-1")
	if ok, err := s.CommenterKeyProven(ctx, "s", ann, key); err != nil || ok {
		t.Fatalf("unproven key: %v, %v", ok, err)
	}
	if err := s.ProveCommenterKey(ctx, "s", ann, key, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.ProveCommenterKey(ctx, "s", ann, key, t0.Add(time.Hour)); err != nil {
		t.Errorf("proving again: %v", err)
	}
	if ok, err := s.CommenterKeyProven(ctx, "s", ann, key); err != nil || !ok {
		t.Errorf("proven key: %v, %v", ok, err)
	}
	for _, c := range []struct {
		site  string
		email []byte
	}{{"s2", ann}, {"s", []byte("eve")}} {
		if ok, _ := s.CommenterKeyProven(ctx, c.site, c.email, key); ok {
			t.Errorf("the key counts for %s %s", c.site, c.email)
		}
	}
	wantCode(t, s.ProveCommenterKey(ctx, "s", []byte("eve"), key, t0), comment.CodeConflict)
	wantCode(t, s.ProveCommenterKey(ctx, "nosuch", ann, []byte("k2"), t0), comment.CodeNotFound)
}

// Erasing a commenter's data also drops their proven keys and email, and
// the account an anonymised comment was posted under.
func testEraseIdentity(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "s")
	hmac := []byte("subscriber")
	parent := newComment("s", "https://news.example/a", 1)
	parent.EmailHMAC, parent.SSOSub = hmac, "acct-9"
	mustCreate(t, s, parent)
	approve(t, s, parent.ID, t0.Add(time.Minute))
	reply := newComment("s", "https://news.example/a", 2)
	reply.ParentID, reply.EmailHMAC = parent.ID, []byte("someone-else")
	mustCreate(t, s, reply)
	approve(t, s, reply.ID, t0.Add(2*time.Minute))
	if err := s.MarkVerified(ctx, "s", hmac, comment.VerifiedBySSO, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.ProveCommenterKey(ctx, "s", hmac, []byte("key"), t0); err != nil {
		t.Fatal(err)
	}
	e, err := s.EraseCommenter(ctx, comment.DataRequest{SiteID: "s", EmailHMAC: hmac, By: "mod", At: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Anonymised) != 1 || e.Anonymised[0] != parent.ID {
		t.Fatalf("erasure = %+v, want the parent anonymised", e)
	}
	if got, _ := s.Comment(ctx, parent.ID); got.SSOSub != "" {
		t.Errorf("the anonymised comment keeps the account %q", got.SSOSub)
	}
	if ok, _ := s.CommenterKeyProven(ctx, "s", hmac, []byte("key")); ok {
		t.Error("the proven key survives the erasure")
	}
	if c, _ := s.Commenter(ctx, "s", hmac); c.Verified {
		t.Error("the proven email survives the erasure")
	}
}
