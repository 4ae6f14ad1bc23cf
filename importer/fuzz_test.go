package importer_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/parleyhq/parley/importer"
	"github.com/parleyhq/parley/internal/testenv"
)

const disqusSeed = `<?xml version="1.0"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="2"><link>https://news.example/a</link><title>A</title></thread>
<post dsq:id="4"><message><![CDATA[<p>Hi</p>]]></message><createdAt>2013-10-10T19:20:29Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
<author><email>a@example.org</email><name>A</name></author><thread dsq:id="2"/></post>
<post dsq:id="5"><message>re</message><createdAt>2013-10-11T19:20:29Z</createdAt><isSpam>true</isSpam><thread dsq:id="2"/><parent dsq:id="4"/></post>
</disqus>`

// drain reads every record a reader gives, as an import would, and checks
// what it may return: records with a source reference, bad records, or one
// final error.
func drain(t *testing.T, r importer.Reader) {
	for i := 0; i < 100000; i++ {
		rec, err := r.Next()
		var bad *importer.BadRecordError
		switch {
		case err == io.EOF:
			return
		case errors.As(err, &bad):
			if bad.Where == "" {
				t.Fatalf("a bad record without a name: %v", err)
			}
			continue
		case err != nil:
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		if rec.Skip == "" && rec.Ref.Source == "" {
			t.Fatalf("a record without a source: %+v", rec)
		}
	}
	t.Fatal("the reader never ended")
}

// hostileSeeds adds the shared hostile strings (the Big List of Naughty
// Strings and the XSS payloads) as seeds: each is put, escaped as the
// format escapes text, into an archive's free text (a comment's author and
// body), in place of TEXT in tmpl.
func hostileSeeds(f *testing.F, tmpl string, escape func(string) string) {
	for _, s := range testenv.HostileStrings(f) {
		f.Add([]byte(strings.ReplaceAll(tmpl, "TEXT", escape(s))))
	}
}

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// jsonText is s as a JSON string's content, without the quotes.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func fuzzSeed(f *testing.F, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
}

func FuzzWordPress(f *testing.F) {
	f.Add([]byte(wxrStates))
	f.Add([]byte(`<rss><channel><item><link>x</link><wp:comment><wp:comment_id>1</wp:comment_id></wp:comment></item></channel></rss>`))
	f.Add([]byte(`<!DOCTYPE rss [<!ENTITY a "b">]><rss>&a;</rss>`))
	hostileSeeds(f, `<rss xmlns:wp="https://wordpress.org/export/1.2/"><channel><item><link>https://news.example/a</link>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_author>TEXT</wp:comment_author><wp:comment_content>TEXT</wp:comment_content><wp:comment_approved>1</wp:comment_approved></wp:comment></item></channel></rss>`, xmlText)
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, importer.NewWordPress(bytes.NewReader(data)))
	})
}

func FuzzDisqus(f *testing.F) {
	f.Add([]byte(disqusSeed))
	f.Add([]byte(`<disqus><post dsq:id="1"><thread dsq:id="9"/></post></disqus>`))
	hostileSeeds(f, strings.Replace(strings.Replace(disqusSeed, "<name>A</name>", "<name>TEXT</name>", 1), "<![CDATA[<p>Hi</p>]]>", "TEXT", 1), xmlText)
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, importer.NewDisqus(bytes.NewReader(data)))
	})
}

func FuzzParley(f *testing.F) {
	f.Add([]byte(`{"parley_export":1,"site":"demo","private":false}
{"id":"wordpress:1","article_url":"https://news.example/a","article_title":"A","author_name":"R","created_at":"2020-01-01T00:00:00Z","status":"approved","score":-1,"format":"html","body":"<p>x</p>"}
{"id":"parley:2","parent":"wordpress:1","article_url":"https://news.example/a","article_title":"A","author_name":"R","email":"r@example.org","ip_hash":"AQID","created_at":"2020-01-01T00:00:00Z","status":"pending","score":0.5,"format":"markdown","body":"y"}
`))
	f.Add([]byte("{\"parley_export\":1}\n{\"id\":\n"))
	hostileSeeds(f, `{"parley_export":1,"site":"demo","private":false}
{"id":"parley:1","article_url":"https://news.example/a","article_title":"A","author_name":"TEXT","created_at":"2020-01-01T00:00:00Z","status":"approved","score":-1,"format":"markdown","body":"TEXT"}
`, jsonText)
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, importer.NewParley(bytes.NewReader(data), 1<<10))
	})
}

func FuzzRemark42(f *testing.F) {
	fuzzSeed(f, "testdata/remark42/backup.jsonl")
	f.Add([]byte("\x1f\x8b\x08\x00garbage"))
	hostileSeeds(f, `{"version":1,"users":[],"posts":[{"url":"https://news.example/a","read_only":false}]}
{"id":"c1","pid":"","text":"TEXT","orig":"TEXT","user":{"name":"TEXT","id":"u1"},"locator":{"site":"remark","url":"https://news.example/a"},"time":"2021-03-01T10:00:00Z","title":"A"}
`, jsonText)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := importer.NewRemark42(bytes.NewReader(data), 1<<10)
		if err != nil {
			return
		}
		drain(t, r)
	})
}

func FuzzCommento(f *testing.F) {
	fuzzSeed(f, "testdata/commento/export.json")
	f.Add([]byte(`{"commenters":[{"commenterHex":"a"}],"comments":[{"commentHex":"x","url":"/a","parentHex":"root"}]}`))
	hostileSeeds(f, `{"version":1,"commenters":[{"commenterHex":"a","name":"TEXT"}],"comments":[{"commentHex":"x","domain":"news.example","url":"/a","commenterHex":"a","markdown":"TEXT","html":"TEXT","parentHex":"root","state":"approved","creationDate":"2021-03-12T11:21:56Z"}]}`, jsonText)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := importer.NewCommento(bytes.NewReader(data))
		if err != nil {
			return
		}
		drain(t, r)
	})
}
