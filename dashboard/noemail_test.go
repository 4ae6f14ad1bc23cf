package dashboard_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/importer"
)

// Comments imported without an email are no one commenter: the queue, the
// comment page and the Reported queue say so instead of pooling them into
// one history, and offer no ban, trust or reject-all-pending for them.
func TestImportedWithoutEmail(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	const wxr = `<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>Old</title><link>https://news.example/old</link>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_author>Old reader</wp:comment_author><wp:comment_content>first without email</wp:comment_content><wp:comment_approved>0</wp:comment_approved></wp:comment>
<wp:comment><wp:comment_id>2</wp:comment_id><wp:comment_author>Other reader</wp:comment_author><wp:comment_content>second without email</wp:comment_content><wp:comment_approved>0</wp:comment_approved></wp:comment>
<wp:comment><wp:comment_id>3</wp:comment_id><wp:comment_author>Third reader</wp:comment_author><wp:comment_content>approved without email</wp:comment_content><wp:comment_approved>1</wp:comment_approved></wp:comment>
</item></channel></rss>`
	if _, err := importer.Import(ctx, e.store, importer.NewWordPress(strings.NewReader(wxr)), importer.Options{SiteID: "news", Keys: e.keys}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	if err := e.store.ExportComments(ctx, "news", func(x comment.ExportedComment) error {
		ids[x.Comment.Body] = x.Comment.ID
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	known := e.submit("Ada", "ada@example.com", "A hotline is a start.")
	admin := e.loggedIn("ann")
	_, page, _ := admin.get("/admin/queue/pending")
	if got := strings.Count(page, "imported without an email: no commenter history"); got != 2 {
		t.Errorf("the pending queue marks %d comments as imported without an email, want 2", got)
	}
	if strings.Contains(page, "2 approved") || strings.Contains(page, "1 approved") {
		t.Errorf("email-less comments were given a pooled history")
	}
	for _, action := range []string{"ban", "trust", "reject-pending"} {
		for _, body := range []string{"first without email", "second without email"} {
			if strings.Contains(page, fmt.Sprintf(`action="/admin/comments/%d/%s"`, ids[body], action)) {
				t.Errorf("%q is offered %s", body, action)
			}
		}
		if !strings.Contains(page, fmt.Sprintf(`action="/admin/comments/%d/%s"`, known, action)) {
			t.Errorf("the comment with an email is not offered %s", action)
		}
	}
	approved := ids["approved without email"]
	_, page, _ = admin.get(fmt.Sprintf("/admin/comments/%d", approved))
	if !strings.Contains(page, "imported without an email: no commenter history") || strings.Contains(page, fmt.Sprintf(`/admin/comments/%d/ban"`, approved)) {
		t.Errorf("the comment page of an email-less comment:\n%s", page)
	}
	// A ban sent anyway is refused, naming the email, and changes nothing.
	code, body, _ := admin.post(fmt.Sprintf("/admin/comments/%d/ban", ids["first without email"]), nil, true)
	if code != 422 || !strings.Contains(body, "email") {
		t.Errorf("ban of an email-less commenter: %d %s", code, body)
	}
	if c := e.comment(ids["second without email"]); c.Status != comment.StatusPending {
		t.Errorf("another email-less comment is %s", c.Status)
	}
}
