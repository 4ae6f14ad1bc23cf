package dashboard

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/secret"
)

// scopedCounts are the queue counts of the sites an account may see: every
// site for admins and moderators without a list, the sum of theirs
// otherwise. A count that cannot be read is left out.
func (h *Handler) scopedCounts(ctx context.Context, m comment.Moderator) (map[comment.Status]int, int) {
	sites := []string{""}
	if m.Role != comment.RoleAdmin && len(m.Sites) > 0 {
		sites = m.Sites
	}
	var counts map[comment.Status]int
	flagged := 0
	for _, site := range sites {
		c, err := h.Store.CountByStatus(ctx, site)
		if err != nil {
			return nil, 0
		}
		if counts == nil {
			counts = map[comment.Status]int{}
		}
		for st, n := range c {
			counts[st] += n
		}
		if n, err := h.Store.CountFlagged(ctx, site); err == nil {
			flagged += n
		}
	}
	return counts, flagged
}

// MaxStreamsPerSession bounds the live event streams one session keeps
// open at once (a few tabs); each holds a connection and a subscription.
const MaxStreamsPerSession = 4

// streamCounter counts the open event streams of each session.
type streamCounter struct {
	mu    sync.Mutex
	count map[string]int
}

// open claims a stream for the request's session; the returned function
// releases it. CodeTooMany when the session has MaxStreamsPerSession open.
func (c *streamCounter) open(r *http.Request) (func(), error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, comment.Errorf(comment.CodeUnauthorized, "Log in first.")
	}
	key := string(secret.TokenHash(ck.Value))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.count == nil {
		c.count = map[string]int{}
	}
	if c.count[key] >= MaxStreamsPerSession {
		return nil, comment.TooMany("live streams for this session (close a tab)", 3*time.Second)
	}
	c.count[key]++
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.count[key]--; c.count[key] <= 0 {
			delete(c.count, key)
		}
	}, nil
}
