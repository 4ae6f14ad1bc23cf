package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testenv"
	"github.com/parleyhq/parley/store/sqlite"
)

// parseYAML reads the block-style subset of YAML a configuration file uses:
// mappings by indentation, sequences of mappings ("- key: value"), plain
// and quoted scalars, comments. It fails on anything else (flow style,
// anchors, tabs, multi-line strings), so a file it accepts is plain YAML.
// The project takes no YAML dependency for one example file.
func parseYAML(text string) (any, error) {
	type line struct {
		indent int
		text   string
		no     int
	}
	var lines []line
	for i, raw := range strings.Split(text, "\n") {
		if strings.Contains(raw, "\t") {
			return nil, fmt.Errorf("line %d: tab", i+1)
		}
		t := raw
		if j := strings.Index(t, " #"); j >= 0 {
			t = t[:j]
		}
		if strings.HasPrefix(strings.TrimSpace(t), "#") {
			t = ""
		}
		t = strings.TrimRight(t, " ")
		if strings.TrimSpace(t) == "" {
			continue
		}
		trimmed := strings.TrimLeft(t, " ")
		for _, bad := range []string{"{", "[", "&", "*", "|", ">", "!"} {
			if strings.HasPrefix(trimmed, bad) || strings.Contains(trimmed, ": "+bad) {
				return nil, fmt.Errorf("line %d: unsupported YAML %q", i+1, trimmed)
			}
		}
		lines = append(lines, line{len(t) - len(trimmed), trimmed, i + 1})
	}
	pos := 0
	var block func(indent int) (any, error)
	scalar := func(s string) any {
		if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
			return s[1 : len(s)-1]
		}
		return s
	}
	// entry parses "key: value" or "key:" followed by a deeper block.
	entry := func(m map[string]any, text string, indent, no int) error {
		k, v, ok := cutKey(text)
		if !ok || k == "" || strings.ContainsAny(k, " \"'") {
			return fmt.Errorf("line %d: want key: value, got %q", no, text)
		}
		if _, dup := m[k]; dup {
			return fmt.Errorf("line %d: duplicate key %q", no, k)
		}
		v = strings.TrimSpace(v)
		if v != "" {
			m[k] = scalar(v)
			return nil
		}
		if pos >= len(lines) || lines[pos].indent <= indent && !(lines[pos].indent == indent && strings.HasPrefix(lines[pos].text, "- ")) {
			m[k] = nil
			return nil
		}
		sub, err := block(lines[pos].indent)
		m[k] = sub
		return err
	}
	block = func(indent int) (any, error) {
		if strings.HasPrefix(lines[pos].text, "- ") {
			var seq []any
			for pos < len(lines) && lines[pos].indent == indent && strings.HasPrefix(lines[pos].text, "- ") {
				l := lines[pos]
				pos++
				text := strings.TrimPrefix(l.text, "- ")
				if _, _, isKey := cutKey(text); !isKey {
					seq = append(seq, scalar(text))
					continue
				}
				item := map[string]any{}
				if err := entry(item, text, indent+2, l.no); err != nil {
					return nil, err
				}
				for pos < len(lines) && lines[pos].indent == indent+2 && !strings.HasPrefix(lines[pos].text, "- ") {
					l := lines[pos]
					pos++
					if err := entry(item, l.text, indent+2, l.no); err != nil {
						return nil, err
					}
				}
				seq = append(seq, item)
			}
			return seq, nil
		}
		m := map[string]any{}
		for pos < len(lines) && lines[pos].indent == indent {
			l := lines[pos]
			pos++
			if strings.HasPrefix(l.text, "- ") {
				return nil, fmt.Errorf("line %d: a list item among keys", l.no)
			}
			if err := entry(m, l.text, indent, l.no); err != nil {
				return nil, err
			}
		}
		return m, nil
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("empty document")
	}
	doc, err := block(lines[0].indent)
	if err == nil && pos < len(lines) {
		err = fmt.Errorf("line %d: unexpected indentation", lines[pos].no)
	}
	return doc, err
}

// cutKey splits "key: value" or "key:"; a colon inside a word
// ("keys:/data") does not make a key.
func cutKey(text string) (key, value string, ok bool) {
	if k, v, found := strings.Cut(text, ": "); found {
		return k, v, true
	}
	if strings.HasSuffix(text, ":") {
		return strings.TrimSuffix(text, ":"), "", true
	}
	return "", "", false
}

