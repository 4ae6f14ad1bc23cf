package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/outbox"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/webhook"
)

type receiver struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
	srv    *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs, rc.bodies = append(rc.reqs, r), append(rc.bodies, b)
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (e *env) moderatorToken(role comment.Role, sites ...string) string {
	e.t.Helper()
	ctx := context.Background()
	hash, _ := secret.HashPassword("another horse battery")
	m, err := e.store.CreateModerator(ctx, comment.Moderator{Name: "mo-" + string(role), Role: role, PasswordHash: hash, Sites: sites, CreatedAt: time.Now()})
	if err != nil {
		e.t.Fatal(err)
	}
	tok := secret.NewToken()
	if err := e.store.CreateToken(ctx, m.ID, secret.TokenHash(tok), time.Now()); err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func TestWebhooksAPI(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	base := "/api/v1/admin/sites/news/webhooks"
	t.Run("ErrFields", func(t *testing.T) {
		var p problem
		wantStatus(t, e.admin("POST", base, map[string]any{"url": "ftp://cms.example/x", "events": []string{"comment.eaten"}, "format": "xml", "secret": "short"}, &p), 422, "bad webhook")
		if got := fieldsOf(p); !slices.Equal(got, []string{"url", "events", "format", "secret"}) {
			t.Errorf("fields = %v", got)
		}
		wantStatus(t, e.admin("POST", base, map[string]any{}, &p), 422, "empty webhook")
		if got := fieldsOf(p); !slices.Equal(got, []string{"url", "events"}) {
			t.Errorf("fields = %v", got)
		}
		wantStatus(t, e.admin("POST", base, map[string]any{"url": "file:///etc/passwd", "events": []string{}}, &p), 422, "file URL")
		if got := fieldsOf(p); !slices.Equal(got, []string{"url", "events"}) {
			t.Errorf("fields = %v", got)
		}
	})
	t.Run("ErrNotAdmin", func(t *testing.T) {
		tok := e.moderatorToken(comment.RoleModerator, "news")
		var p problem
		wantStatus(t, e.do("GET", base, nil, map[string]string{"Authorization": "Bearer " + tok}, &p), 403, "moderator")
		if got := fieldsOf(p); !slices.Equal(got, []string{"site"}) {
			t.Errorf("fields = %v", got)
		}
		wantStatus(t, e.do("GET", base, nil, nil, nil), 401, "anonymous")
	})
	t.Run("ErrUnknownSite", func(t *testing.T) {
		var p problem
		wantStatus(t, e.admin("GET", "/api/v1/admin/sites/nosuch/webhooks", nil, &p), 404, "unknown site")
		if got := fieldsOf(p); !slices.Equal(got, []string{"site"}) {
			t.Errorf("fields = %v", got)
		}
	})

	var created httpapi.WebhookJSON
	wantStatus(t, e.admin("POST", base, map[string]any{"url": rc.srv.URL + "/parley", "events": []string{"comment.created", "comment.approved"}}, &created), 201, "create")
	if created.ID == 0 || len(created.Secret) < 32 || created.Format != "json" || !created.Enabled {
		t.Fatalf("created = %+v", created)
	}
	var list struct {
		Webhooks []httpapi.WebhookJSON `json:"webhooks"`
		Events   []string              `json:"events"`
	}
	wantStatus(t, e.admin("GET", base, nil, &list), 200, "list")
	if len(list.Webhooks) != 1 || list.Webhooks[0].Secret != "" || len(list.Events) != 5 {
		t.Fatalf("list = %+v", list)
	}
	one := fmt.Sprintf("%s/%d", base, created.ID)
	// A second webhook, disabled: it is not called.
	var off httpapi.WebhookJSON
	wantStatus(t, e.admin("POST", base, map[string]any{"url": rc.srv.URL + "/off", "events": []string{"comment.created"}, "enabled": false}, &off), 201, "create disabled")

	// A comment submitted and approved queues two calls with the changes.
	s := e.submit(validSubmission())
	e.approveID(s.ID)
	items, err := e.store.OutboxItems(context.Background(), comment.OutboxFilter{Kind: comment.OutboxWebhook})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Topic != "comment.approved" || items[1].Topic != "comment.created" || items[1].CommentID != s.ID {
		t.Fatalf("queued = %+v", items)
	}
	for _, it := range items {
		if strings.Contains(string(it.Payload), "ada@example.com") || strings.Contains(string(it.Payload), "@") {
			t.Errorf("payload carries an address: %s", it.Payload)
		}
	}
	w := outbox.Worker{Store: e.store, Senders: map[string]outbox.Sender{comment.OutboxWebhook: &webhook.Sender{Store: e.store, Keys: e.keys}}}
	if n, err := w.RunOnce(context.Background()); err != nil || n != 2 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if len(rc.reqs) != 2 {
		t.Fatalf("%d calls", len(rc.reqs))
	}
	for i, req := range rc.reqs {
		if err := webhook.Verify([]byte(created.Secret), req.Header.Get("Parley-Signature"), rc.bodies[i], time.Now(), time.Minute); err != nil {
			t.Errorf("call %d: %v", i, err)
		}
		var ev webhook.Event
		json.Unmarshal(rc.bodies[i], &ev)
		if ev.Comment == nil || ev.Comment.ID != s.ID || ev.Comment.AuthorName != "Ada Lovelace" || req.URL.Path != "/parley" {
			t.Errorf("call %d body %s", i, rc.bodies[i])
		}
	}
	var deliveries struct {
		Deliveries []httpapi.DeliveryJSON `json:"deliveries"`
	}
	wantStatus(t, e.admin("GET", one+"/deliveries", nil, &deliveries), 200, "deliveries")
	if len(deliveries.Deliveries) != 2 || deliveries.Deliveries[0].Status != "delivered" || deliveries.Deliveries[0].Event != "comment.approved" {
		t.Errorf("deliveries = %+v", deliveries)
	}
	// Send test: queued even though only some events are subscribed.
	var test map[string]string
	wantStatus(t, e.admin("POST", one+"/test", nil, &test), 202, "test")
	w.RunOnce(context.Background())
	if len(rc.reqs) != 3 || rc.reqs[2].Header.Get("Parley-Event") != "webhook.test" || test["delivery_id"] != rc.reqs[2].Header.Get("Parley-Delivery") {
		t.Errorf("test call: %d calls, answer %v", len(rc.reqs), test)
	}
	// Change, then delete.
	var changed httpapi.WebhookJSON
	wantStatus(t, e.admin("PATCH", one, map[string]any{"format": "slack", "events": []string{"comment.reported"}}, &changed), 200, "patch")
	if changed.Format != "slack" || !slices.Equal(changed.Events, []string{"comment.reported"}) || changed.URL != created.URL {
		t.Errorf("changed = %+v", changed)
	}
	var p problem
	wantStatus(t, e.admin("PATCH", one, map[string]any{"secret": "x"}, &p), 422, "short secret")
	if got := fieldsOf(p); !slices.Equal(got, []string{"secret"}) {
		t.Errorf("fields = %v", got)
	}
	wantStatus(t, e.admin("DELETE", one, nil, nil), 204, "delete")
	wantStatus(t, e.admin("GET", one, nil, nil), 404, "deleted")
	wantStatus(t, e.admin("GET", base+"/abc", nil, &p), 400, "bad id")
}

// dataLinks reads the data-request emails queued for the test.
func dataLinks(t *testing.T, e *env) []map[string]any {
	t.Helper()
	items, err := e.store.OutboxItems(context.Background(), comment.OutboxFilter{Kind: comment.OutboxEmail, Topic: "data_request"})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, it := range items {
		if it.Target != "cipher" {
			t.Errorf("target %q", it.Target)
		}
		var m map[string]any
		if err := json.Unmarshal(it.Payload, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestDataRights(t *testing.T) {
	e, clk := newClockEnv(t)
	ada := validSubmission()
	first := e.published(ada)
	second := e.submit(ada) // pending
	bob := validSubmission()
	bob["email"], bob["name"], bob["parent_id"] = "bob@example.com", "Bob", first.ID
	reply := e.published(bob)
	lone := validSubmission()
	lone["body"] = "A second published comment, with no reply."
	loneOut := e.published(lone)
	wantStatus(t, e.do("POST", fmt.Sprintf("/api/v1/comments/%d/reports", reply.ID), map[string]any{"reason": "off_topic", "email": "ada@example.com", "name": "Ada"}, nil, nil), 202, "report")

	t.Run("ErrFields", func(t *testing.T) {
		var p problem
		wantStatus(t, e.do("POST", "/api/v1/data-requests", map[string]any{"site": "nosuch", "email": "not an address", "lang": "de"}, nil, &p), 422, "bad request")
		if got := fieldsOf(p); !slices.Equal(got, []string{"email", "lang"}) {
			t.Errorf("fields = %v", got)
		}
		wantStatus(t, e.do("POST", "/api/v1/data-requests", map[string]any{"site": "nosuch", "email": "ada@example.com"}, nil, &p), 422, "unknown site")
		if got := fieldsOf(p); !slices.Equal(got, []string{"site"}) {
			t.Errorf("fields = %v", got)
		}
	})
	// The same answer for an email that commented and one that never did.
	var known, unknown map[string]string
	r1 := e.do("POST", "/api/v1/data-requests", map[string]any{"site": "news", "email": "ada@example.com", "lang": "fr"}, nil, &known)
	r2 := e.do("POST", "/api/v1/data-requests", map[string]any{"site": "news", "email": "nobody@example.com"}, nil, &unknown)
	wantStatus(t, r1, 202, "known")
	wantStatus(t, r2, 202, "unknown")
	if fmt.Sprint(known) != fmt.Sprint(unknown) {
		t.Errorf("answers differ: %v / %v", known, unknown)
	}
	links := dataLinks(t, e)
	if len(links) != 2 {
		t.Fatalf("%d emails queued", len(links))
	}
	adaLink := links[1] // newest first
	sealed, _ := base64.StdEncoding.DecodeString(adaLink["to_cipher"].(string))
	if to, err := e.keys.DecryptEmail(sealed); err != nil || to != "ada@example.com" || adaLink["lang"] != "fr" {
		t.Fatalf("to = %q, %v; payload %v", to, err, adaLink)
	}
	for _, l := range links {
		raw, _ := json.Marshal(l)
		if strings.Contains(string(raw), "@example.com") {
			t.Errorf("payload holds an address: %s", raw)
		}
	}
	exportURL, _ := url.Parse(adaLink["export_url"].(string))
	eraseURL, _ := url.Parse(adaLink["erase_url"].(string))
	var ex httpapi.DataExport
	resp := e.do("GET", exportURL.RequestURI(), nil, nil, &ex)
	wantStatus(t, resp, 200, "export")
	if !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("Content-Disposition %q", resp.Header.Get("Content-Disposition"))
	}
	var ids []int64
	for _, c := range ex.Comments {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, []int64{first.ID, second.ID, loneOut.ID}) || ex.Comments[1].Status != "pending" || len(ex.Reports) != 1 || ex.Reports[0].CommentID != reply.ID || ex.Standing.Standing != "none" || ex.Standing.Approved != 2 {
		t.Errorf("export = %+v", ex)
	}
	t.Run("ErrBadToken", func(t *testing.T) {
		tok := exportURL.Query().Get("token")
		bad := tok[:len(tok)-2] + "AA"
		if bad == tok {
			bad = tok[:len(tok)-2] + "BB"
		}
		var p problem
		wantStatus(t, e.do("GET", "/api/v1/data-requests/export?token="+bad, nil, nil, &p), 403, "tampered")
		if got := fieldsOf(p); !slices.Equal(got, []string{"token"}) {
			t.Errorf("fields = %v", got)
		}
		wantStatus(t, e.do("GET", "/api/v1/data-requests/export", nil, nil, &p), 403, "no token")
		// An email's own ciphertext is no token.
		wantStatus(t, e.do("GET", "/api/v1/data-requests/export?token="+base64.RawURLEncoding.EncodeToString(sealed), nil, nil, &p), 403, "cipher as token")
	})
	// The erase link asks first; a GET erases nothing.
	resp = e.do("GET", eraseURL.RequestURI(), nil, nil, nil)
	wantStatus(t, resp, 200, "erase page")
	page, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(page), `<form method="post" action="/api/v1/data-requests/erase">`) || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("erase page: %s", page)
	}
	if c, err := e.store.Comment(context.Background(), first.ID); err != nil || c.AuthorName != "Ada Lovelace" {
		t.Fatalf("a GET erased: %+v %v", c, err)
	}
	// The form erases.
	form := url.Values{"token": {eraseURL.Query().Get("token")}}
	resp = e.do("POST", "/api/v1/data-requests/erase", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, nil)
	wantStatus(t, resp, 200, "erase")
	done, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(done), "Done: 2 comment(s) deleted, 1 kept as “Former commenter”") {
		t.Errorf("erase answer: %s", done)
	}
	th := e.thread(lifeThreadQuery())
	// The tombstone keeps Bob's reply in place; the thread shows a deleted
	// comment without name or text, and the store keeps only the name
	// "Former commenter".
	if c, err := e.store.Comment(context.Background(), first.ID); err != nil || c.AuthorName != comment.FormerCommenter || c.Body != "" || c.Status != comment.StatusDeleted {
		t.Errorf("tombstone = %+v, %v", c, err)
	}
	if len(th.Comments) != 1 || th.Comments[0].ID != first.ID || th.Comments[0].Author.Name == "Ada Lovelace" || strings.Contains(th.Comments[0].HTML, "hotline") ||
		len(th.Comments[0].Replies) != 1 || th.Comments[0].Replies[0].ID != reply.ID {
		raw, _ := json.Marshal(th)
		t.Errorf("thread after erasure: %s", raw)
	}
	resp = e.do("GET", exportURL.RequestURI(), nil, nil, &ex)
	wantStatus(t, resp, 200, "export after")
	if len(ex.Comments) != 0 || len(ex.Reports) != 0 {
		t.Errorf("still held: %+v", ex)
	}
	// Audited by the keyed hash, never the address.
	var audit struct {
		Entries []map[string]any `json:"entries"`
	}
	wantStatus(t, e.admin("GET", "/api/v1/admin/audit?site=news", nil, &audit), 200, "audit")
	raw, _ := json.Marshal(audit)
	if !strings.Contains(string(raw), "data_erase") || !strings.Contains(string(raw), "data_export") || strings.Contains(string(raw), "example.com") {
		t.Errorf("audit: %s", raw)
	}
	// The admin route, for Bob's request by post.
	var bobEx httpapi.DataExport
	wantStatus(t, e.admin("POST", "/api/v1/admin/sites/news/data-requests/export", map[string]any{"email": "bob@example.com"}, &bobEx), 200, "admin export")
	if len(bobEx.Comments) != 1 || bobEx.Comments[0].ID != reply.ID {
		t.Errorf("bob's export = %+v", bobEx)
	}
	var p problem
	wantStatus(t, e.admin("POST", "/api/v1/admin/sites/news/data-requests/erase", map[string]any{"email": ""}, &p), 422, "no email")
	if got := fieldsOf(p); !slices.Equal(got, []string{"email"}) {
		t.Errorf("fields = %v", got)
	}
	var er httpapi.ErasureJSON
	wantStatus(t, e.admin("POST", "/api/v1/admin/sites/news/data-requests/erase", map[string]any{"email": "bob@example.com"}, &er), 200, "admin erase")
	if er.Deleted != 1 || er.Anonymised != 0 {
		t.Errorf("bob's erasure = %+v", er)
	}
	// Links expire.
	clk.add(25 * time.Hour)
	wantStatus(t, e.do("GET", exportURL.RequestURI(), nil, nil, &p), 403, "expired")
}

