package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/importer"
	"github.com/parleyhq/parley/internal/testenv"
	"github.com/parleyhq/parley/store/postgres/pgtest"
)

// runSplit runs one parley command and returns its stdout and stderr apart.
func runSplit(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, envFrom(nil), strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func mustSplit(t *testing.T, args ...string) (string, string) {
	t.Helper()
	out, errOut, err := runSplit(t, args...)
	if err != nil {
		t.Fatalf("parley %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out, errOut
}

func TestImportCommand(t *testing.T) {
	imports := filepath.Join(testenv.DataDir(t), "imports")
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "site", "add", "demo", "--origin", "https://news.example", "--db", db)

	out, progress := mustSplit(t, "import", "wordpress", filepath.Join(imports, "isso-wordpress.xml"), "--site", "demo", "--db", db)
	for _, want := range []string{"articles    2\n", "comments    8 (approved 8, pending 0, rejected 0, spam 0)\n", "threads     5 top-level, 3 replies\n", "orphans     0"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(progress, "import: 100% of the file, 8 records, 8 imported") {
		t.Errorf("no progress line on a non-terminal:\n%s", progress)
	}
	out, _ = mustSplit(t, "import", "wordpress", filepath.Join(imports, "isso-wordpress.xml"), "--site", "demo", "--db", db)
	if !strings.Contains(out, "comments    0 ") || !strings.Contains(out, "duplicates  8 ") {
		t.Errorf("re-import:\n%s", out)
	}
	out, _ = mustSplit(t, "import", "disqus", filepath.Join(imports, "isso-disqus.xml"), "--site", "demo", "--db", db, "--dry-run",
		"--map-url", `s#^http://example\.org#https://news.example#`)
	if !strings.Contains(out, "dry run: nothing was written") || !strings.Contains(out, "comments    5 (approved 4, pending 0, rejected 1, spam 0)") ||
		!strings.Contains(out, "skipped     1 (unknown_thread 1)") {
		t.Errorf("dry run:\n%s", out)
	}

	// Export: nothing private without --private.
	plain, summary := mustSplit(t, "export", "--site", "demo", "--db", db)
	if strings.Count(plain, "\n") != 9 || strings.Contains(plain, "@") || !strings.Contains(summary, "exported 8 comments of site demo (jsonl, without private fields)") {
		t.Errorf("export without --private (%s):\n%s", summary, plain)
	}
	private, _ := mustSplit(t, "export", "--site", "demo", "--db", db, "--private")
	if !strings.Contains(private, `"email":"multiline@example.org"`) {
		t.Errorf("export --private has no email:\n%s", private)
	}
	wxr, _ := mustSplit(t, "export", "--site", "demo", "--db", db, "--format", "wxr")
	if strings.Count(wxr, "<wp:comment>") != 8 || strings.Contains(wxr, "@example.org") {
		t.Errorf("WXR export:\n%s", wxr)
	}

	// Round trip through files and a second database with the same key.
	file := filepath.Join(dir, "demo.jsonl")
	mustSplit(t, "export", "--site", "demo", "--db", db, "--private", "--out", file)
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("--out file: %v, %v; want mode 0600", info, err)
	}
	db2 := filepath.Join(dir, "second.db")
	mustRun(t, "", "site", "add", "demo", "--origin", "https://news.example", "--db", db2)
	mustSplit(t, "import", "parley", file, "--site", "demo", "--db", db2, "--batch", "3")
	again, _ := mustSplit(t, "export", "--site", "demo", "--db", db2, "--private")
	if again != private {
		t.Errorf("round trip through the CLI differs:\n%s\n---\n%s", private, again)
	}
}

func TestImportFormats(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "site", "add", "demo", "--origin", "https://news.example", "--db", db)
	isso := filepath.Join(dir, "isso.db")
	script, err := os.ReadFile(filepath.Join(root, "importer", "testdata", "isso", "comments.sql"))
	if err != nil {
		t.Fatal(err)
	}
	sdb, err := sql.Open("sqlite", isso)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec(string(script)); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	tests := []struct{ format, file, want string }{
		{"isso", isso, "comments    6 (approved 4, pending 1, rejected 1, spam 0)"},
		{"remark42", filepath.Join(root, "importer", "testdata", "remark42", "backup.jsonl"), "comments    5 (approved 4, pending 0, rejected 1, spam 0)"},
		{"commento", filepath.Join(root, "importer", "testdata", "commento", "export.json"), "comments    5 (approved 2, pending 2, rejected 1, spam 0)"},
	}
	for _, tt := range tests {
		out, _ := mustSplit(t, "import", tt.format, tt.file, "--site", "demo", "--db", db)
		if !strings.Contains(out, tt.want) {
			t.Errorf("%s:\n%s", tt.format, out)
		}
	}
}

func TestImportErrors(t *testing.T) {
	imports := filepath.Join(testenv.DataDir(t), "imports")
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "site", "add", "demo", "--origin", "https://news.example", "--db", db)
	wp := filepath.Join(imports, "isso-wordpress.xml")
	tests := []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"ErrUnknownSite", []string{"import", "wordpress", wp, "--site", "nope"}, `site "nope" not found`, false},
		{"ErrUnknownFormat", []string{"import", "blogger", wp, "--site", "demo"}, `unknown format "blogger"`, true},
		{"ErrSiteRequired", []string{"import", "wordpress", wp}, "--site is required", true},
		{"ErrWrongFormat", []string{"import", "disqus", wp, "--site", "demo"}, "not a Disqus XML file", false},
		{"ErrMissingFile", []string{"import", "wordpress", filepath.Join(dir, "none.xml"), "--site", "demo"}, "no such file", false},
		{"ErrBadMapURL", []string{"import", "wordpress", wp, "--site", "demo", "--map-url", "s#(#x#"}, "--map-url", true},
		{"ErrExportFormat", []string{"export", "--site", "demo", "--format", "csv"}, "jsonl or wxr", true},
		{"ErrExportSite", []string{"export", "--site", "nope"}, `site "nope" not found`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runSplit(t, append(tt.args, "--db", db)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			var ue usageError
			if isUsage := errors.As(err, &ue); isUsage != tt.usage {
				t.Fatalf("usage error = %v, want %v", isUsage, tt.usage)
			}
		})
	}
	// Nothing was written by the failed imports.
	out, _ := mustSplit(t, "export", "--site", "demo", "--db", db)
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("failed imports wrote comments:\n%s", out)
	}
}

