package dashboard_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
)

// A moderator replies as staff from a comment's page, and an admin
// comments on an article from the site's page: both are published at
// once, marked staff and audited as theirs; an empty reply names body.
func TestStaffCommentsFromDashboard(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	bob := e.loggedIn("bob")
	id := e.submit("Staff", "ada@example.com", "A reader who calls themselves Staff.")
	sid := strconv.FormatInt(id, 10)
	if code, body, _ := bob.post("/admin/comments/"+sid+"/approve", nil, true); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}
	_, page, _ := bob.get("/admin/comments/" + sid)
	if !strings.Contains(page, `action="/admin/comments/`+sid+`/reply"`) || strings.Contains(page, `badge staff`) {
		t.Fatalf("the comment page has no reply form, or badges a reader: %s", page)
	}
	code, _, h := bob.post("/admin/comments/"+sid+"/reply", url.Values{"csrf_token": {bob.csrf}, "body": {"Thanks, we corrected the figure."}}, false)
	if code != 303 || !strings.HasPrefix(h.Get("Location"), "/admin/comments/") {
		t.Fatalf("reply: %d %v", code, h)
	}
	rid, _ := strconv.ParseInt(strings.TrimPrefix(h.Get("Location"), "/admin/comments/"), 10, 64)
	reply, err := e.store.Comment(ctx, rid)
	if err != nil || reply.StaffBy != "bob" || reply.AuthorName != "bob" || reply.ParentID != id || reply.Status != comment.StatusApproved {
		t.Fatalf("reply = %+v, %v", reply, err)
	}
	if _, page, _ := bob.get("/admin/comments/" + strconv.FormatInt(rid, 10)); !strings.Contains(page, `badge staff`) {
		t.Error("the staff reply's page shows no Staff badge")
	}
	entries, _ := e.store.Audit(ctx, comment.AuditFilter{CommentID: rid})
	if len(entries) != 1 || entries[0].Moderator != "bob" || entries[0].Action != comment.ActionApprove {
		t.Errorf("audit = %+v", entries)
	}
	if code, body, _ := bob.post("/admin/comments/"+sid+"/reply", url.Values{"body": {" "}}, true); code != 422 || !strings.Contains(body, `"body"`) {
		t.Errorf("empty reply: %d %s", code, body)
	}

	ann := e.loggedIn("ann")
	if _, page, _ := ann.get("/admin/sites/news"); !strings.Contains(page, `action="/admin/sites/news/comment"`) {
		t.Fatal("the site page has no staff comment form")
	}
	code, body, _ := ann.post("/admin/sites/news/comment", url.Values{"article_url": {origin + "/energy"}, "name": {"The newsroom"}, "body": {"Editor's note."}}, true)
	if code != 200 {
		t.Fatalf("article comment: %d %s", code, body)
	}
	th, _ := e.store.Thread(ctx, comment.ThreadQuery{SiteID: "news", URL: origin + "/energy"})
	var staff []string
	for _, c := range append(th.Roots, th.Replies...) {
		if c.StaffBy != "" {
			staff = append(staff, c.AuthorName+"/"+c.StaffBy)
		}
	}
	if strings.Join(staff, ",") != "The newsroom/ann,bob/bob" && strings.Join(staff, ",") != "bob/bob,The newsroom/ann" {
		t.Errorf("staff comments in the thread: %v", staff)
	}
	if code, body, _ := ann.post("/admin/sites/news/comment", url.Values{"article_url": {"https://elsewhere.example/a"}, "body": {"x"}}, true); code != 422 || !strings.Contains(body, "article_url") {
		t.Errorf("article off the site: %d %s", code, body)
	}
}

// The site form sets the thread order, auto-close and one article's own
// auto-close, audited; a bad line names auto_close.
func TestSortAndAutoCloseSettings(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	admin := e.loggedIn("ann")
	_, page, _ := admin.get("/admin/sites/news")
	for _, want := range []string{`id="default_sort"`, `id="auto_close_days"`, `id="auto_close"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the site page lacks %s", want)
		}
	}
	form := url.Values{"csrf_token": {admin.csrf}, "origins": {"https://news.example"}, "mode": {"premoderate"},
		"default_sort": {"featured"}, "auto_close_days": {"7"}, "auto_close": {"https://news.example/live never\nhttps://news.example/long 30"}}
	if code, body, _ := admin.post("/admin/sites/news", form, false); code != 303 {
		t.Fatalf("save: %d %s", code, body)
	}
	site, _ := e.store.Site(ctx, "news")
	p := site.Policy
	if p.DefaultSort != comment.SortFeatured || p.AutoCloseDaysFor("https://news.example/x") != 7 ||
		p.AutoCloseDaysFor("https://news.example/live") != 0 || p.AutoCloseDaysFor("https://news.example/long") != 30 {
		t.Errorf("saved: %+v", p)
	}
	entries, _ := e.store.Audit(ctx, comment.AuditFilter{SiteID: "news", Action: comment.ActionSetPolicy})
	if len(entries) == 0 || !strings.Contains(entries[0].Note, "auto_close_days: default -> 7") || !strings.Contains(entries[0].Note, `default_sort: default -> "featured"`) {
		t.Errorf("audit = %+v", entries)
	}
	form["auto_close"] = []string{"https://news.example/live soon"}
	if code, page, _ := admin.post("/admin/sites/news", form, false); code != 422 || !strings.Contains(page, "<strong>auto_close</strong>") {
		t.Errorf("bad auto_close line: %d", code)
	}
}
