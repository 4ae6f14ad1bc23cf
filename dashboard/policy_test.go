package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
)

// The site page edits the rules (audited), refuses bad ones naming the
// field, and its test box says what the settings would do.
func TestSiteRules(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	admin := e.loggedIn("ann")
	form := url.Values{"csrf_token": {admin.csrf}, "origins": {"https://news.example"}, "mode": {"trusted"}, "link_limit": {"1"},
		"hold_new": {"3"}, "rejection_rate": {"0.5"}, "blocked_domains": {"Example.biz"}, "email_domains": {"junk.example reject"},
		"sections": {"/live/ postmoderate"}, "disposable": {"hold"}}
	if code, body, _ := admin.post("/admin/sites/news", form, false); code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", code, body)
	}
	site, _ := e.store.Site(ctx, "news")
	if site.Mode != comment.ModeTrusted || *site.Policy.HoldNew != 3 || *site.Policy.RejectionRate != 0.5 || site.Policy.BlockedDomains[0] != "example.biz" ||
		site.Policy.EmailDomains[0].Action != "reject" || site.ModeFor("https://news.example/live/x") != comment.ModePostmoderate {
		t.Errorf("saved: %+v %+v", site, site.Policy)
	}
	entries, _ := e.store.Audit(ctx, comment.AuditFilter{SiteID: "news", Action: comment.ActionSetPolicy})
	if len(entries) != 1 || entries[0].Moderator != "ann" || !strings.Contains(entries[0].Note, "hold_new: default -> 3") {
		t.Errorf("audit = %+v", entries)
	}
	_, page, _ := admin.get("/admin/sites/news")
	for _, want := range []string{`value="trusted" checked`, `id="hold_new" name="hold_new" inputmode="decimal" value="3"`, "junk.example reject", "/live/ postmoderate"} {
		if !strings.Contains(page, want) {
			t.Errorf("site page lacks %q", want)
		}
	}
	bad := url.Values{"csrf_token": {admin.csrf}, "origins": {"https://news.example"}, "mode": {"trusted"}, "hold_new": {"-1"},
		"rejection_rate": {"2"}, "blocked_domains": {"http://x/"}, "sections": {"live postmoderate"}}
	code, page, _ := admin.post("/admin/sites/news", bad, false)
	if code != 422 {
		t.Fatalf("bad rules: %d", code)
	}
	for _, f := range []string{"hold_new", "rejection_rate", "blocked_domains", "sections"} {
		if !strings.Contains(page, "<strong>"+f+"</strong>") {
			t.Errorf("refusal does not name %s", f)
		}
	}
	code, page, _ = admin.post("/admin/sites/news/test", url.Values{"csrf_token": {admin.csrf}, "email": {"x@junk.example"},
		"article_url": {"https://news.example/a"}, "body": {"See www.example.biz"}}, false)
	if code != 200 || !strings.Contains(page, "rejected by email_domain") || !strings.Contains(page, "link to example.biz") {
		t.Errorf("test box: %d %s", code, page[strings.Index(page, `id="test"`):])
	}
}

// The pending queue shows why each comment was held, and filters by rule.
func TestQueueRuleFilter(t *testing.T) {
	e := newEnv(t, false)
	admin := e.loggedIn("ann")
	site, _ := e.store.Site(context.Background(), "news")
	site.LinkLimit = 1
	if err := e.store.UpdateSite(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	linked := e.submit("Ada", "ada@example.com", "See https://a.example https://b.example https://c.example")
	plain := e.submit("Bob", "bob@example.com", "A plain comment.")
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	_, page, _ := admin.get("/admin/queue/pending")
	if !strings.Contains(page, `data-rule="new_commenter"`) || !strings.Contains(page, "new commenter, 1 of 2") {
		t.Errorf("queue does not show the holds")
	}
	_, page, _ = admin.get("/admin/queue/pending?rule=links")
	if strings.Contains(page, `id="c`+itoa(plain)+`"`) {
		t.Error("the links filter shows a comment without links")
	}
	if !strings.Contains(page, `id="c`+itoa(linked)+`"`) || !strings.Contains(page, "3 links, more than 1") {
		t.Error("the links filter hides the comment with links")
	}
	if !strings.Contains(page, `data-rule="links" aria-current="page">links <span class="count">1</span>`) {
		t.Error("the filter does not show the links count as current")
	}
	if code, _, _ := admin.get("/admin/queue/pending?rule=bogus"); code != 422 && code != 400 {
		t.Errorf("unknown rule: %d", code)
	}
}

// A moderator features an approved comment from the Approved queue.
func TestFeatureFromQueue(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	mod := e.loggedIn("ann")
	id := e.submit("Ada", "ada@example.com", "A comment worth featuring.")
	if code, body, _ := mod.post("/admin/comments/"+strconv.FormatInt(id, 10)+"/approve", nil, true); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}
	_, page, _ := mod.get("/admin/queue/approved")
	if !strings.Contains(page, `action="/admin/comments/`+strconv.FormatInt(id, 10)+`/feature"`) {
		t.Fatal("the Approved queue has no Feature button")
	}
	if code, body, _ := mod.post("/admin/comments/"+strconv.FormatInt(id, 10)+"/feature", nil, true); code != 200 {
		t.Fatalf("feature: %d %s", code, body)
	}
	c, _ := e.store.Comment(ctx, id)
	picks, err := e.store.Picks(ctx, "news", c.ArticleURL)
	if err != nil || len(picks) != 1 || picks[0].ID != id {
		t.Errorf("picks = %+v, %v", picks, err)
	}
	entries, _ := e.store.Audit(ctx, comment.AuditFilter{CommentID: id, Action: comment.ActionFeature})
	if len(entries) != 1 || entries[0].Moderator != "ann" {
		t.Errorf("audit = %+v", entries)
	}
	// And takes it back.
	if !strings.Contains(page, `action="/admin/comments/`+strconv.FormatInt(id, 10)+`/unfeature"`) {
		t.Fatal("the Approved queue has no button to take a pick back")
	}
	if code, body, _ := mod.post("/admin/comments/"+strconv.FormatInt(id, 10)+"/unfeature", nil, true); code != 200 {
		t.Fatalf("unfeature: %d %s", code, body)
	}
	if picks, err := e.store.Picks(ctx, "news", c.ArticleURL); err != nil || len(picks) != 0 {
		t.Errorf("picks after taking it back = %+v, %v", picks, err)
	}
	if entries, _ := e.store.Audit(ctx, comment.AuditFilter{CommentID: id, Action: comment.ActionUnfeature}); len(entries) != 1 || entries[0].Moderator != "ann" {
		t.Errorf("unfeature audit = %+v", entries)
	}
}
