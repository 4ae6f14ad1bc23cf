package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// parley bench --json runs every workload against its own server on a
// fresh data set and reports each with its figures, in the documented shape.
func TestBenchJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("drives load for a few seconds")
	}
	var out, errOut bytes.Buffer
	args := []string{"bench", "--json", "--duration", "300ms", "--concurrency", "4",
		"--articles", "5", "--max-comments", "40", "--pending", "30"}
	if err := run(context.Background(), args, envFrom(nil), strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	// The document's keys, exactly as the issue names them.
	var doc struct {
		Machine   map[string]any   `json:"machine"`
		Workloads []map[string]any `json:"workloads"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, out.String())
	}
	if doc.Machine["cpus"] == nil || doc.Machine["go"] == nil || doc.Machine["store"] != "sqlite" {
		t.Errorf("machine = %v", doc.Machine)
	}
	var names []string
	for _, w := range doc.Workloads {
		name, _ := w["name"].(string)
		names = append(names, name)
		for _, k := range []string{"rps", "p50_ms", "p99_ms", "p999_ms", "errors"} {
			if _, ok := w[k].(float64); !ok {
				t.Errorf("%s: %s missing or not a number: %v", name, k, w)
			}
		}
		rps, p50, p99, p999 := w["rps"].(float64), w["p50_ms"].(float64), w["p99_ms"].(float64), w["p999_ms"].(float64)
		if rps <= 0 || p50 <= 0 || p50 > p99 || p99 > p999 {
			t.Errorf("%s: implausible figures %v", name, w)
		}
		if w["errors"].(float64) != 0 {
			t.Errorf("%s: %v errors\n%s", name, w["errors"], errOut.String())
		}
	}
	if got, want := strings.Join(names, ","), strings.Join(benchWorkloads, ","); got != want {
		t.Errorf("workloads = %s, want %s", got, want)
	}
	// Progress went to stderr, not into the JSON.
	if !strings.Contains(errOut.String(), "seeding") {
		t.Errorf("no progress on stderr: %q", errOut.String())
	}
}

// --workloads picks some; an unknown name is a usage error naming it.
func TestBenchWorkloadsFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"bench", "--workloads", "hot-thread,nope"}, envFrom(nil), strings.NewReader(""), &out, &errOut)
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("unknown workload: %v", err)
	}
	err = run(context.Background(), []string{"bench", "--target", "http://127.0.0.1:1"}, envFrom(nil), strings.NewReader(""), &out, &errOut)
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "--db") {
		t.Fatalf("--target without --db: %v", err)
	}
	if testing.Short() {
		return
	}
	out.Reset()
	args := []string{"bench", "--workloads", "hot-thread,static-file", "--duration", "200ms", "--concurrency", "2",
		"--articles", "2", "--max-comments", "10", "--pending", "0"}
	if err := run(context.Background(), args, envFrom(nil), strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"hot-thread", "static-file", "hot-thread / static-file:", "p99.9 ms"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "random-threads") {
		t.Errorf("an unpicked workload ran:\n%s", out.String())
	}
}
