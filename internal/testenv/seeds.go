package testenv

import (
	"bufio"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// HostileStrings returns the shared data's strings that break input
// handling: the Big List of Naughty Strings and the XSS payload list, read
// from the data directory at run time (never copied into the repository),
// for seeding fuzz targets and table tests. When the data is absent it
// returns nothing and logs why (a fuzz target still has its own seeds);
// under CI the absence fails the test.
//
// While fuzzing (go test -fuzz) it returns an even sample of about 300 of
// them: the fuzzer replays every seed before it starts mutating, and the
// whole list would use up a short budget (CI's 10 s) on replay alone. Plain
// `go test` runs every seed as a test case.
func HostileStrings(t testing.TB) []string {
	out := hostileStrings(t)
	if Fuzzing() && len(out) > 300 {
		step := len(out) / 300
		sample := make([]string, 0, 301)
		for i := 0; i < len(out); i += step {
			sample = append(sample, out[i])
		}
		return sample
	}
	return out
}

// Fuzzing reports whether the test binary runs with -test.fuzz.
func Fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

func hostileStrings(t testing.TB) []string {
	t.Helper()
	dir := os.Getenv("PARLEY_DATA_DIR")
	if dir == "" {
		dir = filepath.Join(ModuleRoot(t), "..", "shared", "data")
	}
	blns := filepath.Join(dir, "naughty-strings", "blns.json")
	xss := filepath.Join(dir, "xss-payloads", "xss-payload-list.txt")
	raw, err := os.ReadFile(blns)
	if err != nil {
		if CI() {
			t.Fatalf("%v: required in CI (set PARLEY_DATA_DIR)", err)
		}
		t.Logf("no hostile seeds: %v (set PARLEY_DATA_DIR)", err)
		return nil
	}
	var out []string
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %v", blns, err)
	}
	f, err := os.Open(xss)
	if err != nil {
		if CI() {
			t.Fatalf("%v: required in CI", err)
		}
		t.Logf("no XSS seeds: %v", err)
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); line != "" {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", xss, err)
	}
	return out
}
