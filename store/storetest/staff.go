package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

// staffTests cover staff comments, the featured-first thread order and
// what auto-close reads.
var staffTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"StaffComment", testStaffComment},
}

// A comment created with StaffBy keeps it on every read (Comment, Thread,
// Picks); a reader's comment has none.
func testStaffComment(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "news")
	url := "https://news.example/staff"
	reader := mustCreate(t, s, newComment("news", url, 1))
	approve(t, s, reader.ID, t0.Add(time.Minute))
	c := newComment("news", url, 2)
	c.Status, c.DecidedAt, c.DecidedBy, c.StaffBy = comment.StatusApproved, c.CreatedAt, "ann", "ann"
	c.ParentID = reader.ID
	mustCreate(t, s, c)
	got, err := s.Comment(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.StaffBy != "ann" || got.Status != comment.StatusApproved {
		t.Errorf("staff comment read back: staff_by %q status %s", got.StaffBy, got.Status)
	}
	th, err := s.Thread(ctx, comment.ThreadQuery{SiteID: "news", URL: url})
	if err != nil {
		t.Fatal(err)
	}
	if len(th.Roots) != 1 || th.Roots[0].StaffBy != "" || len(th.Replies) != 1 || th.Replies[0].StaffBy != "ann" {
		t.Errorf("thread: roots %+v replies %+v", th.Roots, th.Replies)
	}
	entries, err := s.Audit(ctx, comment.AuditFilter{CommentID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Moderator != "ann" || entries[0].Action != comment.ActionApprove {
		t.Errorf("audit of the staff comment = %+v", entries)
	}
}
