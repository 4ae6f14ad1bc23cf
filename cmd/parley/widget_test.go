package main

import (
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/widget"
)

// `parley serve` serves the widget a newsroom embeds, at the stable address
// and at the hashed one.
func TestServeWidget(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "migrate", "--db", db)
	base, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn")
	for path, cache := range map[string]string{"/embed.js": widget.StableCache, widget.Path(): widget.ImmutableCache} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != string(widget.Script()) || resp.Header.Get("Cache-Control") != cache {
			t.Errorf("GET %s: %d, %d bytes, Cache-Control %q", path, resp.StatusCode, len(body), resp.Header.Get("Cache-Control"))
		}
	}
}
