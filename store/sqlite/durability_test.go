package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// The README promises synchronous=FULL "checked at start": Open sets it on
// every connection and refuses a database where it did not take.
func TestSynchronousFull(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, db := range []string{"writer", "reader"} {
		conn := s.w
		if db == "reader" {
			conn = s.r
		}
		var v int
		if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&v); err != nil || v != 2 {
			t.Errorf("%s: synchronous = %d, %v; want 2 (FULL)", db, v, err)
		}
	}

	weak := []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(NORMAL)"}
	_, err = open(ctx, filepath.Join(t.TempDir(), "weak.db"), weak)
	if err == nil || !strings.Contains(err.Error(), "synchronous") {
		t.Fatalf("open with synchronous=NORMAL: %v; want a refusal naming synchronous", err)
	}
}
