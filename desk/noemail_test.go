package desk_test

import (
	"context"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/importer"
	"github.com/parleyhq/parley/secret"
)

// Comments imported without an email (old WordPress exports have them) all
// carry the same empty email HMAC: banning, trusting or rejecting "every
// pending comment of this commenter" from one of them would reach every
// other one of the site. The desk refuses, naming the email, and nothing
// changes.
func TestNoEmailNoCommenter(t *testing.T) {
	d, s, _ := newMailDesk(t)
	ctx := context.Background()
	keys, err := secret.New(make([]byte, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	const wxr = `<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>A</title><link>https://news.example/a</link>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_author>Old reader</wp:comment_author><wp:comment_content>no email</wp:comment_content><wp:comment_approved>0</wp:comment_approved></wp:comment>
<wp:comment><wp:comment_id>2</wp:comment_id><wp:comment_author>Another</wp:comment_author><wp:comment_content>no email either</wp:comment_content><wp:comment_approved>0</wp:comment_approved></wp:comment>
<wp:comment><wp:comment_id>3</wp:comment_id><wp:comment_author>Known</wp:comment_author><wp:comment_author_email>known@example.org</wp:comment_author_email><wp:comment_content>with an email</wp:comment_content><wp:comment_approved>0</wp:comment_approved></wp:comment>
</item></channel></rss>`
	if _, err := importer.Import(ctx, s, importer.NewWordPress(strings.NewReader(wxr)), importer.Options{SiteID: "news", Keys: keys}); err != nil {
		t.Fatal(err)
	}
	byBody := map[string]comment.Comment{}
	if err := s.ExportComments(ctx, "news", func(e comment.ExportedComment) error {
		byBody[e.Comment.Body] = e.Comment
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	site, err := s.Site(ctx, "news")
	if err != nil {
		t.Fatal(err)
	}
	anon := byBody["no email"]
	if len(anon.EmailHMAC) != 0 {
		t.Fatalf("the imported comment has an email HMAC %x", anon.EmailHMAC)
	}
	namesEmail := func(what string, err error) {
		t.Helper()
		var ce *comment.Error
		if ce, _ = err.(*comment.Error); ce == nil || ce.Code != comment.CodeInvalid || len(ce.Fields) != 1 || ce.Fields[0].Field != "email" {
			t.Errorf("%s: %v, want 422 naming email", what, err)
		}
	}
	for _, st := range []comment.Standing{comment.StandingBanned, comment.StandingTrusted, comment.StandingNone} {
		_, err := d.SetStanding(ctx, site, desk.Ban{Comment: anon, Standing: st, Moderator: "mod"})
		namesEmail("standing "+string(st), err)
	}
	_, err = d.RejectAllPending(ctx, anon, "", "mod")
	namesEmail("reject all pending", err)
	for body, c := range byBody {
		if got, err := s.Comment(ctx, c.ID); err != nil || got.Status != comment.StatusPending {
			t.Errorf("%q is %s (%v), want still pending", body, got.Status, err)
		}
	}
	// A commenter with an email is banned as before, and only their
	// comment is rejected.
	rejected, err := d.SetStanding(ctx, site, desk.Ban{Comment: byBody["with an email"], Standing: comment.StandingBanned, Moderator: "mod"})
	if err != nil || len(rejected) != 1 || rejected[0] != byBody["with an email"].ID {
		t.Fatalf("ban of a commenter with an email: %v, %v", rejected, err)
	}
	if got, _ := s.Comment(ctx, anon.ID); got.Status != comment.StatusPending {
		t.Errorf("the email-less comment is %s after another commenter's ban", got.Status)
	}
}
