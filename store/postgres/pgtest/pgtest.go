// Package pgtest gives each PostgreSQL test a fresh, empty schema in the
// database named by PARLEY_TEST_POSTGRES, so tests never see each other's
// rows and may run while others use the same database.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/internal/testenv"
)

// URL creates a schema named after a random suffix and returns the test
// database's URL with search_path set to it; the schema is dropped when the
// test ends. It skips the test when PARLEY_TEST_POSTGRES is unset.
//
// Every test holding a URL holds a shared lock that Restart waits for, so
// that a restart in one package's tests cannot break another's running at
// the same time (go test runs packages in parallel).
func URL(t testing.TB) string {
	t.Helper()
	base := testenv.Postgres(t)
	lock(t, syscall.LOCK_SH)
	return schemaURL(t, base)
}

// ExclusiveURL is URL for a test that restarts PostgreSQL: it waits until
// no other test process uses the database and keeps others waiting until it
// ends.
func ExclusiveURL(t testing.TB) string {
	t.Helper()
	base := testenv.Postgres(t)
	lock(t, syscall.LOCK_EX)
	return schemaURL(t, base)
}

// lock takes a flock on a file shared by every test process of this
// machine, released when the test ends.
func lock(t testing.TB, how int) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "parley-pgtest.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		t.Fatalf("pgtest: lock: %v", err)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}

func schemaURL(t testing.TB, base string) string {
	t.Helper()
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

// Restart restarts the local PostgreSQL cluster (pg_ctlcluster, as CI's
// machine has it) and returns once it accepts connections again. The test
// must hold ExclusiveURL. It skips unless the test database is on this
// machine and pg_ctlcluster is present; at the end of the test PostgreSQL is
// started again if it is down, whatever happened.
func Restart(t testing.TB) {
	t.Helper()
	version := Cluster(t)
	t.Cleanup(func() { ensureUp(t, version) })
	out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast").CombinedOutput()
	if err != nil {
		t.Fatalf("pg_ctlcluster restart: %v\n%s", err, out)
	}
	waitUp(t)
}

// Cluster returns the local cluster's version for pg_ctlcluster, skipping
// the test when PostgreSQL cannot be restarted from here.
func Cluster(t testing.TB) string {
	t.Helper()
	base := testenv.Postgres(t)
	u, err := url.Parse(base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") {
		t.Skip("PostgreSQL restart test: the test database is not on this machine")
	}
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		t.Skip("PostgreSQL restart test: pg_ctlcluster not found")
	}
	entries, err := os.ReadDir("/etc/postgresql")
	if err != nil || len(entries) == 0 {
		t.Skip("PostgreSQL restart test: no cluster in /etc/postgresql")
	}
	return entries[0].Name()
}

func waitUp(t testing.TB) {
	t.Helper()
	base := testenv.Postgres(t)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, base)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("PostgreSQL is not back after a minute: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func ensureUp(t testing.TB, version string) {
	if err := exec.Command("pg_isready", "-q", "-h", "127.0.0.1").Run(); err == nil {
		return
	}
	out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start").CombinedOutput()
	if err != nil && !strings.Contains(string(out), "already running") {
		t.Errorf("starting PostgreSQL again: %v\n%s", err, out)
	}
	waitUp(t)
}
