package desk

import (
	"context"
	"sync"
	"time"

	"github.com/parleyhq/parley/comment"
)

// SiteRecentMaxAge is how long an instance reuses a site's recent comments
// for the campaign rule before reading them again. The campaign rule
// compares each new comment with up to a hundred recent ones of its site;
// reading those on every submission was the largest part of a
// submission's cost. Between reads the instance adds what it accepted
// itself, so only comments that reached another instance in the last
// SiteRecentMaxAge go uncompared, and a campaign's later comments still
// see them.
const SiteRecentMaxAge = 250 * time.Millisecond

// siteRecentLimit is how many of a site's recent comments the campaign
// rule compares with.
const siteRecentLimit = 100

// siteWindows keeps each site's recent comments, with their texts, newest
// first.
type siteWindows struct {
	mu    sync.Mutex
	sites map[string]*siteWindow
}

type siteWindow struct {
	since   time.Time // the oldest creation time the read covered
	read    time.Time // when it was read (the monotonic clock)
	recent  []comment.Recent
	reading chan struct{} // closed when a read under way ends
}

// siteRecent returns a site's comments created at or after since, newest
// first, at most siteRecentLimit: from the window this instance keeps when
// it was read less than SiteRecentMaxAge ago and covers since, otherwise
// read again from the store (one read per site at a time; the others wait
// for it).
func (d *Desk) siteRecent(ctx context.Context, siteID string, since time.Time) ([]comment.Recent, error) {
	w := &d.windows
	for {
		w.mu.Lock()
		if w.sites == nil {
			w.sites = map[string]*siteWindow{}
		}
		sw := w.sites[siteID]
		if sw != nil && sw.reading == nil && time.Since(sw.read) < SiteRecentMaxAge && !since.Before(sw.since) {
			out := make([]comment.Recent, 0, len(sw.recent))
			for _, r := range sw.recent {
				if r.CreatedAt.Before(since) {
					break
				}
				out = append(out, r)
			}
			w.mu.Unlock()
			return out, nil
		}
		if sw != nil && sw.reading != nil {
			ch := sw.reading
			w.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		w.sites[siteID] = &siteWindow{reading: ch}
		w.mu.Unlock()
		recent, err := d.Store.RecentComments(ctx, comment.RecentQuery{SiteID: siteID, Since: since, Bodies: true, Limit: siteRecentLimit})
		w.mu.Lock()
		if err != nil {
			delete(w.sites, siteID)
		} else {
			w.sites[siteID] = &siteWindow{since: since, read: time.Now(), recent: recent}
		}
		close(ch)
		w.mu.Unlock()
		return recent, err
	}
}

// addRecent adds a comment this instance accepted to its site's window,
// so that the next submissions compare with it before the window is read
// again.
func (d *Desk) addRecent(c *comment.Comment) {
	if c.RevisionOf != 0 {
		return
	}
	w := &d.windows
	w.mu.Lock()
	defer w.mu.Unlock()
	sw := w.sites[c.SiteID]
	if sw == nil || sw.reading != nil {
		return
	}
	r := comment.Recent{ID: c.ID, EmailHMAC: c.EmailHMAC, Status: c.Status, CreatedAt: c.CreatedAt, Body: c.Body}
	// Newest first; a comment created a little before the newest kept
	// (submissions overlap) goes in its place.
	i := 0
	for i < len(sw.recent) && (sw.recent[i].CreatedAt.After(r.CreatedAt) ||
		sw.recent[i].CreatedAt.Equal(r.CreatedAt) && sw.recent[i].ID > r.ID) {
		i++
	}
	recent := make([]comment.Recent, 0, min(len(sw.recent)+1, siteRecentLimit))
	recent = append(recent, sw.recent[:i]...)
	recent = append(recent, r)
	recent = append(recent, sw.recent[i:]...)
	sw.recent = recent[:min(len(recent), siteRecentLimit)]
}
