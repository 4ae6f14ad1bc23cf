package dashboard_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
)

func TestWebhooksPage(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	admin := e.loggedIn("ann")
	if code, page, _ := admin.get("/admin/sites/news"); code != 200 || !strings.Contains(page, `href="/admin/sites/news/webhooks"`) {
		t.Fatalf("site page: %d, no link to webhooks", code)
	}
	if code, _, _ := e.loggedIn("bob").get("/admin/sites/news/webhooks"); code != http.StatusForbidden {
		t.Errorf("a moderator opened the webhooks page: %d", code)
	}
	// A refusal names each field and keeps what was typed.
	code, page, _ := admin.post("/admin/sites/news/webhooks", url.Values{"csrf_token": {admin.csrf}, "url": {"gopher://cms.example/"}, "format": {"json"}}, false)
	if code != 422 || !strings.Contains(page, "<strong>url</strong>") || !strings.Contains(page, "<strong>events</strong>") || !strings.Contains(page, `value="gopher://cms.example/"`) {
		t.Fatalf("bad webhook: %d\n%s", code, page)
	}
	form := url.Values{"csrf_token": {admin.csrf}, "url": {"https://cms.example/parley"}, "format": {"slack"}, "events": {"comment.created", "comment.reported"}}
	code, page, _ = admin.post("/admin/sites/news/webhooks", form, false)
	if code != http.StatusCreated || !strings.Contains(page, `<code id="new-secret">`) {
		t.Fatalf("create: %d\n%s", code, page)
	}
	hooks, _ := e.store.SiteWebhooks(ctx, "news")
	if len(hooks) != 1 || hooks[0].Format != "slack" || len(hooks[0].Events) != 2 || !hooks[0].Enabled {
		t.Fatalf("hooks = %+v", hooks)
	}
	id := hooks[0].ID
	idStr := strings.TrimSpace(jsonInt(id))
	if code, _, _ := admin.post("/admin/sites/news/webhooks/"+idStr+"/test", url.Values{"csrf_token": {admin.csrf}}, false); code != http.StatusSeeOther {
		t.Fatalf("test: %d", code)
	}
	code, page, _ = admin.get("/admin/sites/news/webhooks")
	if code != 200 || !strings.Contains(page, "webhook.test") || !strings.Contains(page, `data-status="pending"`) {
		t.Errorf("deliveries not listed: %d\n%s", code, page)
	}
	// Disable it (the checkbox unticked) and keep the events.
	upd := url.Values{"csrf_token": {admin.csrf}, "url": {"https://cms.example/v2"}, "format": {"json"}, "events": {"comment.approved"}}
	if code, body, _ := admin.post("/admin/sites/news/webhooks/"+idStr, upd, false); code != http.StatusSeeOther {
		t.Fatalf("update: %d %s", code, body)
	}
	if h, _ := e.store.Webhook(ctx, id); h.Enabled || h.URL != "https://cms.example/v2" || h.Format != "json" {
		t.Errorf("after update: %+v", h)
	}
	// Data requests by post: export downloads JSON, erase deletes.
	e.submit("Ada", "ada@example.com", "A first comment")
	code, body, hdr := admin.post("/admin/sites/news/data-requests", url.Values{"csrf_token": {admin.csrf}, "email": {"ada@example.com"}, "action": {"export"}}, false)
	var ex httpapi.DataExport
	if code != 200 || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") || json.Unmarshal([]byte(body), &ex) != nil || len(ex.Comments) != 1 {
		t.Fatalf("export: %d %s", code, body)
	}
	code, page, _ = admin.post("/admin/sites/news/data-requests", url.Values{"csrf_token": {admin.csrf}, "email": {"nope"}, "action": {"erase"}}, false)
	if code != 422 || !strings.Contains(page, "<strong>email</strong>") {
		t.Errorf("bad email: %d", code)
	}
	if code, _, hdr := admin.post("/admin/sites/news/data-requests", url.Values{"csrf_token": {admin.csrf}, "email": {"ada@example.com"}, "action": {"erase"}}, false); code != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), "Erased") {
		t.Fatalf("erase: %d %v", code, hdr)
	}
	entries, _ := e.store.Audit(ctx, comment.AuditFilter{SiteID: "news", Action: comment.ActionDataErase})
	if len(entries) != 1 || entries[0].Moderator != "ann" || !strings.HasPrefix(entries[0].Target, "commenter:") || strings.Contains(entries[0].Target, "example.com") {
		t.Errorf("audit = %+v", entries)
	}
	if code, _, _ := admin.post("/admin/sites/news/webhooks/"+idStr+"/delete", url.Values{"csrf_token": {admin.csrf}}, false); code != http.StatusSeeOther {
		t.Fatalf("delete: %d", code)
	}
	if hooks, _ := e.store.SiteWebhooks(ctx, "news"); len(hooks) != 0 {
		t.Errorf("not deleted: %+v", hooks)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }
