package storetest

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
)

var importTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"ImportDuplicates", testImportDuplicates},
	{"ImportParentsAnyOrder", testImportParentsAnyOrder},
	{"ImportRollback", testImportRollback},
	{"ImportErrUnknownSite", testImportUnknownSite},
	{"ImportErrInvalid", testImportInvalid},
	{"ExportRefs", testExportRefs},
	{"ExportLeavesOutRevisions", testExportRevisions},
}

// imported builds an imported comment of the test source on an article.
func imported(url, id, parent string, n int, st comment.Status) *comment.ImportedComment {
	c := newComment("", url, n)
	c.Status, c.Format = st, comment.FormatHTML
	ic := &comment.ImportedComment{Comment: *c, Ref: comment.SourceRef{Source: "wordpress", ID: id}}
	if parent != "" {
		ic.Parent = comment.SourceRef{Source: "wordpress", ID: parent}
	}
	return ic
}

func importAll(t *testing.T, s comment.Store, cs ...*comment.ImportedComment) ([]comment.ImportOutcome, []comment.SourceRef) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.BeginImport(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var out []comment.ImportOutcome
	for _, c := range cs {
		o, err := tx.ImportComment(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	orphans, err := tx.ResolveParents(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return out, orphans
}

func exportAll(t *testing.T, s comment.Store) []comment.ExportedComment {
	t.Helper()
	var out []comment.ExportedComment
	if err := s.ExportComments(context.Background(), "demo", func(e comment.ExportedComment) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func testImportDuplicates(t *testing.T, s comment.Store) {
	mustSite(t, s, "demo")
	a := "https://news.example/a"
	first, _ := importAll(t, s, imported(a, "1", "", 1, comment.StatusApproved), imported(a, "2", "1", 2, comment.StatusPending))
	if diff := cmp.Diff([]comment.ImportOutcome{comment.Imported, comment.Imported}, first); diff != "" {
		t.Fatal(diff)
	}
	// The same IDs again, and the same ID on another article (WordPress
	// comment IDs are per post in some exports): only the latter is new.
	again, _ := importAll(t, s, imported(a, "1", "", 1, comment.StatusApproved), imported(a, "2", "1", 2, comment.StatusPending),
		imported("https://news.example/b", "1", "", 3, comment.StatusSpam))
	if diff := cmp.Diff([]comment.ImportOutcome{comment.Duplicate, comment.Duplicate, comment.Imported}, again); diff != "" {
		t.Fatal(diff)
	}
	counts, err := s.CountByStatus(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if counts[comment.StatusApproved] != 1 || counts[comment.StatusPending] != 1 || counts[comment.StatusSpam] != 1 {
		t.Fatalf("counts = %v", counts)
	}
	art, err := s.Article(context.Background(), "demo", a)
	if err != nil {
		t.Fatal(err)
	}
	if art.ApprovedCount != 1 || art.Title != "Title of "+a {
		t.Fatalf("article = %+v", art)
	}
}

func testImportParentsAnyOrder(t *testing.T, s comment.Store) {
	mustSite(t, s, "demo")
	a := "https://news.example/a"
	// 3 replies to 2 which replies to 1, given deepest first; 9 replies to a
	// comment that never comes.
	_, orphans := importAll(t, s,
		imported(a, "3", "2", 3, comment.StatusApproved),
		imported(a, "2", "1", 2, comment.StatusApproved),
		imported(a, "9", "404", 9, comment.StatusApproved),
		imported(a, "1", "", 1, comment.StatusApproved))
	if diff := cmp.Diff([]comment.SourceRef{{Source: "wordpress", ID: "9"}}, orphans); diff != "" {
		t.Fatalf("orphans: %s", diff)
	}
	byRef := map[string]comment.ExportedComment{}
	for _, e := range exportAll(t, s) {
		byRef[e.Ref.ID] = e
	}
	one, two, three, nine := byRef["1"].Comment, byRef["2"].Comment, byRef["3"].Comment, byRef["9"].Comment
	if two.ParentID != one.ID || two.RootID != one.ID || three.ParentID != two.ID || three.RootID != one.ID {
		t.Fatalf("tree: 1=%d 2=(parent %d root %d) 3=(parent %d root %d)", one.ID, two.ParentID, two.RootID, three.ParentID, three.RootID)
	}
	if nine.ParentID != 0 || byRef["9"].Parent.ID != "404" {
		t.Fatalf("orphan 9 = parent %d, ref %+v; want top-level keeping its source parent", nine.ParentID, byRef["9"].Parent)
	}
	th, err := s.Thread(context.Background(), comment.ThreadQuery{SiteID: "demo", URL: a})
	if err != nil {
		t.Fatal(err)
	}
	if len(th.Roots) != 2 || len(th.Replies) != 2 {
		t.Fatalf("thread: %d roots, %d replies; want 2 and 2", len(th.Roots), len(th.Replies))
	}
}

func testImportRollback(t *testing.T, s comment.Store) {
	mustSite(t, s, "demo")
	ctx := context.Background()
	tx, err := s.BeginImport(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ImportComment(ctx, imported("https://news.example/a", "1", "", 1, comment.StatusApproved)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := exportAll(t, s); len(got) != 0 {
		t.Fatalf("after rollback %d comments remain", len(got))
	}
	if _, err := s.Article(ctx, "demo", "https://news.example/a"); comment.ErrorCode(err) != comment.CodeNotFound {
		t.Fatalf("article after rollback: %v", err)
	}
}

func testImportUnknownSite(t *testing.T, s comment.Store) {
	_, err := s.BeginImport(context.Background(), "nope")
	wantCode(t, err, comment.CodeNotFound)
}

func testImportInvalid(t *testing.T, s comment.Store) {
	mustSite(t, s, "demo")
	ctx := context.Background()
	tx, err := s.BeginImport(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	c := imported("https://news.example/a", "1", "", 1, "maybe")
	_, err = tx.ImportComment(ctx, c)
	wantCode(t, err, comment.CodeInvalid)
	var ce *comment.Error
	if !errors.As(err, &ce) || len(ce.Fields) != 1 || ce.Fields[0].Field != "status" {
		t.Fatalf("error %v does not name the status field", err)
	}
}

func testExportRefs(t *testing.T, s comment.Store) {
	mustSite(t, s, "demo")
	a := "https://news.example/a"
	importAll(t, s, imported(a, "1", "", 1, comment.StatusApproved))
	root := exportAll(t, s)[0].Comment
	native := newComment("demo", a, 2)
	native.ParentID = root.ID
	mustCreate(t, s, native)
	got := exportAll(t, s)
	if len(got) != 2 {
		t.Fatalf("%d exported", len(got))
	}
	if got[0].Ref != (comment.SourceRef{Source: "wordpress", ID: "1"}) || got[0].Comment.Format != comment.FormatHTML || got[0].Comment.Body != "Comment 1" {
		t.Fatalf("imported comment exported as %+v", got[0])
	}
	wantNative := comment.SourceRef{Source: "parley", ID: strconv.FormatInt(native.ID, 10)}
	if got[1].Ref != wantNative || got[1].Parent != (comment.SourceRef{Source: "wordpress", ID: "1"}) || got[1].Comment.Format != comment.FormatMarkdown {
		t.Fatalf("native reply exported as ref %+v parent %+v format %q", got[1].Ref, got[1].Parent, got[1].Comment.Format)
	}
	// The native comment coming back in its own export is a duplicate; at
	// another time it is not the same comment.
	back := &comment.ImportedComment{Comment: got[1].Comment, Ref: got[1].Ref, Parent: got[1].Parent}
	other := &comment.ImportedComment{Comment: got[1].Comment, Ref: got[1].Ref}
	other.Comment.CreatedAt = other.Comment.CreatedAt.Add(time.Second)
	outcomes, _ := importAll(t, s, back, other)
	if diff := cmp.Diff([]comment.ImportOutcome{comment.Duplicate, comment.Imported}, outcomes); diff != "" {
		t.Fatalf("re-importing a native comment: %s", diff)
	}
}

func testExportRevisions(t *testing.T, s comment.Store) {
	mustSite(t, s, "demo")
	ctx := context.Background()
	a := "https://news.example/a"
	ic := imported(a, "1", "", 1, comment.StatusApproved)
	ic.Comment.EditedAt = t0.Add(time.Hour)
	importAll(t, s, ic)
	native := mustCreate(t, s, newComment("demo", a, 2))
	if _, err := s.Decide(ctx, comment.Decision{CommentID: native.ID, Action: comment.ActionApprove, Moderator: "m", At: t0}); err != nil {
		t.Fatal(err)
	}
	rev, err := s.EditComment(ctx, comment.Edit{CommentID: native.ID, Body: "changed", HTML: "<p>changed</p>", Score: -1, At: t0.Add(2 * time.Hour)})
	if err != nil || rev.RevisionOf != native.ID {
		t.Fatalf("edit: %+v, %v", rev, err)
	}
	got := exportAll(t, s)
	if len(got) != 2 {
		t.Fatalf("%d exported, want the 2 comments without the waiting revision", len(got))
	}
	if !got[0].Comment.EditedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("edited_at of an imported comment: %v", got[0].Comment.EditedAt)
	}
}
