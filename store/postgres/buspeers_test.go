package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/store/postgres"
	"github.com/parleyhq/parley/store/postgres/pgtest"
)

// fakePeer is an instance's bus reduced to its wire behaviour: it LISTENs
// under a listener's application_name and says hello, but never
// acknowledges anything. Closing its connection is an unclean death.
func fakePeer(t *testing.T, dbURL, schema, id string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", "parley-bus-"+id)
	u.RawQuery = q.Encode()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	channel := pgx.Identifier{"parley_" + schema}.Sanitize()
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		t.Fatal(err)
	}
	hello := fmt.Sprintf(`{"kind":"_hello","from":%q}`, id)
	if _, err := conn.Exec(ctx, "SELECT pg_notify($1, $2)", "parley_"+schema, hello); err != nil {
		t.Fatal(err)
	}
	return conn
}

func waitPeers(t *testing.T, b *postgres.Bus, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for b.Peers() != n {
		if time.Now().After(deadline) {
			t.Fatalf("bus hears %d peers, want %d", b.Peers(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// An instance that dies without a goodbye never makes a publish (a
// decision's cache drop) wait more than 100 ms, not even the first one
// after its death; the live peer still has every notice delivered before
// Publish returns.
func TestBusDeadPeerDoesNotDelayPublish(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	sa, sb := open(t, dbURL), open(t, dbURL)
	defer sa.Close()
	defer sb.Close()
	a, err := postgres.NewBus(ctx, sa, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.NewBus(ctx, sb, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var mu sync.Mutex
	seen := map[string]bool{}
	b.Subscribe(func(kind string, payload json.RawMessage) {
		mu.Lock()
		seen[string(payload)] = true
		mu.Unlock()
	})
	waitPeers(t, a, 1)

	// What a publish costs on this machine at this moment with only the
	// live peer to wait for: the NOTIFY, the peer's acknowledgement and the
	// scheduler. A publish with a dead peer is allowed 100 ms beyond the
	// slowest of these, for on a loaded machine (load 15 and more) the
	// scheduler alone can add tens of milliseconds to any wait. The slack
	// is capped well under AckTimeout (1 s), so that a bus that waits for
	// the dead peer's acknowledgement always fails.
	var baseline time.Duration
	for i := range 5 {
		start := time.Now()
		if err := a.Publish(ctx, "thread", json.RawMessage(fmt.Sprintf(`{"before":%d}`, i))); err != nil {
			t.Fatal(err)
		}
		baseline = max(baseline, time.Since(start))
	}

	dead := fakePeer(t, dbURL, sa.Schema(), "deadbeefdeadbeef")
	waitPeers(t, a, 2)

	// The first publish after the death may wait for a pg_stat_activity
	// probe's answer; on a loaded database that takes long. Time one such
	// query to know how long.
	probeStart := time.Now()
	var n int
	if err := dead.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = ANY($1)", []string{"x"}).Scan(&n); err != nil {
		t.Fatal(err)
	}
	probe := time.Since(probeStart)
	slack := min(max(baseline, 2*probe), 400*time.Millisecond)
	limit := 100*time.Millisecond + slack
	t.Logf("a publish to the live peer alone took at most %v, a probe query %v: limit %v", baseline, probe, limit)

	dead.Close(ctx) // killed: its connection closes, no goodbye
	for i := range 5 {
		payload := json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))
		start := time.Now()
		if err := a.Publish(ctx, "thread", payload); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		mu.Lock()
		got := seen[string(payload)]
		mu.Unlock()
		if !got {
			t.Errorf("publish %d returned before the live peer delivered it", i)
		}
		if took > limit {
			t.Errorf("publish %d with a dead peer took %v, want at most %v (100 ms beyond the slowest publish without it, %v, or twice a probe query, %v)", i, took, limit, baseline, probe)
		}
		t.Logf("publish %d: %v", i, took)
	}
	if n := a.Peers(); n != 1 {
		t.Errorf("bus hears %d peers after the death, want the live one", n)
	}
}

// A peer that stops answering but keeps its connection open (hung) is
// waited for once, up to AckTimeout, and then not again until it speaks.
func TestBusStalledPeerWaitedForOnce(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	sa := open(t, dbURL)
	defer sa.Close()
	a, err := postgres.NewBus(ctx, sa, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.AckTimeout = 300 * time.Millisecond
	hung := fakePeer(t, dbURL, sa.Schema(), "0123456789abcdef")
	defer hung.Close(ctx)
	waitPeers(t, a, 1)

	start := time.Now()
	a.Publish(ctx, "thread", json.RawMessage(`{}`))
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("first publish took %v: a connected peer was not waited for", took)
	}
	for i := range 3 {
		start := time.Now()
		a.Publish(ctx, "thread", json.RawMessage(`{}`))
		if took := time.Since(start); took > 100*time.Millisecond {
			t.Errorf("publish %d after the stall took %v, want at most 100 ms", i, took)
		}
	}
}
