package storetest

import (
	"context"
	"testing"

	"github.com/parleyhq/parley/comment"
)

// classifierTests cover the site settings the classifier reads.
var classifierTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"SitePublicFigures", testSitePublicFigures},
}

func testSitePublicFigures(t *testing.T, s comment.Store) {
	ctx := context.Background()
	site := comment.Site{ID: "pf", Origins: []string{"https://pf.example"}, CreatedAt: t0}
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	got, err := s.Site(ctx, "pf")
	if err != nil {
		t.Fatal(err)
	}
	if got.PublicFigures != "" {
		t.Errorf("new site: PublicFigures = %q, want \"\" (allowed)", got.PublicFigures)
	}
	got.PublicFigures, got.FlagThreshold = comment.PublicFiguresAttack, 0.41
	if err := s.UpdateSite(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, err := s.Site(ctx, "pf")
	if err != nil {
		t.Fatal(err)
	}
	if again.PublicFigures != comment.PublicFiguresAttack || again.FlagThreshold != 0.41 {
		t.Errorf("after update: PublicFigures %q, FlagThreshold %v", again.PublicFigures, again.FlagThreshold)
	}
	site2 := comment.Site{ID: "pf2", Origins: []string{"https://pf2.example"}, PublicFigures: comment.PublicFiguresAllowed, CreatedAt: t0}
	if err := s.CreateSite(ctx, site2); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Site(ctx, "pf2"); err != nil || got.PublicFigures != comment.PublicFiguresAllowed {
		t.Errorf("created with allowed: %q, %v", got.PublicFigures, err)
	}
}
