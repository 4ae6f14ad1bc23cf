package mail

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/smtptest"
	"github.com/parleyhq/parley/outbox"
	"github.com/parleyhq/parley/secret"
)

func TestParseSMTPURL(t *testing.T) {
	c, err := ParseSMTPURL("smtp://ann:p%40ss@mail.example:587?tls=starttls")
	if err != nil || c.Host != "mail.example" || c.Port != 587 || c.Username != "ann" || c.Password != "p@ss" || c.TLS != TLSStartTLS {
		t.Fatalf("got %+v, %v", c, err)
	}
	c, err = ParseSMTPURL("smtp://relay:25")
	if err != nil || c.Username != "" || c.TLS != TLSStartTLS {
		t.Fatalf("no credentials: %+v, %v", c, err)
	}
	for _, tls := range []string{"implicit", "none"} {
		if c, err := ParseSMTPURL("smtp://relay:465?tls=" + tls); err != nil || c.TLS != tls {
			t.Fatalf("tls=%s: %+v, %v", tls, c, err)
		}
	}
	for _, bad := range []string{"http://relay:25", "smtp://relay", "smtp://relay:0", "smtp://relay:25?tls=maybe", "smtp://relay:25?x=1", "smtp://:25"} {
		if _, err := ParseSMTPURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func testKeys(t *testing.T) *secret.Keyring {
	k, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestLinks(t *testing.T) {
	l := NewLinks(testKeys(t), "https://c.example/")
	u := l.UnsubscribeCommenterURL("news", []byte{1, 2, 3})
	if !strings.HasPrefix(u, "https://c.example/mail/unsubscribe?t=") {
		t.Fatalf("url %q", u)
	}
	tok := strings.TrimPrefix(u, "https://c.example/mail/unsubscribe?t=")
	if scope, err := l.Verify(tok); err != nil || scope != "u:c:news:010203" {
		t.Fatalf("Verify = %q, %v", scope, err)
	}
	other := NewLinks(mustKeys(t, 7), "https://c.example")
	if _, err := other.Verify(tok); err == nil {
		t.Error("a token verified under another key")
	}
	forged := l.Sign("u:c:news:010203")[:10] + "x" + tok[11:]
	if _, err := l.Verify(forged); err == nil {
		t.Error("a changed token verified")
	}
	if _, err := l.Verify("nodot"); err == nil {
		t.Error("a token without a signature verified")
	}
}

func mustKeys(t *testing.T, b byte) *secret.Keyring {
	key := make([]byte, 32)
	key[0] = b
	k, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestTemplatesOverride(t *testing.T) {
	var tm Templates
	if err := tm.Check(); err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"published": false, "article_title": "Talks", "excerpt": "Off.", "reason": "off_topic",
		"note": "Stay on <the> talks", "appeal_url": "https://c.example/mail/appeal?t=x", "site": "news", "unsubscribe_url": "https://u"}
	subj, text, html, err := tm.Render("decision", "fr", data)
	if err != nil {
		t.Fatal(err)
	}
	if subj != "Votre commentaire n'a pas été publié : Talks" || !strings.Contains(text, "hors sujet") || !strings.Contains(text, "Stay on <the> talks") ||
		!strings.Contains(html, "Stay on &lt;the&gt; talks") || !strings.Contains(html, `href="https://c.example/mail/appeal?t=x"`) {
		t.Fatalf("fr decision:\n%s\n%s\n%s", subj, text, html)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "decision.en.txt"), []byte("Subject: Our own {{.article_title}}\n\nHello"), 0o644)
	tm = Templates{Dir: dir}
	subj, text, html, err = tm.Render("decision", "en", data)
	if err != nil || subj != "Our own Talks" || text != "Hello" || !strings.Contains(html, "off topic") {
		t.Fatalf("override: %q %q %v (html from the built-in: %v)", subj, text, err, strings.Contains(html, "off topic"))
	}
	os.WriteFile(filepath.Join(dir, "reply.en.html"), []byte("{{.broken"), 0o644)
	if err := (&Templates{Dir: dir}).Check(); err == nil || !strings.Contains(err.Error(), "reply.en.html") {
		t.Fatalf("a broken override: %v", err)
	}
}

// A message through a real SMTP server: multipart, the item's Message-ID,
// the RFC 8058 headers.
func TestSMTPDeliver(t *testing.T) {
	srv := smtptest.Start(t)
	cfg, err := ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	tr := &SMTP{Config: cfg, Timeout: 5 * time.Second}
	m := Message{From: "Comments <c@news.example>", To: "ada@example.com", Subject: "Votre commentaire a été publié",
		Text: "Bonjour", HTML: "<p>Bonjour</p>", MessageID: "<abc123@parley>", Unsubscribe: "https://c.example/mail/unsubscribe?t=abc.def"}
	if err := tr.Deliver(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(1, 5*time.Second)[0]
	h := got.Header
	if h.Get("Message-Id") != "<abc123@parley>" {
		t.Errorf("Message-ID %q", h.Get("Message-Id"))
	}
	if h.Get("List-Unsubscribe") != "<https://c.example/mail/unsubscribe?t=abc.def>" || h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("unsubscribe headers %q %q", h.Get("List-Unsubscribe"), h.Get("List-Unsubscribe-Post"))
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "multipart/alternative") || got.Text() != "Bonjour" || got.HTML() != "<p>Bonjour</p>" {
		t.Errorf("parts: %q %q %q", h.Get("Content-Type"), got.Text(), got.HTML())
	}
	if got.Subject() != m.Subject || len(got.To) != 1 || got.To[0] != "ada@example.com" {
		t.Errorf("subject %q, to %v", got.Subject(), got.To)
	}
	// Down: an error to retry, not a permanent one.
	srv.Stop()
	if err := tr.Deliver(context.Background(), m); err == nil || outbox.IsPermanent(err) {
		t.Fatalf("server down: %v", err)
	}
}
