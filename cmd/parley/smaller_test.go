package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoCSP: the demo page, which shares its origin with /admin/, has a
// Content-Security-Policy that forbids framing and inline script.
func TestDemoCSP(t *testing.T) {
	base, _ := startServer(t, "demo", "--addr", "127.0.0.1:0", "--dir", t.TempDir())
	resp, err := http.Get(base + "/demo/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "default-src 'self'", "base-uri 'none'", "style-src 'self' 'sha256-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("demo CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("demo CSP allows inline code: %q", csp)
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("demo X-Frame-Options = %q", resp.Header.Get("X-Frame-Options"))
	}
}

// TestDatabaseFileMode: the SQLite file holds password hashes and email
// ciphertexts, so it is created readable by its owner only, like the key.
func TestDatabaseFileMode(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "site", "list", "--db", db) // creates both
	for _, name := range []string{"parley.db", "parley.key"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v; want 0600", name, st.Mode().Perm())
		}
	}
}
