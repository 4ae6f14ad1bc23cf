package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Bus carries notices between the instances sharing a database over
// PostgreSQL LISTEN/NOTIFY. It implements httpapi.Bus (declared there; this
// package does not import it).
//
// Every notice is one NOTIFY on a channel named after the schema, whose
// payload is the JSON envelope {"kind", "from", "seq", "data"}; data is the
// publisher's own JSON, so any kind of notice (a changed thread, a dashboard
// event) rides the same channel.
//
// Delivery is acknowledged, so that a change is visible everywhere once
// Publish returns: Publish delivers to this instance's subscribers itself,
// sends the notice, and waits (up to AckTimeout) until every live peer has
// delivered it to its own subscribers and answered with an ack. Peers are
// the instances heard from within the last peerTTL; each says hello when it
// starts listening and every heartbeat after, and goodbye when it closes.
//
// A dedicated connection LISTENs and reconnects after loss; after a
// reconnection it delivers a "reset" notice locally, because notices sent
// while it was away are lost.
type Bus struct {
	store   *Store
	channel string
	id      string
	logger  *slog.Logger
	// AckTimeout bounds how long Publish waits for peers that are still
	// connected; default a second. A peer that lets it pass is stalled.
	AckTimeout time.Duration
	// ProbeAfter is when Publish, still waiting, looks for the pending
	// peers' listener connections in pg_stat_activity; a peer without one
	// is dead and no longer waited for. Default 50 ms.
	ProbeAfter time.Duration

	mu   sync.RWMutex
	next int
	subs map[int]func(string, json.RawMessage)

	pmu     sync.Mutex
	seq     uint64
	peers   map[string]time.Time // peer id → last heard
	stalled map[string]bool      // peers that let AckTimeout pass, until heard again
	// confirmed is when a probe last found a peer's listener connection.
	confirmed map[string]time.Time
	waiting   map[uint64]map[string]bool // seq → peers yet to ack
	acked     map[uint64]chan struct{}   // seq → closed when all acked

	cancel    context.CancelFunc
	done      chan struct{}
	probeDone chan struct{}
}

// envelope is a notice on the wire.
type envelope struct {
	Kind string          `json:"kind"`
	From string          `json:"from"`
	Seq  uint64          `json:"seq,omitempty"`
	To   string          `json:"to,omitempty"` // acks only
	Data json.RawMessage `json:"data,omitempty"`
}

// The bus's own kinds; subscribers never see them.
const (
	kindAck   = "_ack"
	kindHello = "_hello"
	kindBye   = "_bye"
)

// ResetKind is the kind of the notice the Bus delivers locally after its
// listener reconnected. It equals httpapi.NoticeReset.
const ResetKind = "reset"

// cliSender is the sender of notices from Store.Notify.
const cliSender = "cli"

const (
	maxPayload = 7800 // NOTIFY takes 8000 bytes, less the envelope
	heartbeat  = 10 * time.Second
	peerTTL    = 3 * heartbeat
)

// NewBus starts listening and returns once the listener is connected (or
// ctx ends). Close stops it.
func NewBus(ctx context.Context, s *Store, logger *slog.Logger) (*Bus, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var id [8]byte
	rand.Read(id[:])
	bctx, cancel := context.WithCancel(context.Background())
	b := &Bus{
		store: s, channel: "parley_" + s.schema, id: hex.EncodeToString(id[:]), logger: logger,
		AckTimeout: time.Second, ProbeAfter: 50 * time.Millisecond,
		subs: map[int]func(string, json.RawMessage){}, peers: map[string]time.Time{}, stalled: map[string]bool{}, confirmed: map[string]time.Time{},
		waiting: map[uint64]map[string]bool{}, acked: map[uint64]chan struct{}{},
		cancel: cancel, done: make(chan struct{}), probeDone: make(chan struct{}),
	}
	ready := make(chan struct{})
	go b.listen(bctx, ready)
	go b.probeLoop(bctx)
	select {
	case <-ready:
		return b, nil
	case <-ctx.Done():
		b.Close()
		return nil, fmt.Errorf("postgres: bus: %w", ctx.Err())
	}
}

// Close says goodbye to the peers and stops the listener.
func (b *Bus) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	b.notify(ctx, b.store.pool, envelope{Kind: kindBye, From: b.id})
	b.cancel()
	<-b.done
	<-b.probeDone
	return nil
}

// Peers returns how many other instances the bus currently hears.
func (b *Bus) Peers() int {
	b.pmu.Lock()
	defer b.pmu.Unlock()
	return len(b.livePeers(time.Now()))
}

func (b *Bus) livePeers(now time.Time) map[string]bool {
	live := map[string]bool{}
	for id, seen := range b.peers {
		switch {
		case now.Sub(seen) >= peerTTL:
			delete(b.peers, id)
			delete(b.stalled, id)
			delete(b.confirmed, id)
		case !b.stalled[id]:
			live[id] = true
		}
	}
	return live
}

// execer is a pool or a connection.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func (b *Bus) notify(ctx context.Context, q execer, e envelope) error {
	msg, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `SELECT pg_notify($1, $2)`, b.channel, string(msg))
	return err
}

