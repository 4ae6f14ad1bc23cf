// Package testenv tells tests where the shared data is and whether the
// optional PostgreSQL and browser tests should run. Tests skip with a
// one-line reason when what they need is absent; under CI (CI set) anything
// missing is a failure instead, so that CI can never pass on an empty run.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// CI reports whether the tests run in CI (the CI variable is set), where a
// missing database, browser or data set fails the test instead of skipping.
func CI() bool { return os.Getenv("CI") != "" }

// ModuleRoot returns the directory holding go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// Missing skips the test with reason, or fails it under CI.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if CI() {
		t.Fatalf("%s: required in CI", reason)
	}
	t.Skip(reason)
}

// DataDir returns the shared data directory (PARLEY_DATA_DIR, default
// ../shared/data from the module root), skipping the test when absent.
func DataDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("PARLEY_DATA_DIR")
	if dir == "" {
		dir = filepath.Join(ModuleRoot(t), "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		Missing(t, "shared data not found at "+dir+" (set PARLEY_DATA_DIR)")
	}
	return dir
}

// Browser skips the test unless PARLEY_TEST_BROWSER=1.
func Browser(t testing.TB) {
	t.Helper()
	if os.Getenv("PARLEY_TEST_BROWSER") != "1" {
		Missing(t, "browser test: set PARLEY_TEST_BROWSER=1 (needs Chromium)")
	}
}

// Postgres returns the DSN in PARLEY_TEST_POSTGRES, skipping when unset.
func Postgres(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("PARLEY_TEST_POSTGRES")
	if dsn == "" {
		Missing(t, "PostgreSQL test: set PARLEY_TEST_POSTGRES to a DSN")
	}
	return dsn
}
