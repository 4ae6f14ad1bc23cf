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
