package importer_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/importer"
)

// writeIssoDB builds an Isso database from testdata/isso/comments.sql.
// There is no real Isso database in the shared data: the fixture is written
// from Isso's own schema (isso/db/threads.py, isso/db/comments.py) and
// modes (1 accepted, 2 waiting for moderation, 4 deleted with replies).
func writeIssoDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "comments.db")
	script, err := os.ReadFile("testdata/isso/comments.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(string(script)); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestIsso(t *testing.T) {
	r, err := importer.OpenIsso(context.Background(), writeIssoDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s := openStore(t)
	rep := importReader(t, s, r, testOptions())
	want := counts{Articles: 2, Approved: 4, Pending: 1, Rejected: 1, Threads: 4, Replies: 2, Orphans: 1, Skipped: map[string]int{}}
	if diff := cmp.Diff(want, countsOf(rep)); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	got := exportAll(t, s)
	first := got["https://news.example/2023/hello-world/#1"].Comment
	if first.Body != "First, with *Markdown*." || first.Format != comment.FormatMarkdown || first.HTML != "<p>First, with <em>Markdown</em>.</p>\n" ||
		first.ArticleTitle != "Hello, World" || first.AuthorWebsite != "https://ada.example" || first.CreatedAt.UnixMicro() != 1672531200250000 {
		t.Errorf("comment 1 = %+v", first)
	}
	if deleted := got["https://news.example/2023/hello-world/#4"].Comment; deleted.Status != comment.StatusRejected || deleted.Note != "deleted" {
		t.Errorf("deleted = %s %q", deleted.Status, deleted.Note)
	}
	if reply := got["https://news.example/2023/hello-world/#5"].Comment; reply.ParentID != got["https://news.example/2023/hello-world/#4"].Comment.ID {
		t.Errorf("5 is not under the deleted 4")
	}
}

func TestIssoWrongFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "not.db")
	if err := os.WriteFile(path, []byte("this is not a database, just text long enough to have a header of sorts......................................"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.OpenIsso(context.Background(), path); err == nil {
		t.Fatal("a text file opened as an Isso database")
	}
	empty := filepath.Join(t.TempDir(), "empty.db")
	db, _ := sql.Open("sqlite", empty)
	db.Exec(`CREATE TABLE other (x)`)
	db.Close()
	if _, err := importer.OpenIsso(context.Background(), empty); err == nil || !isWrongFormat(err) {
		t.Fatalf("a database without Isso's tables: %v", err)
	}
}

// The Remark42 backup in testdata is written for this test from Remark42's
// own backup format (backend/app/migrator/native.go: a metadata line, then
// one store.Comment per line, backend/app/store/comment.go); there is no
// real Remark42 backup in the shared data.
func TestRemark42(t *testing.T) {
	plain, err := os.ReadFile("testdata/remark42/backup.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	for name, data := range map[string][]byte{"plain": plain, "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			r, err := importer.NewRemark42(bytes.NewReader(data), 0)
			if err != nil {
				t.Fatal(err)
			}
			s := openStore(t)
			rep := importReader(t, s, r, testOptions())
			want := counts{Articles: 2, Approved: 4, Rejected: 1, Threads: 2, Replies: 3, Skipped: map[string]int{}}
			if diff := cmp.Diff(want, countsOf(rep)); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			got := exportAll(t, s)
			first := got["https://news.example/2021/budget/#b6c7c1c4-0001"].Comment
			if first.Body != "The **budget** numbers do not add up." || first.Format != comment.FormatMarkdown || first.ArticleTitle != "Budget 2021" || first.AuthorName != "Ada" {
				t.Errorf("first = %+v", first)
			}
			old := got["https://news.example/2020/old-story/#b6c7c1c4-0004"].Comment
			if old.Format != comment.FormatHTML || old.HTML != `<p>Imported by Remark42 from WordPress: <a href="https://example.org" rel="nofollow ugc noopener">link</a></p>` {
				t.Errorf("HTML-only comment: format %q html %q", old.Format, old.HTML)
			}
			deep := got["https://news.example/2021/budget/#b6c7c1c4-0005"].Comment
			if deep.RootID != first.ID {
				t.Errorf("reply of a reply has root %d, want %d", deep.RootID, first.ID)
			}
		})
	}
}

// The Commento export in testdata is written for this test from Commento's
// export format (api/domain_export.go and api/comment.go, the fields
// Remark42's Commento importer also reads); there is no real Commento export
// in the shared data.
func TestCommento(t *testing.T) {
	f := open(t, "testdata/commento/export.json")
	r, err := importer.NewCommento(f)
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t)
	rep := importReader(t, s, r, testOptions())
	want := counts{Articles: 2, Approved: 2, Pending: 2, Rejected: 1, Threads: 4, Replies: 1, Orphans: 1, Skipped: map[string]int{}}
	if diff := cmp.Diff(want, countsOf(rep)); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	got := exportAll(t, s)
	ada := got["https://news.example/2021/budget/#7d77e39fcd813241d6281478cc8f21ab5f807d043c750bc1a936bc23b34fb854"].Comment
	if ada.AuthorName != "Ada" || ada.AuthorWebsite != "https://ada.example" || ada.Body != "The **budget** numbers do not add up." {
		t.Errorf("Ada's comment = %+v", ada)
	}
	if email, err := testKeys.DecryptEmail(ada.EmailCipher); err != nil || email != "ada@example.org" {
		t.Errorf("email %q %v", email, err)
	}
	anon := got["https://news.example/2021/budget/#e7069a7dfcfaed43caf62300a9b0edb1c124ad79d0f5887c93649c15d7f69945"].Comment
	if anon.AuthorName != "Anonymous" || len(anon.EmailCipher) != 0 {
		t.Errorf("anonymous comment = %+v", anon)
	}
	flagged := got["https://news.example/2020/old-story/#0c1f5e0a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccd"].Comment
	if flagged.Status != comment.StatusPending || !flagged.Flagged || flagged.AuthorWebsite != "" {
		t.Errorf("flagged = %s flagged=%v website %q", flagged.Status, flagged.Flagged, flagged.AuthorWebsite)
	}
}
