package postgres

import (
	"context"
	"slices"
	"time"
)

// listenerName is the application_name of a bus's LISTEN connection.
func listenerName(id string) string { return "parley-bus-" + id }

// unconfirmedWait is the longest Publish, counted from its start, waits
// for a peer that is not known to be alive: one that did not acknowledge
// and whose listener connection no probe has found within confirmedFor.
// It is under the promised 100 ms to leave room for the NOTIFY and the
// scheduler.
const unconfirmedWait = 80 * time.Millisecond

// Every probeEvery, while it has peers, a bus looks for their listener
// connections; a peer found within confirmedFor counts as alive.
const (
	probeEvery   = time.Second
	confirmedFor = 3 * probeEvery
)

// probeLoop drops dead peers and confirms live ones in the background, so
// that Publish knows which silent peers are worth waiting for.
func (b *Bus) probeLoop(ctx context.Context) {
	defer close(b.probeDone)
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			b.dropDeadPeers(ctx, nil)
		}
	}
}

// awaitAcks waits until every live peer acknowledged seq. After ProbeAfter
// it looks for the pending peers' listener connections in
// pg_stat_activity: a peer that died without saying goodbye (killed,
// crashed: PostgreSQL has closed its connection) is dropped and not waited
// for again. A pending peer that no probe has found connected lately is
// not waited for beyond unconfirmedWait after Publish began. A peer still
// connected but silent is waited for up to AckTimeout once, then counted
// as stalled, and not waited for until it is heard from again.
func (b *Bus) awaitAcks(ctx context.Context, kind string, seq uint64, all chan struct{}, start time.Time) error {
	probe := time.NewTimer(b.ProbeAfter)
	defer probe.Stop()
	capTimer := time.NewTimer(unconfirmedWait - time.Since(start))
	defer capTimer.Stop()
	deadline := time.NewTimer(b.AckTimeout)
	defer deadline.Stop()
	probed := make(chan []string, 1)
	pending := func() []string {
		b.pmu.Lock()
		defer b.pmu.Unlock()
		var ps []string
		for p := range b.waiting[seq] {
			ps = append(ps, p)
		}
		return ps
	}
	for {
		select {
		case <-all:
			return nil
		case <-ctx.Done():
			return nil
		case <-probe.C:
			go func() { probed <- b.dropDeadPeers(ctx, pending()) }()
		case <-probed:
		case <-capTimer.C:
			now := time.Now()
			var unconfirmed []string
			b.pmu.Lock()
			for p := range b.waiting[seq] {
				if now.Sub(b.confirmed[p]) > confirmedFor {
					unconfirmed = append(unconfirmed, p)
				}
			}
			b.pmu.Unlock()
			b.release(seq, unconfirmed)
		case <-deadline.C:
			b.pmu.Lock()
			var stalled []string
			for p := range b.waiting[seq] {
				b.stalled[p] = true
				stalled = append(stalled, p)
			}
			b.pmu.Unlock()
			b.logger.Warn("peers did not acknowledge a notice in time; not waiting for them until they answer",
				"kind", kind, "timeout", b.AckTimeout, "peers", stalled)
			return nil
		}
	}
}

// release stops waiting for peers' acknowledgements of seq.
func (b *Bus) release(seq uint64, peers []string) {
	b.pmu.Lock()
	defer b.pmu.Unlock()
	pending := b.waiting[seq]
	if pending == nil {
		return
	}
	for _, p := range peers {
		delete(pending, p)
	}
	if len(pending) == 0 {
		close(b.acked[seq])
		delete(b.waiting, seq)
	}
}

// dropDeadPeers forgets the peers among candidates (every known peer when
// nil) whose listener connection is gone from pg_stat_activity, and stops
// waiting for their acknowledgements. It returns the candidates found
// connected (none when the probe could not tell).
func (b *Bus) dropDeadPeers(ctx context.Context, candidates []string) []string {
	if candidates == nil {
		b.pmu.Lock()
		for p := range b.peers {
			candidates = append(candidates, p)
		}
		b.pmu.Unlock()
	}
	if len(candidates) == 0 {
		return nil
	}
	names := []string{listenerName(b.id)}
	for _, p := range candidates {
		names = append(names, listenerName(p))
	}
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	rows, err := b.store.pool.Query(pctx, `SELECT DISTINCT application_name FROM pg_stat_activity WHERE application_name = ANY($1)`, names)
	if err != nil {
		return nil // cannot tell
	}
	var connected []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			connected = append(connected, n)
		}
	}
	rows.Close()
	if rows.Err() != nil || !slices.Contains(connected, listenerName(b.id)) {
		return nil // our own listener is not visible (reconnecting, or no right to see it): the probe proves nothing
	}
	b.pmu.Lock()
	defer b.pmu.Unlock()
	var alive []string
	now := time.Now()
	for _, p := range candidates {
		if slices.Contains(connected, listenerName(p)) {
			alive = append(alive, p)
			if _, known := b.peers[p]; known {
				b.confirmed[p] = now
			}
			continue
		}
		if _, known := b.peers[p]; known {
			b.logger.Warn("peer instance is gone (its listener connection closed without a goodbye); no longer waiting for it", "peer", p)
		}
		delete(b.peers, p)
		delete(b.stalled, p)
		delete(b.confirmed, p)
		b.ackFrom(p, 0, true)
	}
	return alive
}
