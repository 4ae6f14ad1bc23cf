package webhook_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/webhook"
)

func readDoc(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "docs", "webhooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

var eventBlock = regexp.MustCompile("(?s)### `([a-z.]+)`\n.*?```json\n(.*?)```")

// TestDocsEvents: every event has an example body in docs/webhooks.md,
// and each is exactly what the server sends (the same fields, no others).
func TestDocsEvents(t *testing.T) {
	doc := readDoc(t)
	seen := map[string]webhook.Event{}
	for _, m := range eventBlock.FindAllStringSubmatch(doc, -1) {
		name, body := m[1], m[2]
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		var ev webhook.Event
		if err := dec.Decode(&ev); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if ev.Event != name {
			t.Errorf("example under %s is a %s", name, ev.Event)
		}
		again, _ := json.Marshal(ev)
		var a, b any
		json.Unmarshal(again, &a)
		json.Unmarshal([]byte(body), &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the example is not what the server sends:\ndoc  %s\nsent %s", name, body, again)
		}
		seen[name] = ev
	}
	for _, name := range append(append([]string{}, comment.WebhookEvents...), webhook.EventTest) {
		if _, ok := seen[name]; !ok {
			t.Errorf("docs/webhooks.md has no example of %s", name)
		}
	}
	// The Slack example is the reported example as the Slack format sends it.
	rep := seen[comment.EventCommentReported]
	var slack struct {
		Text string `json:"text"`
	}
	m := regexp.MustCompile("(?s)## Slack.*?```json\n(.*?)```").FindStringSubmatch(doc)
	if m == nil || json.Unmarshal([]byte(m[1]), &slack) != nil {
		t.Fatal("no Slack example")
	}
	if got := webhook.SlackText(rep); got != slack.Text {
		t.Errorf("Slack example:\ndoc  %q\nsent %q", slack.Text, got)
	}
}

// TestDocsReceiver runs the Go receiver of docs/webhooks.md, as written,
// against calls this package signs: a good call is taken, a changed body,
// a wrong secret and an old signature are refused with a 4xx, and a copy
// of a delivery is dropped.
func TestDocsReceiver(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a program")
	}
	doc := readDoc(t)
	m := regexp.MustCompile("(?s)<!-- receiver:begin -->\n```go\n(.*?)```\n<!-- receiver:end -->").FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("no receiver example")
	}
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module receiver\n\ngo 1.22\n")
	write("main.go", m[1])
	secret := "whsec_docs_0123456789"
	body := []byte(`{"event":"comment.created","site":"gazette","created_at":"2026-11-30T09:15:00Z","comment":{"id":1042,"article_url":"https://gazette.example/a","status":"pending"}}`)
	now := time.Now()
	good := webhook.Sign([]byte(secret), now, body)
	old := webhook.Sign([]byte(secret), now.Add(-10*time.Minute), body)
	wrong := webhook.Sign([]byte("not-the-secret-at-all"), now, body)
	var harness bytes.Buffer
	fmt.Fprintf(&harness, `package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func call(h http.Handler, sig, delivery, body string) int {
	req := httptest.NewRequest("POST", "/parley", strings.NewReader(body))
	req.Header.Set("Parley-Signature", sig)
	req.Header.Set("Parley-Delivery", delivery)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

func TestReceiver(t *testing.T) {
	secret := []byte(%q)
	body := %q
	if err := verifyParley(secret, %q, []byte(body), time.Now()); err != nil {
		t.Fatalf("good signature refused: %%v", err)
	}
	h := handler(secret)
	for _, c := range []struct {
		name, sig, delivery, body string
		want                      int
	}{
		{"OK", %q, "d1", body, 204},
		{"Copy", %q, "d1", body, 200},
		{"ErrBodyChanged", %q, "d2", strings.Replace(body, "pending", "approved", 1), 400},
		{"ErrWrongSecret", %q, "d3", body, 400},
		{"ErrOld", %q, "d4", body, 400},
		{"ErrNoSignature", "", "d5", body, 400},
	} {
		if got := call(h, c.sig, c.delivery, c.body); got != c.want {
			t.Errorf("%%s: %%d, want %%d", c.name, got, c.want)
		}
	}
}
`, secret, body, good, good, good, good, wrong, old)
	write("main_test.go", harness.String())
	cmd := exec.Command("go", "test", "-count=1", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the documented receiver fails: %v\n%s", err, out)
	}
}
