package importer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/importer"
	"github.com/parleyhq/parley/internal/testenv"
)

// counts is what the tests check of an import: the report's numbers.
type counts struct {
	Articles, Approved, Pending, Rejected, Spam int
	Threads, Replies, Orphans                   int
	Skipped                                     map[string]int
}

func countsOf(r importer.Report) counts {
	c := counts{
		Articles: r.Articles, Approved: r.Comments[comment.StatusApproved], Pending: r.Comments[comment.StatusPending],
		Rejected: r.Comments[comment.StatusRejected], Spam: r.Comments[comment.StatusSpam],
		Threads: r.Threads(), Replies: r.Replies - len(r.Orphans), Orphans: len(r.Orphans), Skipped: map[string]int{},
	}
	for k, v := range r.Skipped {
		c.Skipped[k] = v
	}
	return c
}

func importReader(t *testing.T, s comment.ImportStore, r importer.Reader, opts importer.Options) importer.Report {
	t.Helper()
	rep, err := importer.Import(context.Background(), s, r, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func open(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// exportAll returns a site's comments by source ID.
func exportAll(t *testing.T, s comment.ImportStore) map[string]comment.ExportedComment {
	t.Helper()
	out := map[string]comment.ExportedComment{}
	if err := s.ExportComments(context.Background(), "demo", func(e comment.ExportedComment) error {
		out[e.Comment.ArticleURL+"#"+e.Ref.ID] = e
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRealExports imports each real export of the shared data into a fresh
// database and checks the exact counts and some texts.
func TestRealExports(t *testing.T) {
	dir := filepath.Join(testenv.DataDir(t), "imports")
	tests := []struct {
		file   string
		format string
		want   counts
	}{
		// 8 comments on two posts: 6 ← 7 ← 8, 7 ← 9; a third post without
		// comments is not an article.
		{"isso-wordpress.xml", "wordpress", counts{Articles: 2, Approved: 8, Threads: 5, Replies: 3, Skipped: map[string]int{}}},
		{"wordpress-importer-small-export.xml", "wordpress", counts{Articles: 1, Approved: 1, Threads: 1, Skipped: map[string]int{}}},
		{"wordpress-importer-valid-wxr-1.0.xml", "wordpress", counts{Articles: 1, Approved: 1, Threads: 1, Skipped: map[string]int{}}},
		{"wordpress-importer-valid-wxr-1.1.xml", "wordpress", counts{Articles: 1, Approved: 1, Threads: 1, Skipped: map[string]int{}}},
		{"wordpress-importer-slashes.xml", "wordpress", counts{Articles: 1, Approved: 1, Threads: 1, Skipped: map[string]int{}}},
		// Posts 4, 5 (reply to 4), 8, 9 (deleted), 11 (reply to 9); post 6
		// names a thread that does not exist.
		{"isso-disqus.xml", "disqus", counts{Articles: 2, Approved: 4, Rejected: 1, Threads: 3, Replies: 2, Skipped: map[string]int{"unknown_thread": 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := openStore(t)
			f := open(t, filepath.Join(dir, tt.file))
			var r importer.Reader = importer.NewWordPress(f)
			if tt.format == "disqus" {
				r = importer.NewDisqus(f)
			}
			rep := importReader(t, s, r, testOptions())
			if diff := cmp.Diff(tt.want, countsOf(rep)); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			got, err := s.CountByStatus(context.Background(), "demo")
			if err != nil {
				t.Fatal(err)
			}
			if got[comment.StatusApproved] != tt.want.Approved || got[comment.StatusRejected] != tt.want.Rejected {
				t.Errorf("stored counts %v", got)
			}
			// Importing the same file again creates nothing.
			f2 := open(t, filepath.Join(dir, tt.file))
			r = importer.NewWordPress(f2)
			if tt.format == "disqus" {
				r = importer.NewDisqus(f2)
			}
			again := importReader(t, s, r, testOptions())
			if again.Imported() != 0 || again.Duplicates != rep.Imported() {
				t.Errorf("re-import: %d imported, %d duplicates; want 0 and %d", again.Imported(), again.Duplicates, rep.Imported())
			}
		})
	}
}

// TestRealExportTexts compares imported comments field by field with the
// files' text.
func TestRealExportTexts(t *testing.T) {
	dir := filepath.Join(testenv.DataDir(t), "imports")
	s := openStore(t)
	importReader(t, s, importer.NewWordPress(open(t, filepath.Join(dir, "isso-wordpress.xml"))), testOptions())
	got := exportAll(t, s)
	multi := got["http://example.tld/2014/test/#10"].Comment
	if multi.Body != "When you have a comment with multiple lines:\nWordPress exports it like this." || multi.Format != comment.FormatHTML {
		t.Errorf("multi-line body %q format %q", multi.Body, multi.Format)
	}
	if multi.HTML != "<p>When you have a comment with multiple lines:<br>\nWordPress exports it like this.</p>\n" {
		t.Errorf("multi-line HTML %q", multi.HTML)
	}
	email, err := testKeys.DecryptEmail(multi.EmailCipher)
	if err != nil || email != "multiline@example.org" {
		t.Errorf("email %q, %v", email, err)
	}
	if multi.AuthorName != "Multiline Author" || multi.CreatedAt.Format("2006-01-02 15:04:05") != "2022-06-06 02:13:14" {
		t.Errorf("author %q date %s (want the GMT date)", multi.AuthorName, multi.CreatedAt)
	}
	first := got["http://example.tld/2014/test/#2"]
	if first.Comment.AuthorWebsite != "http://example.tld/" || first.Comment.Body != "Erster!1" || first.Comment.ArticleTitle != "Hello, World…" {
		t.Errorf("comment 2 = %+v", first.Comment)
	}
	reply := got["http://example.tld/2014/test/#8"]
	parent := got["http://example.tld/2014/test/#7"]
	root := got["http://example.tld/2014/test/#6"]
	if reply.Comment.ParentID != parent.Comment.ID || reply.Comment.RootID != root.Comment.ID {
		t.Errorf("8's parent %d root %d; want 7 (%d) and 6 (%d)", reply.Comment.ParentID, reply.Comment.RootID, parent.Comment.ID, root.Comment.ID)
	}
	// The same comment ID on another post is another comment.
	if other := got["http://example.tld/?p=4#11"]; other.Comment.AuthorName != "Anonymous" {
		t.Errorf("comment 11 of ?p=4 = %+v", other.Comment)
	}

	s = openStore(t)
	importReader(t, s, importer.NewWordPress(open(t, filepath.Join(dir, "wordpress-importer-slashes.xml"))), testOptions())
	for _, e := range exportAll(t, s) {
		if e.Comment.Body != `\o/ ¯\_(ツ)_/¯` {
			t.Errorf("slashes body %q", e.Comment.Body)
		}
	}

	s = openStore(t)
	importReader(t, s, importer.NewDisqus(open(t, filepath.Join(dir, "isso-disqus.xml"))), testOptions())
	got = exportAll(t, s)
	hello := got["http://example.org/#5"].Comment
	if hello.Body != "<p>Hello, World.</p>" || hello.HTML != "<p>Hello, World.</p>" || hello.AuthorName != "user" {
		t.Errorf("post 5 = body %q html %q author %q", hello.Body, hello.HTML, hello.AuthorName)
	}
	deleted := got["http://example.org/#9"].Comment
	if deleted.Status != comment.StatusRejected || deleted.Reason != comment.ReasonOther || deleted.Note != "deleted" {
		t.Errorf("deleted post 9 = %s %s %q", deleted.Status, deleted.Reason, deleted.Note)
	}
	if got["http://example.org/#11"].Comment.ParentID != deleted.ID {
		t.Errorf("post 11 is not under the deleted post 9")
	}
	if empty := got["http://localhost:4000/blog/2013/02/12/redacted/index.html#8"].Comment; empty.ArticleTitle != "" || empty.AuthorName != "Empty" {
		t.Errorf("post 8 = %+v", empty)
	}
}

// wxrStates is a WXR written for this test from WordPress's export format
// (wp-admin/includes/export.php): every moderation state, pingbacks,
// trackbacks and a WooCommerce order note, an https wp namespace, a comment
// without a state, an email or a date, an item with only a guid, one with
// neither link nor guid, and a reply to a comment that is not in the file.
const wxrStates = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="https://wordpress.org/export/1.2/">
<channel>
<item><title>States</title><link>https://news.example/states/?utm_source=feed&amp;id=3#comments</link>
<wp:post_date_gmt>2020-05-01 10:00:00</wp:post_date_gmt>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_author>A</wp:comment_author><wp:comment_author_email>a@example.org</wp:comment_author_email><wp:comment_date_gmt>2020-05-02 10:00:00</wp:comment_date_gmt><wp:comment_content>approved</wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_parent>0</wp:comment_parent></wp:comment>
<wp:comment><wp:comment_id>2</wp:comment_id><wp:comment_author>B</wp:comment_author><wp:comment_date_gmt>2020-05-02 11:00:00</wp:comment_date_gmt><wp:comment_content>pending</wp:comment_content><wp:comment_approved>0</wp:comment_approved><wp:comment_parent>1</wp:comment_parent></wp:comment>
<wp:comment><wp:comment_id>3</wp:comment_id><wp:comment_author>C</wp:comment_author><wp:comment_date_gmt>2020-05-02 12:00:00</wp:comment_date_gmt><wp:comment_content>buy pills</wp:comment_content><wp:comment_approved>spam</wp:comment_approved></wp:comment>
<wp:comment><wp:comment_id>4</wp:comment_id><wp:comment_author>D</wp:comment_author><wp:comment_date_gmt>2020-05-02 13:00:00</wp:comment_date_gmt><wp:comment_content>binned</wp:comment_content><wp:comment_approved>trash</wp:comment_approved></wp:comment>
<wp:comment><wp:comment_id>5</wp:comment_id><wp:comment_author>E</wp:comment_author><wp:comment_content>no state, no email, no date</wp:comment_content><wp:comment_parent>404</wp:comment_parent></wp:comment>
<wp:comment><wp:comment_id>6</wp:comment_id><wp:comment_content>ping</wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_type>pingback</wp:comment_type></wp:comment>
<wp:comment><wp:comment_id>7</wp:comment_id><wp:comment_content>track</wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_type>trackback</wp:comment_type></wp:comment>
<wp:comment><wp:comment_id>10</wp:comment_id><wp:comment_content>Order shipped</wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_type>order_note</wp:comment_type></wp:comment>
</item>
<item><title>Guid only</title><guid isPermaLink="false">https://news.example/?p=9</guid>
<wp:comment><wp:comment_id>8</wp:comment_id><wp:comment_author>F</wp:comment_author><wp:comment_date_gmt>2020-06-01 00:00:00</wp:comment_date_gmt><wp:comment_content>via guid</wp:comment_content><wp:comment_approved>1</wp:comment_approved></wp:comment>
</item>
<item><title>Nowhere</title>
<wp:comment><wp:comment_id>9</wp:comment_id><wp:comment_content>lost</wp:comment_content><wp:comment_approved>1</wp:comment_approved></wp:comment>
</item>
</channel>
</rss>`

func TestWordPressStates(t *testing.T) {
	s := openStore(t)
	rep := importReader(t, s, importer.NewWordPress(strings.NewReader(wxrStates)), testOptions())
	want := counts{Articles: 2, Approved: 2, Pending: 2, Rejected: 1, Spam: 1, Threads: 5, Replies: 1, Orphans: 1,
		Skipped: map[string]int{"pingback": 1, "trackback": 1, "type_order_note": 1, "no_url": 1}}
	if diff := cmp.Diff(want, countsOf(rep)); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]comment.SourceRef{{Source: "wordpress", ID: "5"}}, rep.Orphans); diff != "" {
		t.Errorf("orphans: %s", diff)
	}
	got := exportAll(t, s)
	const states = "https://news.example/states/?id=3#"
	if c := got[states+"3"].Comment; c.Status != comment.StatusSpam || c.Reason != comment.ReasonSpam {
		t.Errorf("spam: %s %s", c.Status, c.Reason)
	}
	if c := got[states+"4"].Comment; c.Status != comment.StatusRejected || c.Reason != comment.ReasonOther || c.Note != "trash" {
		t.Errorf("trash: %s %s %q", c.Status, c.Reason, c.Note)
	}
	noDate := got[states+"5"].Comment
	if noDate.Status != comment.StatusPending || len(noDate.EmailCipher) != 0 || noDate.CreatedAt.Format("2006-01-02 15:04") != "2020-05-01 10:00" {
		t.Errorf("comment without state, email or date: %s, email %d bytes, date %s (want pending, none, the post's date)",
			noDate.Status, len(noDate.EmailCipher), noDate.CreatedAt)
	}
	if _, ok := got["https://news.example/?p=9#8"]; !ok {
		t.Errorf("the item with only a guid was not imported under its guid: %v", keys(got))
	}
	// Pending comments land in the queue.
	q, err := s.Queue(context.Background(), comment.QueueQuery{SiteID: "demo", Status: comment.StatusPending})
	if err != nil || len(q) != 2 {
		t.Fatalf("pending queue: %d, %v", len(q), err)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestMapURL(t *testing.T) {
	s := openStore(t)
	opts := testOptions()
	for _, rule := range []string{`s#^http://example\.tld#https://www.example#`, `s|/2014/|/archive/2014/|`} {
		m, err := importer.ParseURLRewrite(rule)
		if err != nil {
			t.Fatal(err)
		}
		opts.MapURL = append(opts.MapURL, m)
	}
	dir := filepath.Join(testenv.DataDir(t), "imports")
	importReader(t, s, importer.NewWordPress(open(t, filepath.Join(dir, "isso-wordpress.xml"))), opts)
	for _, u := range []string{"https://www.example/archive/2014/test/", "https://www.example/?p=4"} {
		if _, err := s.Article(context.Background(), "demo", u); err != nil {
			t.Errorf("article %s: %v", u, err)
		}
	}
	for _, bad := range []string{"", "s#a#b", "x#a#b#", "s#(#b#"} {
		if _, err := importer.ParseURLRewrite(bad); err == nil {
			t.Errorf("ParseURLRewrite(%q) accepted", bad)
		}
	}
}

// failingReader returns an error after n records of r.
type failingReader struct {
	r importer.Reader
	n int
}

func (f *failingReader) Next() (importer.Record, error) {
	if f.n == 0 {
		return importer.Record{}, errors.New("disk on fire")
	}
	f.n--
	return f.r.Next()
}

func TestAllOrNothing(t *testing.T) {
	s := openStore(t)
	dir := filepath.Join(testenv.DataDir(t), "imports")
	_, err := importer.Import(context.Background(), s, &failingReader{r: importer.NewWordPress(open(t, filepath.Join(dir, "isso-wordpress.xml"))), n: 5}, testOptions())
	if err == nil || !strings.Contains(err.Error(), "nothing was imported") {
		t.Fatalf("err = %v", err)
	}
	if got := exportAll(t, s); len(got) != 0 {
		t.Fatalf("%d comments written by a failed import", len(got))
	}
}

func TestBatchResume(t *testing.T) {
	s := openStore(t)
	path := writeSyntheticWXR(t, t.TempDir(), 1000)
	opts := testOptions()
	opts.Batch = 100
	// The first run fails after 450 records (4 pingbacks among them): the
	// batches committed before stay.
	_, err := importer.Import(context.Background(), s, &failingReader{r: importer.NewWordPress(open(t, path)), n: 450}, opts)
	if err == nil || !strings.Contains(err.Error(), "rerun to resume") {
		t.Fatalf("err = %v", err)
	}
	n := len(exportAll(t, s))
	if n != 400 {
		t.Fatalf("after the failure %d comments are stored, want the 4 batches of 100", n)
	}
	rep := importReader(t, s, importer.NewWordPress(open(t, path)), opts)
	if rep.Duplicates != 400 || rep.Imported() != 600 || len(rep.Orphans) != 0 {
		t.Fatalf("rerun: %d duplicates, %d imported, %d orphans", rep.Duplicates, rep.Imported(), len(rep.Orphans))
	}
	if got := len(exportAll(t, s)); got != 1000 {
		t.Fatalf("%d comments after the rerun, want 1000", got)
	}
}

func TestDryRun(t *testing.T) {
	s := openStore(t)
	opts := testOptions()
	opts.DryRun = true
	rep := importReader(t, s, importer.NewWordPress(strings.NewReader(wxrStates)), opts)
	if rep.Imported() != 6 || rep.Skipped["pingback"] != 1 || len(rep.Orphans) != 1 {
		t.Errorf("dry run report: %+v", rep)
	}
	if got := exportAll(t, s); len(got) != 0 {
		t.Fatalf("a dry run wrote %d comments", len(got))
	}
}

func TestUnknownSite(t *testing.T) {
	s := openStore(t)
	opts := testOptions()
	opts.SiteID = "nope"
	_, err := importer.Import(context.Background(), s, importer.NewWordPress(strings.NewReader(wxrStates)), opts)
	if comment.ErrorCode(err) != comment.CodeNotFound || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("err = %v", err)
	}
}

func isWrongFormat(err error) bool { return errors.Is(err, importer.ErrWrongFormat) }

// disqusEdges is a Disqus export written for this test from Disqus's export
// schema: a thread without a link, and a post whose date is not a date.
const disqusEdges = `<?xml version="1.0"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><link>https://news.example/a</link><title>A</title></thread>
<thread dsq:id="2"><title>No link</title></thread>
<post dsq:id="10"><message>fine</message><createdAt>2013-10-10T19:20:29Z</createdAt><thread dsq:id="1"/></post>
<post dsq:id="11"><message>nowhere</message><createdAt>2013-10-10T19:20:29Z</createdAt><thread dsq:id="2"/></post>
<post dsq:id="12"><message>when?</message><createdAt>yesterday</createdAt><thread dsq:id="1"/></post>
</disqus>`

func TestDisqusEdges(t *testing.T) {
	s := openStore(t)
	_, err := importer.Import(context.Background(), s, importer.NewDisqus(strings.NewReader(disqusEdges)), testOptions())
	if err == nil || !strings.Contains(err.Error(), "post 12 at line 7") || len(exportAll(t, s)) != 0 {
		t.Fatalf("err = %v", err)
	}
	opts := testOptions()
	opts.SkipBad = true
	rep := importReader(t, s, importer.NewDisqus(strings.NewReader(disqusEdges)), opts)
	if rep.Imported() != 1 || rep.Skipped["no_url"] != 1 || rep.Skipped["bad_record"] != 1 || len(rep.Bad) != 1 {
		t.Fatalf("report %+v", rep)
	}
}

// disqusStates is a Disqus export written for this test from Disqus's export
// schema (the real sample has no spam): a post of each state, and one both
// deleted and spam.
const disqusStates = `<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><link>https://news.example/a</link><title>A</title></thread>
<post dsq:id="20"><message><![CDATA[<p>kept</p>]]></message><createdAt>2013-10-10T19:20:29Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>A</name></author><thread dsq:id="1"/></post>
<post dsq:id="21"><message><![CDATA[<p>buy pills</p>]]></message><createdAt>2013-10-10T19:21:29Z</createdAt><isDeleted>false</isDeleted><isSpam>true</isSpam><author><name>B</name></author><thread dsq:id="1"/><parent dsq:id="20"/></post>
<post dsq:id="22"><message><![CDATA[<p>gone</p>]]></message><createdAt>2013-10-10T19:22:29Z</createdAt><isDeleted>true</isDeleted><isSpam>false</isSpam><author><name>C</name></author><thread dsq:id="1"/></post>
<post dsq:id="23"><message><![CDATA[<p>gone spam</p>]]></message><createdAt>2013-10-10T19:23:29Z</createdAt><isDeleted>true</isDeleted><isSpam>true</isSpam><author><name>D</name></author><thread dsq:id="1"/></post>
</disqus>`

// TestDisqusStates: isSpam → spam, isDeleted → rejected (reason other, note
// "deleted"), neither → approved; spam stays spam even when also deleted.
func TestDisqusStates(t *testing.T) {
	s := openStore(t)
	rep := importReader(t, s, importer.NewDisqus(strings.NewReader(disqusStates)), testOptions())
	want := counts{Articles: 1, Approved: 1, Rejected: 1, Spam: 2, Threads: 3, Replies: 1, Skipped: map[string]int{}}
	if diff := cmp.Diff(want, countsOf(rep)); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	got := exportAll(t, s)
	const a = "https://news.example/a#"
	for id, w := range map[string]struct {
		status comment.Status
		reason comment.Reason
		note   string
	}{
		"20": {comment.StatusApproved, "", ""},
		"21": {comment.StatusSpam, comment.ReasonSpam, ""},
		"22": {comment.StatusRejected, comment.ReasonOther, "deleted"},
		"23": {comment.StatusSpam, comment.ReasonSpam, ""},
	} {
		c := got[a+id].Comment
		if c.Status != w.status || c.Reason != w.reason || c.Note != w.note {
			t.Errorf("post %s: %s %q %q, want %s %q %q", id, c.Status, c.Reason, c.Note, w.status, w.reason, w.note)
		}
	}
	if got[a+"21"].Comment.ParentID != got[a+"20"].Comment.ID {
		t.Errorf("the spam reply is not under its parent")
	}
	stored, err := s.CountByStatus(context.Background(), "demo")
	if err != nil || stored[comment.StatusSpam] != 2 || stored[comment.StatusApproved] != 1 || stored[comment.StatusRejected] != 1 {
		t.Errorf("stored counts %v, %v", stored, err)
	}
}
