package postgres_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/parleyhq/parley/events"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/store/postgres"
)

// The dashboard's live events ride the bus: a moderator watching instance
// A sees a comment submitted to B and B's decision on it, as they happen.
func TestLiveEventsAcrossInstances(t *testing.T) {
	c := newCluster(t)
	start := func() (*instance, *httpapi.BusEvents) {
		s := open(t, c.dbURL)
		bus, err := postgres.NewBus(context.Background(), s, nil)
		if err != nil {
			t.Fatal(err)
		}
		live := httpapi.NewBusEvents(bus, nil)
		api := httpapi.New(httpapi.Config{Store: s, Keys: c.keys, NoRateLimits: true, Bus: bus, Events: live})
		srv := httptest.NewServer(api)
		t.Cleanup(func() { srv.Close(); api.Close(); bus.Close(); s.Close() })
		return &instance{t: t, url: srv.URL, token: c.token, store: s, bus: bus, api: api}, live
	}
	a, liveA := start()
	b, _ := start()
	hearEachOther(t, a, b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watch := liveA.Subscribe(ctx)

	code, id := b.submit("Submitted to B.")
	if code != 202 {
		t.Fatalf("submit to B: %d", code)
	}
	if code := b.call("POST", fmt.Sprintf("/api/v1/admin/comments/%d/reject", id), map[string]any{"reason": "off_topic"}, nil); code != 200 {
		t.Fatalf("reject on B: %d", code)
	}
	want := []events.Event{
		{Kind: events.Submitted, CommentID: id, SiteID: "news", Status: "pending"},
		{Kind: events.Decided, CommentID: id, SiteID: "news", Status: "rejected", Moderator: "ann"},
	}
	for _, w := range want {
		select {
		case got := <-watch:
			if got.Kind != w.Kind || got.CommentID != w.CommentID || got.SiteID != w.SiteID || got.Status != w.Status || got.Moderator != w.Moderator {
				t.Errorf("event on A = %+v, want %+v", got, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("A's dashboard did not hear %s of comment %d on B", w.Kind, id)
		}
	}
}
