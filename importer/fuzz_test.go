package importer_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/parleyhq/parley/importer"
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
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, importer.NewWordPress(bytes.NewReader(data)))
	})
}

func FuzzDisqus(f *testing.F) {
	f.Add([]byte(disqusSeed))
	f.Add([]byte(`<disqus><post dsq:id="1"><thread dsq:id="9"/></post></disqus>`))
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
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, importer.NewParley(bytes.NewReader(data), 1<<10))
	})
}

func FuzzRemark42(f *testing.F) {
	fuzzSeed(f, "testdata/remark42/backup.jsonl")
	f.Add([]byte("\x1f\x8b\x08\x00garbage"))
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
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := importer.NewCommento(bytes.NewReader(data))
		if err != nil {
			return
		}
		drain(t, r)
	})
}
