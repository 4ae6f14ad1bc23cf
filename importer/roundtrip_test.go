package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/importer"
	"github.com/parleyhq/parley/internal/testenv"
	"github.com/parleyhq/parley/store/sqlite"
)

func exportJSONL(t *testing.T, s *sqlite.Store, private bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := importer.WriteJSONL(context.Background(), s, &buf, importer.ExportOptions{SiteID: "demo", Private: private, Keys: testKeys}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fullStore is a site holding every sample and fixture, plus comments
// written and moderated in Parley itself.
func fullStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s := openStore(t)
	dir := filepath.Join(testenv.DataDir(t), "imports")
	for _, f := range []string{"isso-wordpress.xml", "wordpress-importer-small-export.xml"} {
		importReader(t, s, importer.NewWordPress(open(t, filepath.Join(dir, f))), testOptions())
	}
	importReader(t, s, importer.NewWordPress(strings.NewReader(wxrStates)), testOptions())
	importReader(t, s, importer.NewDisqus(open(t, filepath.Join(dir, "isso-disqus.xml"))), testOptions())
	r42, err := importer.NewRemark42(open(t, "testdata/remark42/backup.jsonl"), 0)
	if err != nil {
		t.Fatal(err)
	}
	importReader(t, s, r42, testOptions())
	cm, err := importer.NewCommento(open(t, "testdata/commento/export.json"))
	if err != nil {
		t.Fatal(err)
	}
	importReader(t, s, cm, testOptions())
	isso, err := importer.OpenIsso(context.Background(), writeIssoDB(t))
	if err != nil {
		t.Fatal(err)
	}
	importReader(t, s, isso, testOptions())
	isso.Close()

	// A native comment replying to an imported one, approved by a
	// moderator, and a native one rejected.
	ctx := context.Background()
	parent := exportAll(t, s)["http://example.tld/2014/test/#2"].Comment
	email, _ := testKeys.EncryptEmail("native@example.org")
	var natives []*comment.Comment
	for i, body := range []string{"A native **reply**.", "Rejected, with a note.", "Edited while pending.", "Withdrawn by its author."} {
		c := &comment.Comment{SiteID: "demo", ArticleURL: parent.ArticleURL, AuthorName: "Native", Body: body, HTML: renderer.Render(body),
			EmailCipher: email, EmailHMAC: testKeys.EmailHMAC("native@example.org"), IPHash: []byte{1, 2, 3},
			EditTokenHash: []byte{byte(i)}, Status: comment.StatusPending, Score: 0.25, Spans: nil,
			CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 678900000, time.UTC)}
		if i == 0 {
			c.ParentID = parent.ID
		}
		if err := s.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
		d := comment.Decision{CommentID: c.ID, Action: comment.ActionApprove, Moderator: "alice", At: c.CreatedAt.Add(time.Hour)}
		if i == 1 {
			d.Action, d.Reason, d.Note = comment.ActionReject, comment.ReasonOffTopic, "not about the article"
		}
		natives = append(natives, c)
		if i == 2 {
			continue // stays pending
		}
		if _, err := s.Decide(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	// An approved comment's edit waits as a revision, which is no comment of
	// its own; a pending one is edited in place; one is withdrawn.
	at := time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)
	for _, id := range []int64{natives[0].ID, natives[2].ID} {
		if _, err := s.EditComment(ctx, comment.Edit{CommentID: id, Body: "Edited.", HTML: "<p>Edited.</p>", Score: -1, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteComment(ctx, natives[3].ID, at); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRoundTrip: export, import into a fresh database, export again: the
// two exports are identical, with and without --private; and a third
// generation changes nothing either.
func TestRoundTrip(t *testing.T) {
	a := fullStore(t)
	for _, private := range []bool{true, false} {
		t.Run(fmt.Sprintf("private=%v", private), func(t *testing.T) {
			first := exportJSONL(t, a, private)
			b := openStore(t)
			rep := importReader(t, b, importer.NewParley(bytes.NewReader(first), 0), testOptions())
			second := exportJSONL(t, b, private)
			if diff := cmp.Diff(string(first), string(second)); diff != "" {
				t.Fatalf("export → import → export differs (-first +second):\n%s", diff)
			}
			c := openStore(t)
			importReader(t, c, importer.NewParley(bytes.NewReader(second), 0), testOptions())
			if third := exportJSONL(t, c, private); !bytes.Equal(second, third) {
				t.Fatal("the third generation differs")
			}
			n := bytes.Count(first, []byte("\n")) - 1
			if rep.Imported() != n || n != 40 { // 8 + 1 + 6 WordPress, 5 Disqus, 5 Remark42, 5 Commento, 6 Isso, 4 native (a revision is not exported)
				t.Fatalf("%d of %d lines imported", rep.Imported(), n)
			}
			// Counts, moderation and threads came along.
			ca, _ := a.CountByStatus(context.Background(), "demo")
			cb, _ := b.CountByStatus(context.Background(), "demo")
			ca[comment.StatusPending]-- // the waiting revision is not exported
			if diff := cmp.Diff(ca, cb); diff != "" {
				t.Errorf("counts differ: %s", diff)
			}
			if !bytes.Contains(first, []byte(`"status":"deleted"`)) || !bytes.Contains(first, []byte(`"edited_at":"2026-01-03T00:00:00Z"`)) ||
				bytes.Contains(first, []byte(`"body":"Edited."`)) != true || bytes.Count(first, []byte(`"body":"Edited."`)) != 1 {
				t.Errorf("the export lacks the withdrawn comment, the in-place edit, or holds the waiting revision")
			}
			if private != bytes.Contains(first, []byte("native@example.org")) || private != bytes.Contains(first, []byte(`"ip_hash"`)) {
				t.Errorf("private=%v but the export's emails and IP hashes say otherwise", private)
			}
			// Re-importing the export into the original creates nothing.
			again := importReader(t, a, importer.NewParley(bytes.NewReader(first), 0), testOptions())
			if again.Imported() != 0 {
				t.Errorf("re-import into the source database created %d comments", again.Imported())
			}
		})
	}
}

// TestWXRExport: a WXR export, read back by the WordPress importer, gives
// the same comments in the same states, threads and texts.
func TestWXRExport(t *testing.T) {
	a := fullStore(t)
	for _, private := range []bool{false, true} {
		var buf bytes.Buffer
		n, err := importer.WriteWXR(context.Background(), a, &buf, importer.ExportOptions{SiteID: "demo", Private: private, Keys: testKeys}, renderer.RenderFormat)
		if err != nil {
			t.Fatal(err)
		}
		if private != bytes.Contains(buf.Bytes(), []byte("native@example.org")) {
			t.Errorf("private=%v: emails in the WXR say otherwise", private)
		}
		b := openStore(t)
		rep := importReader(t, b, importer.NewWordPress(&buf), testOptions())
		if rep.Imported() != n || len(rep.Orphans) != 0 {
			t.Fatalf("%d exported, %d imported, %d orphans", n, rep.Imported(), len(rep.Orphans))
		}
		ca, _ := a.CountByStatus(context.Background(), "demo")
		cb, _ := b.CountByStatus(context.Background(), "demo")
		ca[comment.StatusPending]-- // the waiting revision is not exported
		// WordPress has no withdrawn or removed comment: they go to the trash.
		ca[comment.StatusRejected] += ca[comment.StatusDeleted] + ca[comment.StatusRemoved]
		for _, st := range []comment.Status{comment.StatusDeleted, comment.StatusRemoved} {
			delete(ca, st)
			if cb[st] == 0 {
				delete(cb, st)
			}
		}
		if diff := cmp.Diff(ca, cb); diff != "" {
			t.Errorf("counts differ: %s", diff)
		}
		byID := map[string]comment.Comment{}
		for _, e := range exportAll(t, b) {
			byID[e.Ref.ID] = e.Comment
		}
		err = a.ExportComments(context.Background(), "demo", func(e comment.ExportedComment) error {
			got := byID[fmt.Sprint(e.Comment.ID)]
			want := e.Comment
			if want.Format == comment.FormatMarkdown {
				want.Body = renderer.Render(want.Body) // WordPress gets what readers saw
			}
			if got.Body != strings.TrimSpace(want.Body) || got.AuthorName != want.AuthorName || got.ArticleURL != want.ArticleURL ||
				!got.CreatedAt.Equal(want.CreatedAt.Truncate(time.Second)) || (got.ParentID != 0) != (want.ParentID != 0) {
				t.Errorf("comment %d came back as %+v", want.ID, got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestRoundTripProperty generates random sites (threads in any order,
// orphans, every state, odd text) and checks export → import → export is
// the identity.
func TestRoundTripProperty(t *testing.T) {
	texts := []string{"plain", "<p>html &amp; <b>bold</b></p>", "emoji 🙂 and ümlauts", "line\nbreaks\n\nparagraphs", `quotes " and \ backslashes`, "]]> cdata end", ""}
	states := []comment.Status{comment.StatusApproved, comment.StatusPending, comment.StatusRejected, comment.StatusSpam}
	for seed := int64(1); seed <= 8; seed++ {
		rng := rand.New(rand.NewSource(seed))
		var lines bytes.Buffer
		lines.WriteString(`{"parley_export":1,"site":"demo","private":true}` + "\n")
		n := 5 + rng.Intn(40)
		for i := 0; i < n; i++ {
			parent := ""
			if i > 0 && rng.Intn(2) == 0 {
				parent = fmt.Sprintf(`,"parent":"wordpress:%d"`, rng.Intn(n+3)) // may come later, or never
			}
			st := states[rng.Intn(len(states))]
			format := []string{"markdown", "html"}[rng.Intn(2)]
			email := ""
			if rng.Intn(2) == 0 {
				email = fmt.Sprintf(`,"email":"r%d@example.org"`, rng.Intn(5))
			}
			fmt.Fprintf(&lines, `{"id":"wordpress:%d"%s,"article_url":"https://news.example/%d","article_title":"T %d","author_name":"R %d"%s,"created_at":"%s","status":"%s","score":-1,"format":"%s","body":%q}`+"\n",
				i, parent, rng.Intn(3), rng.Intn(3), i, email, time.Unix(1600000000+rng.Int63n(1e8), rng.Int63n(1e6)*1000).UTC().Format(time.RFC3339Nano), st, format, texts[rng.Intn(len(texts))])
		}
		// The generated file is not an export (article titles vary, no
		// decided_at): normalize it through one import first.
		a := openStore(t)
		importReader(t, a, importer.NewParley(&lines, 0), testOptions())
		first := exportJSONL(t, a, true)
		b := openStore(t)
		importReader(t, b, importer.NewParley(bytes.NewReader(first), 0), testOptions())
		if second := exportJSONL(t, b, true); !bytes.Equal(first, second) {
			t.Fatalf("seed %d: round trip differs:\n%s", seed, cmp.Diff(string(first), string(second)))
		}
	}
}
