package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/parleyhq/parley/events"
)

// NoticeEvent is the Bus kind that carries a dashboard event (an
// events.Event as JSON) between instances.
const NoticeEvent = "event"

// BusEvents is events.Events over a Bus: an event published on any
// instance reaches the subscribers (the moderators' live dashboards) on
// every instance. Publishing never blocks its caller: events queue (up to
// 256) for one goroutine that hands them to the Bus in order; past that
// they are dropped, as a slow subscriber's are, and dashboards reload.
type BusEvents struct {
	bus    Bus
	local  *events.Broadcaster
	queue  chan events.Event
	logger *slog.Logger
}

var _ events.Events = (*BusEvents)(nil)

// broadcaster is a Bus that can also send without waiting for every
// instance to acknowledge (postgres.Bus).
type broadcaster interface {
	Broadcast(ctx context.Context, kind string, payload json.RawMessage) error
}

// NewBusEvents subscribes to bus and starts the publishing goroutine, which
// lives as long as the process.
func NewBusEvents(bus Bus, logger *slog.Logger) *BusEvents {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	b := &BusEvents{bus: bus, local: events.NewBroadcaster(), queue: make(chan events.Event, 256), logger: logger}
	bus.Subscribe(func(kind string, payload json.RawMessage) {
		if kind != NoticeEvent {
			return
		}
		var e events.Event
		if err := json.Unmarshal(payload, &e); err != nil {
			b.logger.Warn("ignoring a malformed event notice", "err", err)
			return
		}
		b.local.Publish(e)
	})
	send := bus.Publish
	if bc, ok := bus.(broadcaster); ok {
		send = bc.Broadcast // events need no acknowledgement
	}
	go func() {
		for e := range b.queue {
			payload, _ := json.Marshal(e)
			// The Bus delivers to this instance's subscribers itself.
			if err := send(context.Background(), NoticeEvent, payload); err != nil {
				b.logger.Warn("publishing an event failed", "err", err)
			}
		}
	}()
	return b
}

// Publish queues e for every instance's subscribers.
func (b *BusEvents) Publish(e events.Event) {
	select {
	case b.queue <- e:
	default:
		b.logger.Warn("event queue full; dropping an event", "kind", e.Kind)
	}
}

// Subscribe returns this instance's channel of events from every instance,
// closed when ctx ends.
func (b *BusEvents) Subscribe(ctx context.Context) <-chan events.Event {
	return b.local.Subscribe(ctx)
}
