package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// At debug level a start logs how long each of its steps took, the trace
// docs/benchmarks.md reads the cold start from.
func TestStartPhasesLogged(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	_, out := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "debug")
	re := regexp.MustCompile(`msg=started flags=\S+ key=\S+ model=\S+ database=\S+ bus=\S+ metrics=\S+ api=\S+ mail=\S+ dashboard=\S+ jobs=\S+ total=(\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			if d, err := time.ParseDuration(m[1]); err != nil || d <= 0 {
				t.Errorf("total %q is not a duration", m[1])
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no started line with every step:\n%s", strings.TrimSpace(out.String()))
}
