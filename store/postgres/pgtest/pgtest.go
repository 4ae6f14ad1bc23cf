// Package pgtest gives each PostgreSQL test a fresh, empty schema in the
// database named by PARLEY_TEST_POSTGRES, so tests never see each other's
// rows and may run while others use the same database.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/internal/testenv"
)

// URL creates a schema named after a random suffix and returns the test
// database's URL with search_path set to it; the schema is dropped when the
// test ends. It skips the test when PARLEY_TEST_POSTGRES is unset.
func URL(t testing.TB) string {
	t.Helper()
	base := testenv.Postgres(t)
	var b [6]byte
	rand.Read(b[:])
	schema := "parley_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect %s: %v", base, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { Drop(t, base, schema) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Drop removes a schema and everything in it, waiting for PostgreSQL to be
// back if a test restarted it.
func Drop(t testing.TB, base, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, base)
		if err == nil {
			_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
			conn.Close(ctx)
		}
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Errorf("pgtest: dropping schema %s: %v", schema, err)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
