package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	texttemplate "text/template"
)

//go:embed templates/*.txt templates/*.html
var builtin embed.FS

// Languages are the languages messages are written in; "en" is the default.
var Languages = []string{"en", "fr"}

// Templates renders messages from mail/templates/<topic>.<lang>.txt (first
// line "Subject: ...", a blank line, the body; text/template) and
// <topic>.<lang>.html (html/template). A newsroom's directory, when set,
// overrides the built-in files of the same name.
type Templates struct {
	// Dir, when not empty, holds overriding templates.
	Dir string

	mu    sync.Mutex
	texts map[string]*texttemplate.Template
	htmls map[string]*htmltemplate.Template
}

func (t *Templates) read(name string) ([]byte, error) {
	if t.Dir != "" {
		b, err := os.ReadFile(filepath.Join(t.Dir, name))
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return builtin.ReadFile("templates/" + name)
}

// Check parses every built-in template and its override, so that a bad
// override is found at start rather than at the first send.
func (t *Templates) Check() error {
	names, err := fs.Glob(builtin, "templates/*")
	if err != nil {
		return err
	}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		topic, rest, _ := strings.Cut(base, ".")
		lang, ext, _ := strings.Cut(rest, ".")
		if ext == "txt" {
			if _, err := t.text(topic, lang); err != nil {
				return err
			}
		} else if _, err := t.html(topic, lang); err != nil {
			return err
		}
	}
	return nil
}

var funcs = map[string]any{
	// join joins a list from the JSON payload ([]any) or Go ([]string).
	"join": func(v any, sep string) string {
		switch l := v.(type) {
		case []string:
			return strings.Join(l, sep)
		case []any:
			parts := make([]string, len(l))
			for i, x := range l {
				parts[i] = fmt.Sprint(x)
			}
			return strings.Join(parts, sep)
		}
		return fmt.Sprint(v)
	},
}

func (t *Templates) text(topic, lang string) (*texttemplate.Template, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := topic + "." + lang
	if tm, ok := t.texts[key]; ok {
		return tm, nil
	}
	b, err := t.read(key + ".txt")
	if err != nil {
		return nil, fmt.Errorf("mail template %s.txt: %w", key, err)
	}
	tm, err := texttemplate.New(key).Funcs(funcs).Option("missingkey=zero").Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("mail template %s.txt: %w", key, err)
	}
	if t.texts == nil {
		t.texts = map[string]*texttemplate.Template{}
	}
	t.texts[key] = tm
	return tm, nil
}

func (t *Templates) html(topic, lang string) (*htmltemplate.Template, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := topic + "." + lang
	if tm, ok := t.htmls[key]; ok {
		return tm, nil
	}
	b, err := t.read(key + ".html")
	if err != nil {
		return nil, fmt.Errorf("mail template %s.html: %w", key, err)
	}
	tm, err := htmltemplate.New(key).Funcs(funcs).Option("missingkey=zero").Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("mail template %s.html: %w", key, err)
	}
	if t.htmls == nil {
		t.htmls = map[string]*htmltemplate.Template{}
	}
	t.htmls[key] = tm
	return tm, nil
}

// Render makes the subject, text and HTML of a topic's message in lang
// (falling back to English) from data.
func (t *Templates) Render(topic, lang string, data map[string]any) (subject, text, html string, err error) {
	if lang != "fr" {
		lang = "en"
	}
	tt, err := t.text(topic, lang)
	if err != nil {
		return "", "", "", err
	}
	ht, err := t.html(topic, lang)
	if err != nil {
		return "", "", "", err
	}
	var tb, hb bytes.Buffer
	if err := tt.Execute(&tb, data); err != nil {
		return "", "", "", fmt.Errorf("mail template %s.%s.txt: %w", topic, lang, err)
	}
	if err := ht.Execute(&hb, data); err != nil {
		return "", "", "", fmt.Errorf("mail template %s.%s.html: %w", topic, lang, err)
	}
	first, body, _ := strings.Cut(tb.String(), "\n")
	subject, ok := strings.CutPrefix(first, "Subject: ")
	if !ok {
		return "", "", "", fmt.Errorf("mail template %s.%s.txt: the first line must be \"Subject: ...\"", topic, lang)
	}
	subject = strings.Join(strings.Fields(subject), " ")
	return subject, strings.TrimLeft(body, "\n"), hb.String(), nil
}
