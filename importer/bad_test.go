package importer_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/importer"
	"github.com/parleyhq/parley/internal/testenv"
)

// readerFor builds a reader of a format over data.
func readerFor(t *testing.T, format string, data []byte) (importer.Reader, error) {
	t.Helper()
	switch format {
	case "wordpress":
		return importer.NewWordPress(bytes.NewReader(data)), nil
	case "disqus":
		return importer.NewDisqus(bytes.NewReader(data)), nil
	case "parley":
		return importer.NewParley(bytes.NewReader(data), 0), nil
	case "remark42":
		return importer.NewRemark42(bytes.NewReader(data), 0)
	case "commento":
		return importer.NewCommento(bytes.NewReader(data))
	}
	t.Fatalf("no format %q", format)
	return nil, nil
}

// importBytes imports data of a format into a fresh store, returning the
// error and how many comments are stored afterwards.
func importBytes(t *testing.T, format string, data []byte, opts importer.Options) (importer.Report, error, int) {
	t.Helper()
	s := openStore(t)
	r, err := readerFor(t, format, data)
	if err != nil {
		return importer.Report{}, err, 0
	}
	rep, err := importer.Import(context.Background(), s, r, opts)
	return rep, err, len(exportAll(t, s))
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	var path string
	switch {
	case strings.HasPrefix(name, "testdata/"):
		path = name
	default:
		path = filepath.Join(testenv.DataDir(t), "imports", name)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parleySample is a Parley export of the Disqus sample.
func parleySample(t *testing.T) []byte {
	s := openStore(t)
	importReader(t, s, importer.NewDisqus(bytes.NewReader(sample(t, "isso-disqus.xml"))), testOptions())
	var buf bytes.Buffer
	if _, err := importer.WriteJSONL(context.Background(), s, &buf, importer.ExportOptions{SiteID: "demo"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTruncated cuts each format's sample in the middle of a comment: the
// import fails, says the file is truncated, and writes nothing.
func TestTruncated(t *testing.T) {
	files := map[string][]byte{
		"wordpress": sample(t, "isso-wordpress.xml"),
		"disqus":    sample(t, "isso-disqus.xml"),
		"parley":    parleySample(t),
		"remark42":  sample(t, "testdata/remark42/backup.jsonl"),
		"commento":  sample(t, "testdata/commento/export.json"),
	}
	for format, data := range files {
		t.Run(format, func(t *testing.T) {
			cut := data[:len(data)*2/3]
			_, err, stored := importBytes(t, format, cut, testOptions())
			if err == nil || !strings.Contains(err.Error(), "truncated") {
				t.Fatalf("err = %v, want one saying the file is truncated", err)
			}
			if stored != 0 {
				t.Fatalf("%d comments stored from a truncated file", stored)
			}
		})
	}
}

// TestWrongFormat gives each reader another format's file.
func TestWrongFormat(t *testing.T) {
	tests := []struct{ format, file string }{
		{"wordpress", "isso-disqus.xml"},
		{"disqus", "isso-wordpress.xml"},
		{"wordpress", "testdata/commento/export.json"},
		{"parley", "isso-wordpress.xml"},
		{"parley", "testdata/remark42/backup.jsonl"},
		{"remark42", "isso-disqus.xml"},
		{"commento", "isso-disqus.xml"},
		{"commento", "testdata/remark42/backup.jsonl"},
	}
	for _, tt := range tests {
		t.Run(tt.format+"<"+filepath.Base(tt.file), func(t *testing.T) {
			_, err, stored := importBytes(t, tt.format, sample(t, tt.file), testOptions())
			if err == nil || !isWrongFormat(err) {
				t.Fatalf("err = %v, want a wrong-format error", err)
			}
			if stored != 0 {
				t.Fatalf("%d comments stored", stored)
			}
		})
	}
}

// TestXMLEntities: external entities and entity expansion are refused,
// never fetched or expanded.
func TestXMLEntities(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(secretFile, []byte("TOP SECRET"), 0o600)
	comment := func(content string) string {
		return `<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><link>https://news.example/a</link>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content>` + content + `</wp:comment_content><wp:comment_approved>1</wp:comment_approved></wp:comment>
</item></channel></rss>`
	}
	laughs := `<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
` + comment("&lol9;")
	tests := map[string]string{
		"external":       `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://` + secretFile + `">]>` + comment("&xxe;"),
		"billion laughs": laughs,
		// Without a declaration, an undeclared entity is an error too.
		"undeclared": comment("&xxe;"),
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			for _, format := range []string{"wordpress", "disqus"} {
				_, err, stored := importBytes(t, format, []byte(doc), testOptions())
				if err == nil || stored != 0 {
					t.Fatalf("%s: err = %v, %d stored", format, err, stored)
				}
				if strings.Contains(err.Error(), "TOP SECRET") || strings.Contains(err.Error(), "lollol") {
					t.Fatalf("%s: the entity was expanded: %v", format, err)
				}
			}
			_, err, _ := importBytes(t, "wordpress", []byte(doc), testOptions())
			if name != "undeclared" && !strings.Contains(err.Error(), "entities") {
				t.Errorf("err = %v, want the declaration refused", err)
			}
			if name == "undeclared" && !strings.Contains(err.Error(), "line 2") {
				t.Errorf("err = %v, want the line named", err)
			}
		})
	}
}

// TestMalformedNamesLine: a syntax error names its line.
func TestMalformedNamesLine(t *testing.T) {
	doc := "<rss xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel>\n<item>\n<link>https://news.example/a</link>\n<wp:comment><wp:comment_id>1</wp:comment_id>\n<wp:comment_content>a < b</wp:comment_content></wp:comment></item></channel></rss>"
	_, err, _ := importBytes(t, "wordpress", []byte(doc), testOptions())
	if err == nil || !strings.Contains(err.Error(), "line 5") {
		t.Fatalf("err = %v, want line 5 named", err)
	}
	lines := string(parleySample(t))
	broken := strings.Replace(lines, `"status":"approved"`, `"status":approved`, 1)
	_, err, stored := importBytes(t, "parley", []byte(broken), testOptions())
	if err == nil || !strings.Contains(err.Error(), "line 2") || stored != 0 {
		t.Fatalf("err = %v (%d stored), want line 2 named and nothing stored", err, stored)
	}
	opts := testOptions()
	opts.SkipBad = true
	rep, err, stored := importBytes(t, "parley", []byte(broken), opts)
	if err != nil || stored != 4 || len(rep.Bad) != 1 || !strings.HasPrefix(rep.Bad[0], "line 2") {
		t.Fatalf("--skip-bad: err %v, %d stored, bad %q", err, stored, rep.Bad)
	}
}

// hugeWXR writes a WXR whose second comment's text is size bytes.
func hugeWXR(t *testing.T, size int) string {
	path := filepath.Join(t.TempDir(), "huge.xml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, `<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><link>https://news.example/a</link>`)
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(w, "\n<wp:comment><wp:comment_id>%d</wp:comment_id><wp:comment_approved>1</wp:comment_approved><wp:comment_content><![CDATA[", i)
		if i == 2 {
			chunk := strings.Repeat("spam ", 1<<16)
			for n := 0; n < size; n += len(chunk) {
				w.WriteString(chunk)
			}
		} else {
			fmt.Fprintf(w, "comment %d", i)
		}
		fmt.Fprint(w, "]]></wp:comment_content></wp:comment>")
	}
	fmt.Fprint(w, "\n</item></channel></rss>\n")
	w.Flush()
	f.Close()
	return path
}

// TestHugeComment: a 100 MB comment is refused with its record named; the
// rest imports with --skip-bad, or nothing does.
func TestHugeComment(t *testing.T) {
	path := hugeWXR(t, 100<<20)
	run := func(skip bool) (importer.Report, error, int) {
		s := openStore(t)
		f := open(t, path)
		opts := testOptions()
		opts.SkipBad = skip
		rep, err := importer.Import(context.Background(), s, importer.NewWordPress(f), opts)
		return rep, err, len(exportAll(t, s))
	}
	_, err, stored := run(false)
	if err == nil || !strings.Contains(err.Error(), "wp:comment 2 at line 3") || !strings.Contains(err.Error(), "body") || stored != 0 {
		t.Fatalf("err = %v, %d stored; want comment 2 named and nothing stored", err, stored)
	}
	rep, err, stored := run(true)
	if err != nil || stored != 2 || rep.Skipped["bad_record"] != 1 {
		t.Fatalf("--skip-bad: err %v, %d stored, skipped %v", err, stored, rep.Skipped)
	}
}

// TestHugeLine: in JSON lines, an over-long record is skipped without being
// held in memory, and named.
func TestHugeLine(t *testing.T) {
	data := parleySample(t)
	lines := strings.SplitAfter(string(data), "\n")
	huge := strings.Replace(lines[2], `"body":"`, `"body":"`+strings.Repeat("x", 7<<20), 1)
	doc := lines[0] + lines[1] + huge + strings.Join(lines[3:], "")
	_, err, stored := importBytes(t, "parley", []byte(doc), testOptions())
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "too long") || stored != 0 {
		t.Fatalf("err = %v, %d stored", err, stored)
	}
	opts := testOptions()
	opts.SkipBad = true
	_, err, stored = importBytes(t, "parley", []byte(doc), opts)
	if err != nil || stored != 4 {
		t.Fatalf("--skip-bad: %v, %d stored", err, stored)
	}
}
