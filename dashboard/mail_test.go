package dashboard_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
)

// The Mail page: every moderator sets their own email (stored encrypted)
// and digest; admins set a site's queue alert and see the messages and the
// backlog.
func TestMailPage(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	bob := e.loggedIn("bob")
	code, page, _ := bob.get("/admin/mail")
	if code != 200 || !strings.Contains(page, "Your email") || strings.Contains(page, "Waiting to be sent") {
		t.Fatalf("moderator's Mail page: %d\n%s", code, page)
	}
	for _, bad := range []url.Values{{"email": {"not an address"}, "digest": {"hourly"}}, {"email": {"bob@news.example"}, "digest": {"weekly"}}} {
		bad.Set("csrf_token", bob.csrf)
		field := "email"
		if bad.Get("digest") == "weekly" {
			field = "digest"
		}
		if code, page, _ := bob.post("/admin/mail/me", bad, false); code != 422 || !strings.Contains(page, "<strong>"+field+"</strong>") {
			t.Errorf("%v: %d, want 422 naming %s", bad, code, field)
		}
	}
	if code, _, _ := bob.post("/admin/mail/me", url.Values{"csrf_token": {bob.csrf}, "email": {"bob@news.example"}, "digest": {"hourly"}}, false); code != http.StatusSeeOther {
		t.Fatalf("saving: %d", code)
	}
	mms, err := e.store.ModeratorMails(ctx)
	if err != nil || len(mms) != 1 || mms[0].Name != "bob" || mms[0].Digest != comment.DigestHourly || bytes.Contains(mms[0].EmailCipher, []byte("bob@news.example")) {
		t.Fatalf("stored: %+v, %v", mms, err)
	}
	if got, _ := e.keys.DecryptEmail(mms[0].EmailCipher); got != "bob@news.example" {
		t.Fatalf("decrypted %q", got)
	}
	if _, page, _ := bob.get("/admin/mail"); !strings.Contains(page, `value="bob@news.example"`) || !strings.Contains(page, `<option value="hourly" selected>`) {
		t.Errorf("the page does not show bob's settings:\n%s", page)
	}
	if code, _, _ := bob.post("/admin/mail/alert", url.Values{"csrf_token": {bob.csrf}, "site": {"news"}, "alert_minutes": {"30"}}, false); code != 403 {
		t.Errorf("a moderator set a site's alert: %d", code)
	}

	ann := e.loggedIn("ann")
	if code, page, _ := ann.post("/admin/mail/alert", url.Values{"csrf_token": {ann.csrf}, "site": {"news"}, "alert_minutes": {"-5"}}, false); code != 422 || !strings.Contains(page, "alert_minutes") {
		t.Errorf("negative alert: %d", code)
	}
	if code, _, _ := ann.post("/admin/mail/alert", url.Values{"csrf_token": {ann.csrf}, "site": {"news"}, "alert_minutes": {"30"}}, false); code != http.StatusSeeOther {
		t.Fatalf("alert: %d", code)
	}
	if s, _ := e.store.Site(ctx, "news"); s.Mail.AlertMinutes != 30 {
		t.Errorf("alert minutes stored: %d", s.Mail.AlertMinutes)
	}
	if err := e.store.EnqueueOutbox(ctx, comment.OutboxItem{Kind: comment.OutboxEmail, Topic: "digest", Target: "moderator:1"}); err != nil {
		t.Fatal(err)
	}
	code, page, _ = ann.get("/admin/mail")
	if code != 200 || !strings.Contains(page, "Waiting to be sent: <strong>1</strong>") || !strings.Contains(page, "no mail server is configured") ||
		!strings.Contains(page, `data-topic="digest"`) || !strings.Contains(page, `value="30"`) {
		t.Errorf("admin's Mail page: %d\n%s", code, page)
	}
}

// A rejection from the queue with "Tell the author this note" ticked
// queues a decision email carrying the note; unticked, without it.
func TestShareNoteFromQueue(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	submit := func(email string) int64 {
		raw := `{"site":"news","article_url":"` + origin + `/energy","name":"Ada","email":"` + email + `","body":"Off on a tangent.","notify":["decision"]}`
		resp, err := http.Post(e.srv.URL+"/api/v1/comments", "application/json", strings.NewReader(raw))
		if err != nil || resp.StatusCode != 202 {
			t.Fatalf("submit: %v %v", resp, err)
		}
		resp.Body.Close()
		items, _ := e.store.Queue(ctx, comment.QueueQuery{Status: comment.StatusPending, Limit: 10})
		return items[len(items)-1].ID
	}
	shared, kept := submit("a@example.com"), submit("b@example.com")
	ann := e.loggedIn("ann")
	for id, share := range map[int64]string{shared: "1", kept: ""} {
		f := url.Values{"csrf_token": {ann.csrf}, "reason": {"off_topic"}, "note": {"Stay with the energy debate."}}
		if share != "" {
			f.Set("share_note", share)
		}
		if code, _, _ := ann.post("/admin/comments/"+strconv.FormatInt(id, 10)+"/reject", f, false); code != http.StatusSeeOther {
			t.Fatalf("reject %d: %d", id, code)
		}
	}
	items, err := e.store.OutboxItems(ctx, comment.OutboxFilter{Topic: "decision"})
	if err != nil || len(items) != 2 {
		t.Fatalf("decision items: %v %v", items, err)
	}
	for _, it := range items {
		has := strings.Contains(string(it.Payload), "Stay with the energy debate.")
		if has != (it.CommentID == shared) || !strings.Contains(string(it.Payload), `"appeal":true`) {
			t.Errorf("item about %d (shared %d): %s", it.CommentID, shared, it.Payload)
		}
	}
}

// An admin adds a moderator with an address and digest; a bad address is
// refused by name and no account is made.
func TestAddModeratorWithEmail(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	ann := e.loggedIn("ann")
	bad := url.Values{"csrf_token": {ann.csrf}, "name": {"dee"}, "role": {"moderator"}, "password": {"long-enough-1"}, "email": {"dee at news"}, "digest": {"daily"}}
	if code, page, _ := ann.post("/admin/moderators", bad, false); code != 422 || !strings.Contains(page, "<strong>email</strong>") {
		t.Fatalf("bad email: %d", code)
	}
	if _, err := e.store.ModeratorByName(ctx, "dee"); comment.ErrorCode(err) != comment.CodeNotFound {
		t.Fatalf("an account was made with a bad email: %v", err)
	}
	good := url.Values{"csrf_token": {ann.csrf}, "name": {"cat"}, "role": {"moderator"}, "password": {"long-enough-1"}, "email": {"cat@news.example"}, "digest": {"daily"}}
	if code, _, _ := ann.post("/admin/moderators", good, false); code != http.StatusSeeOther {
		t.Fatalf("add: %d", code)
	}
	mms, err := e.store.ModeratorMails(ctx)
	if err != nil || len(mms) != 1 || mms[0].Name != "cat" || mms[0].Digest != comment.DigestDaily {
		t.Fatalf("stored: %+v, %v", mms, err)
	}
	if got, _ := e.keys.DecryptEmail(mms[0].EmailCipher); got != "cat@news.example" {
		t.Fatalf("decrypted %q", got)
	}
}