func TestParseYAMLSubset(t *testing.T) {
	doc, err := parseYAML("a: 1\nb:\n  - c: x # note\n    d: 'y'\n  - c: z\ne:\n  f: g\n  h:\n    - v:/w\n    - \"8:80\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(doc); got != "map[a:1 b:[map[c:x d:y] map[c:z]] e:map[f:g h:[v:/w 8:80]]]" {
		t.Errorf("parsed %s", got)
	}
	for _, bad := range []string{"a: 1\n  b: 2\n", "a: {b: 1}\n", "a: 1\na: 2\n", "a\n", "a:\n\t- b\n", "- a: 1\nb: 2\n"} {
		if _, err := parseYAML(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// deploy/litestream.yml is YAML with the keys Litestream reads, and the
// database path the systemd unit uses. With a litestream binary on PATH,
// the file-replica variant of it replicates a live Parley and restores it.
func TestLitestreamConfig(t *testing.T) {
	root := testenv.ModuleRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, "deploy", "litestream.yml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseYAML(string(raw))
	if err != nil {
		t.Fatalf("deploy/litestream.yml: %v", err)
	}
	top, _ := doc.(map[string]any)
	dbs, _ := top["dbs"].([]any)
	if len(dbs) != 1 {
		t.Fatalf("dbs: %v", top["dbs"])
	}
	db, _ := dbs[0].(map[string]any)
	if db["path"] != "/var/lib/parley/parley.db" {
		t.Errorf("dbs[0].path = %v, want the systemd unit's /var/lib/parley/parley.db", db["path"])
	}
	replica, _ := db["replica"].(map[string]any)
	switch replica["type"] {
	case "s3":
		for _, k := range []string{"bucket", "path", "region", "sync-interval"} {
			if replica[k] == nil || replica[k] == "" {
				t.Errorf("replica.%s missing", k)
			}
		}
	default:
		t.Errorf("replica.type = %v, want s3", replica["type"])
	}
	snap, _ := top["snapshot"].(map[string]any)
	for _, k := range []string{"interval", "retention"} {
		if _, err := time.ParseDuration(fmt.Sprint(snap[k])); err != nil {
			t.Errorf("snapshot.%s = %v: %v", k, snap[k], err)
		}
	}
	if unit, err := os.ReadFile(filepath.Join(root, "deploy", "parley.service")); err == nil {
		if !strings.Contains(string(unit), "--db /var/lib/parley/parley.db") {
			t.Error("deploy/parley.service does not serve /var/lib/parley/parley.db, the path litestream.yml replicates")
		}
	}
	for _, doc := range []string{"docs/operations.md"} {
		b, err := os.ReadFile(filepath.Join(root, doc))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), strings.TrimSpace(string(raw))) {
			t.Errorf("%s does not quote deploy/litestream.yml as it is", doc)
		}
	}

	t.Run("Replicate", func(t *testing.T) {
		bin, err := exec.LookPath("litestream")
		if err != nil {
			t.Skip("litestream is not on PATH: the configuration was checked as YAML only")
		}
		testLitestreamReplicate(t, bin, string(raw))
	})
}

// testLitestreamReplicate runs litestream replicate on a live server's
// database with the example configuration turned to a file replica, then
// restores it and checks the copy.
func testLitestreamReplicate(t *testing.T, bin, example string) {
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	setUpSite(t, db)
	base, _ := startServer(t, "serve", "--db", db, "--addr", "127.0.0.1:0", "--no-rate-limits", "--access-log=false")
	cfg := strings.Replace(example, "/var/lib/parley/parley.db", db, 1)
	start := strings.Index(cfg, "    replica:\n")
	end := strings.Index(cfg, "\n\n")
	if start < 0 || end < start {
		t.Fatal("cannot find the replica block")
	}
	cfg = cfg[:start] + "    replica:\n      type: file\n      path: " + filepath.Join(dir, "replica") + "\n      sync-interval: 1s" + cfg[end:]
	conf := filepath.Join(dir, "litestream.yml")
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep := exec.CommandContext(ctx, bin, "replicate", "-config", conf)
	var repOut syncBuffer
	rep.Stdout, rep.Stderr = &repOut, &repOut
	if err := rep.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); rep.Wait() }()

	c := client{t: t, base: base}
	const n = 40
	for i := range n {
		code, _ := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": "https://news.example/l",
			"article_title": "L", "name": "R", "email": fmt.Sprintf("l%d@example.com", i), "body": "Replicated."}, nil)
		if code != 202 {
			t.Fatalf("submit: %d", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
	restored := filepath.Join(dir, "restored.db")
	deadline := time.Now().Add(30 * time.Second)
	for {
		time.Sleep(1500 * time.Millisecond) // past sync-interval
		os.Remove(restored)
		out, err := exec.Command(bin, "restore", "-config", conf, "-o", restored, db).CombinedOutput()
		if err == nil {
			tables, verr := sqlite.Verify(context.Background(), restored)
			if verr != nil {
				t.Fatalf("restored database: %v", verr)
			}
			for _, tr := range tables {
				if tr.Table == "comments" && tr.Rows == n {
					return
				}
			}
			err = fmt.Errorf("restored %v", tables)
		}
		if time.Now().After(deadline) {
			t.Fatalf("litestream restore never returned all %d comments: %v\n%s\nreplicate:\n%s", n, err, out, repOut.String())
		}
	}
}