// Publish delivers a notice to this instance's subscribers, sends it to the
// others and waits until each live peer acknowledged it (or AckTimeout).
func (b *Bus) Publish(ctx context.Context, kind string, payload json.RawMessage) error {
	start := time.Now()
	b.deliver(kind, payload)
	if len(payload) > maxPayload {
		return fmt.Errorf("postgres: bus: %s notice of %d bytes is over %d", kind, len(payload), maxPayload)
	}
	b.pmu.Lock()
	b.seq++
	seq := b.seq
	peers := b.livePeers(time.Now())
	var all chan struct{}
	if len(peers) > 0 {
		all = make(chan struct{})
		b.waiting[seq], b.acked[seq] = peers, all
	}
	b.pmu.Unlock()
	defer func() {
		b.pmu.Lock()
		delete(b.waiting, seq)
		delete(b.acked, seq)
		b.pmu.Unlock()
	}()
	if err := b.notify(ctx, b.store.pool, envelope{Kind: kind, From: b.id, Seq: seq, Data: payload}); err != nil {
		return storeErr(err, "Notice")
	}
	if all == nil {
		return nil
	}
	return b.awaitAcks(ctx, kind, seq, all, start)
}

// Broadcast is Publish without waiting for acknowledgements: for notices
// that need not be seen everywhere before the caller goes on (the
// dashboard's live events), at one NOTIFY's cost.
func (b *Bus) Broadcast(ctx context.Context, kind string, payload json.RawMessage) error {
	b.deliver(kind, payload)
	if len(payload) > maxPayload {
		return fmt.Errorf("postgres: bus: %s notice of %d bytes is over %d", kind, len(payload), maxPayload)
	}
	if err := b.notify(ctx, b.store.pool, envelope{Kind: kind, From: b.id, Data: payload}); err != nil {
		return storeErr(err, "Notice")
	}
	return nil
}

// Subscribe calls fn for every notice until the returned function is called.
func (b *Bus) Subscribe(fn func(kind string, payload json.RawMessage)) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

func (b *Bus) deliver(kind string, payload json.RawMessage) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		fn(kind, payload)
	}
}

// listen keeps one connection LISTENing, reconnecting with backoff.
func (b *Bus) listen(ctx context.Context, ready chan struct{}) {
	defer close(b.done)
	first := true
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := b.listenOnce(ctx, func() {
			backoff = 100 * time.Millisecond
			if first {
				first = false
				close(ready)
			} else {
				b.logger.Info("notice listener reconnected")
				b.deliver(ResetKind, nil)
			}
		})
		if ctx.Err() != nil {
			return
		}
		b.logger.Warn("notice listener lost its connection; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func (b *Bus) listenOnce(ctx context.Context, connected func()) error {
	cfg := b.store.pool.Config().ConnConfig.Copy()
	// Peers find this connection in pg_stat_activity by its name, and
	// take its absence for this instance's death.
	cfg.RuntimeParams["application_name"] = listenerName(b.id)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{b.channel}.Sanitize()); err != nil {
		return err
	}
	hello := envelope{Kind: kindHello, From: b.id}
	if err := b.notify(ctx, conn, hello); err != nil {
		return err
	}
	connected()
	lastSent := time.Now()
	for {
		// Say hello whenever this instance has been quiet for a heartbeat,
		// so that peers keep counting it.
		if time.Since(lastSent) >= heartbeat {
			if err := b.notify(ctx, conn, hello); err != nil {
				return err
			}
			lastSent = time.Now()
		}
		wctx, cancel := context.WithTimeout(ctx, heartbeat-time.Since(lastSent))
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed() {
			continue
		}
		if err != nil {
			return err
		}
		var e envelope
		if err := json.Unmarshal([]byte(n.Payload), &e); err != nil {
			b.logger.Warn("ignoring a malformed notice", "err", err)
			continue
		}
		if e.From == b.id {
			continue
		}
		if e.From == cliSender { // not a peer: deliver, never ack
			b.deliver(e.Kind, e.Data)
			continue
		}
		now := time.Now()
		answer := false
		b.pmu.Lock()
		switch e.Kind {
		case kindBye:
			delete(b.peers, e.From)
			delete(b.confirmed, e.From)
			b.ackFrom(e.From, 0, true)
		default:
			_, known := b.peers[e.From]
			b.peers[e.From] = now
			b.confirmed[e.From] = now
			delete(b.stalled, e.From) // it answers again
			if e.Kind == kindAck && e.To == b.id {
				b.ackFrom(e.From, e.Seq, false)
			}
			// A newcomer's hello is answered, so that it learns of this
			// instance now rather than at the next heartbeat.
			answer = e.Kind == kindHello && !known
		}
		b.pmu.Unlock()
		if answer {
			if err := b.notify(ctx, conn, hello); err != nil {
				return err
			}
			lastSent = time.Now()
		}
		if e.Kind == kindAck || e.Kind == kindHello || e.Kind == kindBye {
			continue
		}
		b.deliver(e.Kind, e.Data)
		if e.Seq == 0 { // a Broadcast: nobody waits
			continue
		}
		if err := b.notify(ctx, conn, envelope{Kind: kindAck, From: b.id, To: e.From, Seq: e.Seq}); err != nil {
			return err
		}
		lastSent = time.Now()
	}
}

// ackFrom records peer's ack of seq (or of everything, when it left).
// Callers hold pmu.
func (b *Bus) ackFrom(peer string, seq uint64, everything bool) {
	for s, pending := range b.waiting {
		if !everything && s != seq {
			continue
		}
		if pending[peer] {
			delete(pending, peer)
			if len(pending) == 0 {
				close(b.acked[s])
				delete(b.waiting, s)
			}
		}
	}
}

// Notify sends one notice to every listening instance without listening
// itself (for commands such as `parley article close`). Nothing waits for
// acknowledgements.
func (s *Store) Notify(ctx context.Context, kind string, payload json.RawMessage) error {
	if len(payload) > maxPayload {
		return fmt.Errorf("postgres: %s notice of %d bytes is over %d", kind, len(payload), maxPayload)
	}
	msg, err := json.Marshal(envelope{Kind: kind, From: cliSender, Data: payload})
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, "parley_"+s.schema, string(msg))
	return storeErr(err, "Notice")
}
