package desk_test

import (
	"bytes"
	"context"
	"encoding/json"
	htmltemplate "html/template"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/store/sqlite"
)

// TestDataRequestMessage renders the data_request templates (both
// languages, both formats) with the payload the request queues: the
// subject line, both links, the expiry, and never the address.
func TestDataRequestMessage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keys, err := secret.LoadOrCreate(filepath.Join(dir, "p.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSite(ctx, comment.Site{ID: "news", Origins: []string{"https://news.example"}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	d := desk.New(desk.Config{Store: st})
	for _, lang := range []string{"en", "fr"} {
		links, err := d.RequestData(ctx, keys, "https://comments.example/", "news", "Reader@Example.com", lang)
		if err != nil {
			t.Fatal(err)
		}
		items, err := st.OutboxItems(ctx, comment.OutboxFilter{Topic: desk.DataRequestTopic, Limit: 1})
		if err != nil || len(items) != 1 {
			t.Fatalf("items %v, %v", items, err)
		}
		it := items[0]
		if it.Kind != comment.OutboxEmail || it.Target != "cipher" || strings.Contains(strings.ToLower(string(it.Payload)), "reader@example.com") {
			t.Fatalf("item = %+v", it)
		}
		var data map[string]any
		if err := json.Unmarshal(it.Payload, &data); err != nil {
			t.Fatal(err)
		}
		data["site"], data["unsubscribe_url"] = "news", ""
		if data["lang"] != lang || data["export_url"] != links.Export || !strings.HasPrefix(links.Export, "https://comments.example/api/v1/data-requests/export?token=") {
			t.Fatalf("payload = %v", data)
		}
		txt := template.Must(template.New("").Option("missingkey=error").ParseFiles(filepath.Join("..", "mail", "templates", "data_request."+lang+".txt")))
		var out bytes.Buffer
		if err := txt.ExecuteTemplate(&out, "data_request."+lang+".txt", data); err != nil {
			t.Fatal(err)
		}
		head, body, ok := strings.Cut(out.String(), "\n\n")
		if !ok || !strings.HasPrefix(head, "Subject: ") || !strings.Contains(head, "news") {
			t.Errorf("%s subject: %q", lang, head)
		}
		for _, want := range []string{links.Export, links.Erase, "24"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s text lacks %q:\n%s", lang, want, body)
			}
		}
		html := htmltemplate.Must(htmltemplate.New("").Option("missingkey=error").ParseFiles(filepath.Join("..", "mail", "templates", "data_request."+lang+".html")))
		out.Reset()
		if err := html.ExecuteTemplate(&out, "data_request."+lang+".html", data); err != nil {
			t.Fatal(err)
		}
		// html/template escapes & in attributes; the token has none.
		if !strings.Contains(out.String(), `href="`+links.Erase+`"`) || !strings.Contains(out.String(), `lang="`+lang+`"`) {
			t.Errorf("%s html:\n%s", lang, out.String())
		}
		// The link opens to the right commenter.
		tok := strings.TrimPrefix(links.Export, "https://comments.example/api/v1/data-requests/export?token=")
		site, hmac, err := d.OpenDataLink(keys, tok)
		if err != nil || site != "news" || !bytes.Equal(hmac, keys.EmailHMAC("reader@example.com")) {
			t.Errorf("OpenDataLink = %q, %x, %v", site, hmac, err)
		}
	}
}
