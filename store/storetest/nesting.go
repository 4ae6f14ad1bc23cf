package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
)

var nestingTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"Ancestry", testAncestry},
}

func testAncestry(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "news")
	var want []int64
	var parent int64
	for i := range 5 {
		c := newComment("news", "https://news.example/a", i)
		c.ParentID = parent
		c.Status, c.DecidedBy, c.DecidedAt = comment.StatusApproved, "ann", c.CreatedAt
		mustCreate(t, s, c)
		want = append(want, c.ID)
		parent = c.ID
	}
	other := mustCreate(t, s, newComment("news", "https://news.example/a", 9))
	got, err := s.Ancestry(ctx, parent)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Ancestry of the deepest (-want +got):\n%s", diff)
	}
	if got, err := s.Ancestry(ctx, other.ID); err != nil || len(got) != 1 || got[0] != other.ID {
		t.Errorf("Ancestry of a top-level comment = %v, %v", got, err)
	}
	_, err = s.Ancestry(ctx, 999999)
	wantCode(t, err, comment.CodeNotFound)
}