// An import into PostgreSQL, exported and imported into SQLite with the
// same key, exports the same: both stores keep the same data.
func TestImportPostgres(t *testing.T) {
	pg := pgtest.URL(t)
	imports := filepath.Join(testenv.DataDir(t), "imports")
	dir := t.TempDir()
	key := filepath.Join(dir, "parley.key")
	data := []string{"--db", pg, "--secret-file", key}
	mustRun(t, "", append([]string{"site", "add", "demo", "--origin", "https://news.example"}, data...)...)
	out, _ := mustSplit(t, append([]string{"import", "wordpress", filepath.Join(imports, "isso-wordpress.xml"), "--site", "demo"}, data...)...)
	if !strings.Contains(out, "comments    8 (approved 8") {
		t.Fatalf("import into PostgreSQL:\n%s", out)
	}
	mustSplit(t, append([]string{"import", "disqus", filepath.Join(imports, "isso-disqus.xml"), "--site", "demo"}, data...)...)
	again, _ := mustSplit(t, append([]string{"import", "disqus", filepath.Join(imports, "isso-disqus.xml"), "--site", "demo"}, data...)...)
	if !strings.Contains(again, "duplicates  5 ") {
		t.Fatalf("re-import into PostgreSQL:\n%s", again)
	}
	file := filepath.Join(dir, "pg.jsonl")
	mustSplit(t, append([]string{"export", "--site", "demo", "--private", "--out", file}, data...)...)
	lite := []string{"--db", filepath.Join(dir, "lite.db"), "--secret-file", key}
	mustRun(t, "", append([]string{"site", "add", "demo", "--origin", "https://news.example"}, lite...)...)
	mustSplit(t, append([]string{"import", "parley", file, "--site", "demo"}, lite...)...)
	fromPG, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	fromLite, _ := mustSplit(t, append([]string{"export", "--site", "demo", "--private"}, lite...)...)
	if fromLite != string(fromPG) || strings.Count(fromLite, "\n") != 14 {
		t.Fatalf("PostgreSQL and SQLite exports differ:\n%s\n---\n%s", fromPG, fromLite)
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	counted := &countingReader{r: strings.NewReader(strings.Repeat("x", 1000))}
	io.CopyN(io.Discard, counted, 500)
	p := &progress{w: &buf, size: 1000, counted: counted, bySize: true, terminal: true, decile: -1}
	p.update(importer.Report{Records: 10, Comments: map[comment.Status]int{comment.StatusApproved: 9}})
	p.done()
	if got, want := buf.String(), "\r[============             ]  50%  10 records, 9 imported\n"; got != want {
		t.Errorf("terminal progress = %q, want %q", got, want)
	}
	buf.Reset()
	p = &progress{w: &buf, size: 1000, counted: counted, bySize: true, decile: -1}
	p.update(importer.Report{Records: 10})
	p.update(importer.Report{Records: 11}) // same tenth: no new line
	p.done()
	if got, want := buf.String(), "import: 50% of the file, 10 records, 0 imported\n"; got != want {
		t.Errorf("progress lines = %q, want %q", got, want)
	}
	// Isso, a database: a line every 10,000 records.
	buf.Reset()
	p = &progress{w: &buf, counted: counted, decile: -1}
	for _, n := range []int{500, 9999, 10000, 15000, 20000} {
		p.update(importer.Report{Records: n})
	}
	if got, want := buf.String(), "import: 500 records, 0 imported\nimport: 10000 records, 0 imported\nimport: 20000 records, 0 imported\n"; got != want {
		t.Errorf("progress lines by records = %q, want %q", got, want)
	}
}
