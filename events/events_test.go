package events

import (
	"context"
	"testing"
	"time"
)

func TestBroadcaster(t *testing.T) {
	b := NewBroadcaster()
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	s1, s2 := b.Subscribe(ctx1), b.Subscribe(ctx2)
	b.Publish(Event{Kind: Submitted, CommentID: 1})
	for i, ch := range []<-chan Event{s1, s2} {
		select {
		case e := <-ch:
			if e.CommentID != 1 || e.Kind != Submitted {
				t.Errorf("subscriber %d got %+v", i, e)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("subscriber %d got nothing", i)
		}
	}
	cancel1()
	if _, ok := <-s1; ok {
		t.Errorf("channel of an ended subscription still open")
	}
	// A full subscriber does not block Publish.
	for i := range 200 {
		b.Publish(Event{Kind: Decided, CommentID: int64(i)})
	}
	if got := (<-s2).CommentID; got != 0 {
		t.Errorf("first buffered event = %d, want 0", got)
	}
}
