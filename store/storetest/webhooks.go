package storetest

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
)

// webhookTests cover webhooks and data-rights requests.
var webhookTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"Webhooks", testWebhooks},
	{"ExportCommenter", testExportCommenter},
	{"EraseCommenter", testEraseCommenter},
	{"EraseCommenterChain", testEraseCommenterChain},
}

func testWebhooks(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "s")
	mustSite(t, s, "other")
	_, err := s.CreateWebhook(ctx, comment.Webhook{SiteID: "nosuch", URL: "https://x.example/h", SecretCipher: []byte{1}, Format: comment.WebhookJSON, CreatedAt: t0})
	wantCode(t, err, comment.CodeNotFound)
	w, err := s.CreateWebhook(ctx, comment.Webhook{SiteID: "s", URL: "https://cms.example/hook", SecretCipher: []byte{9, 8, 7},
		Events: []string{comment.EventCommentCreated, comment.EventCommentApproved}, Format: comment.WebhookJSON, Enabled: true, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if w.ID == 0 {
		t.Fatal("no ID")
	}
	w2, err := s.CreateWebhook(ctx, comment.Webhook{SiteID: "s", URL: "https://hooks.slack.example/x", SecretCipher: []byte{1},
		Format: comment.WebhookSlack, CreatedAt: t0.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Webhook(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w, got); diff != "" {
		t.Errorf("Webhook (-want +got):\n%s", diff)
	}
	list, err := s.SiteWebhooks(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != w.ID || list[1].ID != w2.ID || list[1].Enabled || len(list[1].Events) != 0 || list[1].Format != comment.WebhookSlack {
		t.Fatalf("SiteWebhooks = %+v", list)
	}
	if other, err := s.SiteWebhooks(ctx, "other"); err != nil || len(other) != 0 {
		t.Fatalf("other site's webhooks = %+v, %v", other, err)
	}
	w.URL, w.Events, w.Enabled, w.SecretCipher = "https://cms.example/v2", []string{comment.EventCommentReported}, false, []byte{5}
	if err := s.UpdateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Webhook(ctx, w.ID); got.URL != "https://cms.example/v2" || got.Enabled || !cmp.Equal(got.Events, []string{comment.EventCommentReported}) || !cmp.Equal(got.SecretCipher, []byte{5}) {
		t.Errorf("after update: %+v", got)
	}
	// A webhook is changed and deleted only through its own site.
	wrong := w
	wrong.SiteID = "other"
	wantCode(t, s.UpdateWebhook(ctx, wrong), comment.CodeNotFound)
	wantCode(t, s.DeleteWebhook(ctx, "other", w.ID), comment.CodeNotFound)
	if err := s.DeleteWebhook(ctx, "s", w.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteWebhook(ctx, "s", w.ID), comment.CodeNotFound)
	_, err = s.Webhook(ctx, w.ID)
	wantCode(t, err, comment.CodeNotFound)
}

// dataFixture: on site s, commenter A (hmac "A") wrote three comments on
// one article: a1 (approved, with a reply by B), a2 (approved, no reply),
// a3 (pending). A also reported B's comment; B reported a2. A is trusted.
type dataFixture struct {
	a1, a2, a3, b1 *comment.Comment
}

var hmacA, hmacB = []byte("hmac-of-A"), []byte("hmac-of-B")

func seedData(t *testing.T, s comment.Store) dataFixture {
	t.Helper()
	ctx := context.Background()
	mustSite(t, s, "s")
	mustSite(t, s, "t")
	url := "https://news.example/data"
	by := func(c *comment.Comment, h []byte) *comment.Comment { c.EmailHMAC = h; return c }
	var f dataFixture
	a1 := by(newComment("s", url, 1), hmacA)
	a1.Notify = []string{comment.NotifyReplies}
	f.a1 = mustCreate(t, s, a1)
	approve(t, s, f.a1.ID, t0.Add(time.Minute))
	f.a2 = mustCreate(t, s, by(newComment("s", url, 2), hmacA))
	approve(t, s, f.a2.ID, t0.Add(time.Minute))
	f.b1 = by(newComment("s", url, 3), hmacB)
	f.b1.ParentID = f.a1.ID
	mustCreate(t, s, f.b1)
	approve(t, s, f.b1.ID, t0.Add(time.Minute))
	f.a3 = mustCreate(t, s, by(newComment("s", url, 4), hmacA))
	// The same email on another site is another site's business.
	mustCreate(t, s, by(newComment("t", url, 5), hmacA))
	if _, err := s.CreateReport(ctx, comment.Report{CommentID: f.b1.ID, Reason: comment.ReportOffTopic, Reporter: hmacA, Name: "A", EmailCipher: []byte{1}, CreatedAt: t0.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateReport(ctx, comment.Report{CommentID: f.a2.ID, Reason: comment.ReportSpam, Reporter: hmacB, CreatedAt: t0.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStanding(ctx, comment.StandingChange{SiteID: "s", EmailHMAC: hmacA, Standing: comment.StandingTrusted, CommentID: f.a1.ID, Moderator: "mod", At: t0.Add(3 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkVerified(ctx, "s", hmacA, "email", t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	return f
}

func testExportCommenter(t *testing.T, s comment.Store) {
	ctx := context.Background()
	f := seedData(t, s)
	at := t0.Add(time.Hour)
	d, err := s.ExportCommenter(ctx, comment.DataRequest{SiteID: "s", EmailHMAC: hmacA, By: "author", At: at})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	var statuses []comment.Status
	for _, c := range d.Comments {
		ids, statuses = append(ids, c.ID), append(statuses, c.Status)
	}
	if diff := cmp.Diff([]int64{f.a1.ID, f.a2.ID, f.a3.ID}, ids); diff != "" {
		t.Errorf("exported comments (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]comment.Status{comment.StatusApproved, comment.StatusApproved, comment.StatusPending}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if len(d.Reports) != 1 || d.Reports[0].CommentID != f.b1.ID || d.Reports[0].Reason != comment.ReportOffTopic {
		t.Errorf("reports = %+v, want A's one report of b1", d.Reports)
	}
	if d.Commenter.Standing != comment.StandingTrusted || !d.Commenter.Verified || d.Commenter.Approved != 2 || d.Commenter.Pending != 1 {
		t.Errorf("commenter = %+v", d.Commenter)
	}
	entries, err := s.Audit(ctx, comment.AuditFilter{SiteID: "s", Action: comment.ActionDataExport})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Target != "commenter:"+hex.EncodeToString(hmacA) || entries[0].Moderator != "author" || !entries[0].At.Equal(at) {
		t.Errorf("audit = %+v", entries)
	}
	// Someone the site never saw: empty, not an error.
	none, err := s.ExportCommenter(ctx, comment.DataRequest{SiteID: "s", EmailHMAC: []byte("nobody"), By: "author", At: at})
	if err != nil || len(none.Comments) != 0 || len(none.Reports) != 0 || none.Commenter.Standing != "" {
		t.Errorf("unknown commenter: %+v, %v", none, err)
	}
}

func testEraseCommenter(t *testing.T, s comment.Store) {
	ctx := context.Background()
	f := seedData(t, s)
	if _, err := s.CreateAppeal(ctx, comment.Appeal{CommentID: f.a3.ID, Message: "x", CreatedAt: t0}); comment.ErrorCode(err) != comment.CodeConflict {
		t.Logf("appeal of a pending comment: %v", err) // pending cannot be appealed; nothing to set up here
	}
	if err := s.EnqueueOutbox(ctx, comment.OutboxItem{Kind: comment.OutboxWebhook, Topic: comment.EventCommentCreated, SiteID: "s", CommentID: f.a2.ID, Target: "1", Payload: []byte(`{"name":"Reader 2"}`)}); err != nil {
		t.Fatal(err)
	}
	art, err := s.Article(ctx, "s", "https://news.example/data")
	if err != nil {
		t.Fatal(err)
	}
	before := art.ApprovedCount
	at := t0.Add(time.Hour)
	e, err := s.EraseCommenter(ctx, comment.DataRequest{SiteID: "s", EmailHMAC: hmacA, By: "mod", At: at})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(comment.Erasure{Deleted: []int64{f.a2.ID, f.a3.ID}, Anonymised: []int64{f.a1.ID}, Reports: 1,
		Articles: []string{"https://news.example/data"}}, e); diff != "" {
		t.Errorf("erasure (-want +got):\n%s", diff)
	}
	for _, id := range []int64{f.a2.ID, f.a3.ID} {
		_, err := s.Comment(ctx, id)
		wantCode(t, err, comment.CodeNotFound)
	}
	// What the erased commenter asked to hear about goes too.
	if n, err := s.NotifyOf(ctx, f.a1.ID); err != nil || len(n.Topics) != 0 {
		t.Errorf("opt-ins of the anonymised comment: %+v, %v", n, err)
	}
	a1, err := s.Comment(ctx, f.a1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a1.AuthorName != comment.FormerCommenter || a1.Body != "" || a1.HTML != "" || len(a1.EmailHMAC) != 0 || len(a1.EmailCipher) != 0 ||
		len(a1.IPHash) != 0 || a1.AuthorWebsite != "" || a1.Status != comment.StatusDeleted {
		t.Errorf("anonymised comment = %+v", a1)
	}
	// The reply that depends on it stays, in the thread under the tombstone.
	b1, err := s.Comment(ctx, f.b1.ID)
	if err != nil || b1.ParentID != f.a1.ID || b1.Status != comment.StatusApproved {
		t.Errorf("reply = %+v, %v", b1, err)
	}
	art, _ = s.Article(ctx, "s", "https://news.example/data")
	if art.ApprovedCount != before-2 {
		t.Errorf("approved count %d, want %d", art.ApprovedCount, before-2)
	}
	d, err := s.ExportCommenter(ctx, comment.DataRequest{SiteID: "s", EmailHMAC: hmacA, By: "author", At: at})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Comments) != 0 || len(d.Reports) != 0 || d.Commenter.Standing != "" || d.Commenter.Verified {
		t.Errorf("after erasure, still held: %+v", d)
	}
	// B's report of the deleted a2 went with it; B's comment and A's data on
	// the other site stay.
	if rep, err := s.ReportedQueue(ctx, "s", 10); err != nil || len(rep) != 0 {
		t.Errorf("reported queue = %+v, %v", rep, err)
	}
	if other, err := s.ExportCommenter(ctx, comment.DataRequest{SiteID: "t", EmailHMAC: hmacA, By: "author", At: at}); err != nil || len(other.Comments) != 1 {
		t.Errorf("site t: %+v, %v", other, err)
	}
	if items, err := s.OutboxItems(ctx, comment.OutboxFilter{Kind: comment.OutboxWebhook}); err != nil || len(items) != 0 {
		t.Errorf("outbox items about erased comments: %+v, %v", items, err)
	}
	entries, err := s.Audit(ctx, comment.AuditFilter{SiteID: "s", Action: comment.ActionDataErase})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Moderator != "mod" || entries[0].Target != "commenter:"+hex.EncodeToString(hmacA) || entries[0].Note != e.Note() {
		t.Errorf("audit = %+v", entries)
	}
	// The audit entries about the deleted comments stay, without them.
	all, err := s.Audit(ctx, comment.AuditFilter{SiteID: "s", Action: comment.ActionApprove})
	if err != nil || len(all) != 3 {
		t.Errorf("approvals kept in the audit log: %d, %v", len(all), err)
	}
	// Erasing again finds nothing.
	if e, err := s.EraseCommenter(ctx, comment.DataRequest{SiteID: "s", EmailHMAC: hmacA, By: "author", At: at}); err != nil || len(e.Deleted)+len(e.Anonymised)+len(e.Articles) != 0 {
		t.Errorf("second erasure: %+v, %v", e, err)
	}
}

// testEraseCommenterChain: A's reply to their own comment is kept as well
// when another reader answered the reply, and a deep reply keeps its root.
func testEraseCommenterChain(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "s")
	url := "https://news.example/chain"
	by := func(c *comment.Comment, h []byte, parent int64) *comment.Comment {
		c.EmailHMAC, c.ParentID = h, parent
		mustCreate(t, s, c)
		approve(t, s, c.ID, t0.Add(time.Minute))
		return c
	}
	root := by(newComment("s", url, 1), hmacA, 0)
	mid := by(newComment("s", url, 2), hmacA, root.ID)
	leaf := by(newComment("s", url, 3), hmacB, mid.ID)
	alone := by(newComment("s", url, 4), hmacA, 0)
	ownReply := by(newComment("s", url, 5), hmacA, alone.ID)
	e, err := s.EraseCommenter(ctx, comment.DataRequest{SiteID: "s", EmailHMAC: hmacA, By: "author", At: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := comment.Erasure{Deleted: []int64{alone.ID, ownReply.ID}, Anonymised: []int64{root.ID, mid.ID}, Articles: []string{url}}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("erasure (-want +got):\n%s", diff)
	}
	if c, err := s.Comment(ctx, leaf.ID); err != nil || c.Status != comment.StatusApproved {
		t.Errorf("leaf = %+v, %v", c, err)
	}
	art, err := s.Article(ctx, "s", url)
	if err != nil || art.ApprovedCount != 1 {
		t.Errorf("approved count = %d, %v; want 1", art.ApprovedCount, err)
	}
}