func TestDataRequestsRateLimited(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.NoRateLimits = false })
	n := 0
	for i := 0; i < 8; i++ {
		resp := e.do("POST", "/api/v1/data-requests", map[string]any{"site": "news", "email": fmt.Sprintf("r%d@example.com", i)}, nil, nil)
		if resp.StatusCode == 429 {
			if resp.Header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
			break
		}
		wantStatus(t, resp, 202, "request")
		n++
	}
	if n != 5 {
		t.Errorf("%d requests before the limit, want 5", n)
	}
}

// The page a newsroom links for its readers: a form for one site, posted
// to the same route as the JSON requests, answered with a page; errors
// on the page name what is wrong.
func TestDataRequestForm(t *testing.T) {
	e := newEnv(t)
	get := func(path string, header map[string]string) (int, string) {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(form url.Values) (int, string) {
		resp, err := http.Post(e.srv.URL+"/api/v1/data-requests", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("form answered with %s", ct)
		}
		return resp.StatusCode, string(b)
	}
	code, page := get("/api/v1/data-requests?site=news", nil)
	if code != 200 || !strings.Contains(page, `action="/api/v1/data-requests"`) || !strings.Contains(page, `name="site" value="news"`) ||
		!strings.Contains(page, `<label for="email">`) || !strings.Contains(page, `<option value="en" selected>`) {
		t.Fatalf("form page: %d\n%s", code, page)
	}
	if _, page := get("/api/v1/data-requests?site=news", map[string]string{"Accept-Language": "fr-FR,fr;q=0.9"}); !strings.Contains(page, `<option value="fr" selected>`) {
		t.Errorf("a French reader's form does not choose French")
	}
	if code, page := get("/api/v1/data-requests?site=nope", nil); code != 404 || strings.Contains(page, "<form") {
		t.Errorf("unknown site: %d\n%s", code, page)
	}
	if code, page := post(url.Values{"site": {"news"}, "email": {"not an address"}}); code != 422 || !strings.Contains(page, "The email") || !strings.Contains(page, `value="not an address"`) {
		t.Errorf("bad email: %d\n%s", code, page)
	}
	if code, page := post(url.Values{"site": {"news"}, "email": {"ada@example.com"}, "lang": {"fr"}}); code != 202 || !strings.Contains(page, "a message is on its way") {
		t.Fatalf("request: %d\n%s", code, page)
	}
	items, err := e.store.OutboxItems(context.Background(), comment.OutboxFilter{Kind: comment.OutboxEmail, Topic: "data_request"})
	if err != nil || len(items) != 1 || !strings.Contains(string(items[0].Payload), `"lang":"fr"`) {
		t.Errorf("queued: %+v, %v; want one French data-request email", items, err)
	}
}
