package mail

import (
	"context"
	"sync"
)

// Catcher is the mail catcher of `parley demo`: a Transport that keeps the
// last messages in memory instead of sending them, so that the dashboard's
// Mail page shows every message without a mail server.
type Catcher struct {
	mu   sync.Mutex
	msgs []Message
}

// CatcherKeeps is how many messages a Catcher keeps.
const CatcherKeeps = 500

// Deliver keeps m.
func (c *Catcher) Deliver(_ context.Context, m Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, m)
	if len(c.msgs) > CatcherKeeps {
		c.msgs = c.msgs[len(c.msgs)-CatcherKeeps:]
	}
	return nil
}

// Messages returns the messages caught, oldest first.
func (c *Catcher) Messages() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.msgs...)
}
