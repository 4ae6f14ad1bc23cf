package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// docs/benchmarks.md tells how to rerun parley bench: every command line it
// shows must parse, and its table must name only real workloads, all of
// them.
func TestBenchmarksDoc(t *testing.T) {
	raw, err := os.ReadFile("../../docs/benchmarks.md")
	if err != nil {
		t.Fatal(err)
	}
	var commands int
	seen := map[string]bool{}
	for line := range strings.SplitSeq(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "parley bench"); ok {
			commands++
			// The shell's part (comments, redirections) is not parley's.
			if i := strings.IndexAny(rest, "#>|&"); i >= 0 {
				rest = rest[:i]
			}
			args := strings.Fields(rest)
			var out bytes.Buffer
			if _, err := parseBench(env{getenv: func(string) string { return "" }, stdout: &out, stderr: &out}, args); err != nil {
				t.Errorf("docs: %q does not parse: %v", line, err)
			}
		}
		if cells := strings.Split(line, "|"); len(cells) > 2 && strings.HasPrefix(line, "|") {
			name := strings.Trim(strings.TrimSpace(cells[1]), "`")
			for _, w := range benchWorkloads {
				if name == w {
					seen[w] = true
				}
			}
		}
	}
	if commands == 0 {
		t.Error("docs/benchmarks.md shows no parley bench command")
	}
	for _, w := range benchWorkloads {
		if !seen[w] {
			t.Errorf("docs/benchmarks.md's table lacks workload %s", w)
		}
	}
}
