package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/parleyhq/parley/comment"
)

// liveEvent is what a dashboard's script hears: the change and the queue
// counts after it.
type liveEvent struct {
	Kind      string                 `json:"kind"`
	CommentID int64                  `json:"comment_id"`
	Site      string                 `json:"site"`
	Status    comment.Status         `json:"status"`
	Moderator string                 `json:"moderator,omitempty"`
	Counts    map[comment.Status]int `json:"counts"`
	Flagged   int                    `json:"flagged"`
}

// events streams queue changes as server-sent events until the client
// goes away or the session expires.
func (h *Handler) events(w http.ResponseWriter, r *http.Request, s *session) error {
	if h.Events == nil {
		return errNotFound
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		return comment.Errorf(comment.CodeInternal, "streaming unsupported")
	}
	release, err := h.streams.open(r)
	if err != nil {
		return err
	}
	defer release()
	rc := http.NewResponseController(w)
	ctx := r.Context()
	ch := h.Events.Subscribe(ctx)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n: hello\n\n")
	flusher.Flush()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		// The server's write timeout must not cut a long-lived stream.
		rc.SetWriteDeadline(time.Now().Add(time.Minute))
		select {
		case <-ctx.Done():
			return nil
		case <-h.closing:
			return nil
		case <-ping.C:
			// Re-check the session: logging out or expiring ends the stream.
			if _, err := h.session(r); err != nil {
				return nil
			}
			fmt.Fprint(w, ": ping\n\n")
		case e, ok := <-ch:
			if !ok {
				return nil
			}
			// The account's scope as it is now: an admin may have narrowed
			// it, disabled it or ended its session since the stream opened.
			now, err := h.session(r)
			if err != nil {
				return nil
			}
			s = now
			if !s.Moderator.MaySee(e.SiteID) {
				continue
			}
			le := liveEvent{Kind: string(e.Kind), CommentID: e.CommentID, Site: e.SiteID, Status: e.Status, Moderator: e.Moderator}
			// Counts are of every site the account may see.
			le.Counts, le.Flagged = h.scopedCounts(ctx, s.Moderator)
			b, _ := json.Marshal(le)
			fmt.Fprintf(w, "event: queue\ndata: %s\n\n", b)
		}
		flusher.Flush()
	}
}
