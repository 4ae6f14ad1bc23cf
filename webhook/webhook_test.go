package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/outbox"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/store/sqlite"
	"github.com/parleyhq/parley/webhook"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func TestSignVerify(t *testing.T) {
	key, body := []byte("whsec_0123456789abcdef"), []byte(`{"event":"comment.created"}`)
	h := webhook.Sign(key, t0, body)
	if !strings.HasPrefix(h, "t=1796040000,v1=") || len(h) != len("t=1796040000,v1=")+64 {
		t.Fatalf("header = %q", h)
	}
	if err := webhook.Verify(key, h, body, t0.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("good signature refused: %v", err)
	}
	for name, check := range map[string]func() error{
		"ErrBodyChanged": func() error { return webhook.Verify(key, h, []byte(`{"event":"comment.removed"}`), t0, 5*time.Minute) },
		"ErrWrongSecret": func() error { return webhook.Verify([]byte("another-secret-123"), h, body, t0, 5*time.Minute) },
		"ErrReplayed":    func() error { return webhook.Verify(key, h, body, t0.Add(6*time.Minute), 5*time.Minute) },
		"ErrNoTime":      func() error { return webhook.Verify(key, strings.Replace(h, "t=", "x=", 1), body, t0, 5*time.Minute) },
		"ErrTimeChanged": func() error {
			return webhook.Verify(key, strings.Replace(h, "t=1796040000", "t=1796040001", 1), body, t0, 5*time.Minute)
		},
	} {
		t.Run(name, func(t *testing.T) {
			if check() == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://cms.example/hook": true, "http://10.0.0.5:8080/parley": true,
		"": false, "file:///etc/passwd": false, "gopher://x.example/": false, "ftp://x.example/": false,
		"https:///nohost": false, "//cms.example/x": false, "cms.example/x": false, "https://cms.example/#frag": false,
	} {
		if got := webhook.CheckURL(raw) == ""; got != ok {
			t.Errorf("CheckURL(%q) ok = %v, want %v (%s)", raw, got, ok, webhook.CheckURL(raw))
		}
	}
}

// rig is a store with one site, a webhook pointing at a test receiver,
// and a worker whose clock the test moves.
type rig struct {
	store  comment.Store
	keys   *secret.Keyring
	hook   comment.Webhook
	secret string
	now    time.Time
	worker *outbox.Worker
	mu     sync.Mutex
	calls  []*http.Request
	bodies [][]byte
	status []int // answers, in order; 200 once exhausted
}

func newRig(t *testing.T, format string) *rig {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys, err := secret.LoadOrCreate(filepath.Join(dir, "p.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSite(ctx, comment.Site{ID: "news", Origins: []string{"https://news.example"}, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	r := &rig{store: st, keys: keys, secret: "whsec_test_0123456789", now: t0}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.calls, r.bodies = append(r.calls, req), append(r.bodies, body)
		code := 200
		if len(r.status) > 0 {
			code, r.status = r.status[0], r.status[1:]
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(srv.Close)
	sealed, err := keys.EncryptEmail(r.secret)
	if err != nil {
		t.Fatal(err)
	}
	r.hook, err = st.CreateWebhook(ctx, comment.Webhook{SiteID: "news", URL: srv.URL + "/hook", SecretCipher: sealed,
		Events: comment.WebhookEvents, Format: format, Enabled: true, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.now }
	r.worker = &outbox.Worker{Store: st, Now: clock, Senders: map[string]outbox.Sender{
		comment.OutboxWebhook: &webhook.Sender{Store: st, Keys: keys, Now: clock},
	}}
	return r
}

func (r *rig) enqueue(t *testing.T, ev webhook.Event, commentID int64) {
	t.Helper()
	body, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.store.EnqueueOutbox(context.Background(), comment.OutboxItem{Kind: comment.OutboxWebhook, Topic: ev.Event, SiteID: "news",
		CommentID: commentID, Target: jsonID(r.hook.ID), Payload: body, CreatedAt: r.now}); err != nil {
		t.Fatal(err)
	}
}

func jsonID(id int64) string { b, _ := json.Marshal(id); return string(b) }

func (r *rig) advance(d time.Duration) { r.mu.Lock(); r.now = r.now.Add(d); r.mu.Unlock() }

func (r *rig) items(t *testing.T) []comment.OutboxItem {
	t.Helper()
	items, err := r.store.OutboxItems(context.Background(), comment.OutboxFilter{Kind: comment.OutboxWebhook})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func sample() comment.Comment {
	return comment.Comment{SiteID: "news", ArticleURL: "https://news.example/a", ArticleTitle: "Tax <reform>", AuthorName: "Ann <@here>",
		Body: "I disagree & say so.\nTwice.", HTML: "<p>I disagree</p>", Status: comment.StatusPending, Score: 0.12, CreatedAt: t0,
		EmailCipher: []byte("sealed"), EmailHMAC: []byte("hmac")}
}

// TestSenderSigns: the receiver gets the queued body, signed with the
// webhook's secret, with the delivery ID and event in headers, and the
// comment ID the store gave (unknown when the event was queued).
func TestSenderSigns(t *testing.T) {
	r := newRig(t, comment.WebhookJSON)
	r.enqueue(t, webhook.NewEvent(comment.EventCommentCreated, sample(), t0), 42)
	if n, err := r.worker.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if len(r.calls) != 1 {
		t.Fatalf("%d calls", len(r.calls))
	}
	req, body := r.calls[0], r.bodies[0]
	if err := webhook.Verify([]byte(r.secret), req.Header.Get("Parley-Signature"), body, t0, 5*time.Minute); err != nil {
		t.Fatalf("signature: %v (header %q)", err, req.Header.Get("Parley-Signature"))
	}
	item := r.items(t)[0]
	if got := req.Header.Get("Parley-Delivery"); got == "" || "<"+got+">" != item.MessageID {
		t.Errorf("delivery header %q, message ID %q", got, item.MessageID)
	}
	if req.Header.Get("Parley-Event") != "comment.created" || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", req.Header)
	}
	var ev webhook.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Event != "comment.created" || ev.Comment == nil || ev.Comment.ID != 42 || ev.Comment.AuthorName != "Ann <@here>" || ev.Site != "news" {
		t.Errorf("body = %s", body)
	}
	if strings.Contains(string(body), "sealed") || strings.Contains(string(body), "hmac") || strings.Contains(string(body), "@news") {
		t.Errorf("body carries the email's traces: %s", body)
	}
	if item.SentAt.IsZero() || item.Attempts != 0 {
		t.Errorf("item after a good call: %+v", item)
	}
}

// TestSenderRetries: a receiver down (500, then 429, then a refused
// connection's cousin 503) is tried again with backoff, with the same
// delivery ID each time, until it answers 2xx.
func TestSenderRetries(t *testing.T) {
	r := newRig(t, comment.WebhookJSON)
	r.status = []int{500, 429, 503}
	r.enqueue(t, webhook.NewEvent(comment.EventCommentApproved, sample(), t0), 7)
	ctx := context.Background()
	for i, wait := range []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second} {
		r.advance(wait)
		// Not due a moment before the backoff ends.
		if n, err := r.worker.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("attempt %d: RunOnce = %d, %v", i+1, n, err)
		}
		if n, _ := r.worker.RunOnce(ctx); n != 0 {
			t.Fatalf("attempt %d: claimed again before the backoff", i+1)
		}
	}
	if len(r.calls) != 4 {
		t.Fatalf("%d calls, want 4", len(r.calls))
	}
	for _, req := range r.calls {
		if req.Header.Get("Parley-Delivery") != r.calls[0].Header.Get("Parley-Delivery") {
			t.Error("delivery ID changed between attempts")
		}
	}
	// Each attempt is signed anew, at its own time.
	if r.calls[0].Header.Get("Parley-Signature") == r.calls[3].Header.Get("Parley-Signature") {
		t.Error("the retry reused the first attempt's signature time")
	}
	if err := webhook.Verify([]byte(r.secret), r.calls[3].Header.Get("Parley-Signature"), r.bodies[3], r.now, time.Minute); err != nil {
		t.Errorf("last attempt's signature: %v", err)
	}
	it := r.items(t)[0]
	if it.SentAt.IsZero() || it.Attempts != 3 || !strings.Contains(it.LastError, "503") || webhook.DeliveryStatus(it) != webhook.StatusDelivered {
		t.Errorf("item = %+v", it)
	}
}

// TestSenderGivesUp: a 4xx other than 408/429 is not retried; a deleted
// webhook's calls are given up too.
func TestSenderGivesUp(t *testing.T) {
	r := newRig(t, comment.WebhookJSON)
	r.status = []int{410}
	r.enqueue(t, webhook.NewEvent(comment.EventCommentRemoved, sample(), t0), 7)
	ctx := context.Background()
	r.worker.RunOnce(ctx)
	r.advance(time.Hour)
	r.worker.RunOnce(ctx)
	if len(r.calls) != 1 {
		t.Fatalf("%d calls after a 410, want 1", len(r.calls))
	}
	it := r.items(t)[0]
	if it.SentAt.IsZero() || !strings.Contains(it.LastError, "410") || webhook.DeliveryStatus(it) != webhook.StatusFailed {
		t.Errorf("item = %+v", it)
	}
	if err := r.store.DeleteWebhook(ctx, "news", r.hook.ID); err != nil {
		t.Fatal(err)
	}
	r.enqueue(t, webhook.NewEvent(comment.EventCommentRemoved, sample(), t0), 8)
	r.worker.RunOnce(ctx)
	if len(r.calls) != 1 || !strings.Contains(r.items(t)[0].LastError, "deleted") {
		t.Errorf("a deleted webhook was called, or its item not given up: %+v", r.items(t)[0])
	}
}

// TestSlackFormat: a Slack webhook gets {"text": ...}, with what the
// commenter wrote escaped so that it cannot mention or link.
func TestSlackFormat(t *testing.T) {
	r := newRig(t, comment.WebhookSlack)
	ev := webhook.NewEvent(comment.EventCommentReported, sample(), t0)
	ev.Report = &webhook.Report{Reason: comment.ReportPersonalAttack}
	r.enqueue(t, ev, 9)
	r.worker.RunOnce(context.Background())
	if len(r.calls) != 1 {
		t.Fatalf("%d calls", len(r.calls))
	}
	var got map[string]string
	if err := json.Unmarshal(r.bodies[0], &got); err != nil || len(got) != 1 {
		t.Fatalf("body %s: %v", r.bodies[0], err)
	}
	want := "Comment reported by Ann &lt;@here&gt; on <https://news.example/a|Tax &lt;reform&gt;> — personal_attack\n> I disagree &amp; say so.\n> Twice."
	if got["text"] != want {
		t.Errorf("text =\n%s\nwant\n%s", got["text"], want)
	}
	if err := webhook.Verify([]byte(r.secret), r.calls[0].Header.Get("Parley-Signature"), r.bodies[0], t0, time.Minute); err != nil {
		t.Errorf("Slack body not signed: %v", err)
	}
}
