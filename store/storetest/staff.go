package storetest

import (
	"context"
	"slices"
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
	{"ThreadFeaturedFirst", testThreadFeaturedFirst},
}

// Sorted featured first, the featured top-level comments come first
// (oldest first among them), then the rest oldest first, across pages.
func testThreadFeaturedFirst(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "news")
	url := "https://news.example/featured"
	var ids []int64
	for i := 1; i <= 5; i++ {
		c := mustCreate(t, s, newComment("news", url, i))
		approve(t, s, c.ID, t0.Add(time.Minute))
		ids = append(ids, c.ID)
	}
	reply := newComment("news", url, 6)
	reply.ParentID = ids[0]
	mustCreate(t, s, reply)
	approve(t, s, reply.ID, t0.Add(time.Minute))
	for i, id := range []int64{ids[4], ids[2], reply.ID} {
		if _, err := s.SetFeatured(ctx, comment.FeatureChange{CommentID: id, Featured: true, Moderator: "ed", At: t0.Add(time.Duration(i+2) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	order := func() []int64 {
		t.Helper()
		var out []int64
		var after comment.Cursor
		for page := 0; page < 10; page++ {
			th, err := s.Thread(ctx, comment.ThreadQuery{SiteID: "news", URL: url, Sort: comment.SortFeatured, After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range th.Roots {
				out = append(out, r.ID)
			}
			if th.Next.IsZero() {
				break
			}
			after = th.Next
		}
		return out
	}
	want := []int64{ids[2], ids[4], ids[0], ids[1], ids[3]}
	if got := order(); !slices.Equal(got, want) {
		t.Errorf("featured first = %v, want %v", got, want)
	}
	if _, err := s.SetFeatured(ctx, comment.FeatureChange{CommentID: ids[4], Featured: false, Moderator: "ed", At: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	want = []int64{ids[2], ids[0], ids[1], ids[3], ids[4]}
	if got := order(); !slices.Equal(got, want) {
		t.Errorf("after unfeaturing one, featured first = %v, want %v", got, want)
	}
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
