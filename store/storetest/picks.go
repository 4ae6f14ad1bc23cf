package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

// pickTests cover editors' picks.
var pickTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"Picks", testPicks},
}

func testPicks(t *testing.T, s comment.Store) {
	ctx := context.Background()
	mustSite(t, s, "news")
	url := "https://news.example/p"
	a := mustCreate(t, s, newComment("news", url, 1))
	b := mustCreate(t, s, newComment("news", url, 2))
	pending := mustCreate(t, s, newComment("news", url, 3))
	other := mustCreate(t, s, newComment("news", "https://news.example/other", 4))
	for _, c := range []*comment.Comment{a, b, other} {
		approve(t, s, c.ID, t0.Add(time.Minute))
	}
	feature := func(id int64, on bool, at time.Duration) error {
		_, err := s.SetFeatured(ctx, comment.FeatureChange{CommentID: id, Featured: on, Moderator: "ed", At: t0.Add(at)})
		return err
	}
	for i, id := range []int64{a.ID, b.ID, other.ID} {
		if err := feature(id, true, time.Duration(i+2)*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := feature(a.ID, true, 10*time.Minute); err != nil {
		t.Errorf("featuring twice: %v", err)
	}
	wantCode(t, feature(pending.ID, true, time.Hour), comment.CodeConflict)
	wantCode(t, feature(999999, true, time.Hour), comment.CodeNotFound)
	ids := func() []int64 {
		t.Helper()
		cs, err := s.Picks(ctx, "news", url)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	if got := ids(); len(got) != 2 || got[0] != b.ID || got[1] != a.ID {
		t.Errorf("picks = %v, want [%d %d] (most recently featured first)", got, b.ID, a.ID)
	}
	// A removed comment leaves the picks; unfeaturing takes one back.
	if _, err := s.Decide(ctx, comment.Decision{CommentID: b.ID, Action: comment.ActionRemove, Reason: comment.ReasonLegal, Moderator: "mod", At: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got := ids(); len(got) != 1 || got[0] != a.ID {
		t.Errorf("picks after removal = %v", got)
	}
	if err := feature(a.ID, false, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := ids(); len(got) != 0 {
		t.Errorf("picks after unfeaturing = %v", got)
	}
	entries, err := s.Audit(ctx, comment.AuditFilter{CommentID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []comment.Action
	for _, e := range entries {
		if e.Moderator == "ed" {
			actions = append(actions, e.Action)
		}
	}
	if len(actions) != 3 || actions[0] != comment.ActionUnfeature || actions[2] != comment.ActionFeature {
		t.Errorf("audit of a's picks = %v, want unfeature, feature, feature (newest first)", actions)
	}
}
