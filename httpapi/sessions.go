package httpapi

import (
	"context"
	"time"
)

// SweepSessions runs until ctx ends, deleting expired sessions every
// interval (and once at start), so that the table holds live logins only.
func (s *Server) SweepSessions(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		n, err := s.Store.DeleteExpiredSessions(ctx, s.Now())
		if err != nil && ctx.Err() == nil {
			s.Logger.Warn("deleting expired sessions failed", "err", err)
		} else if n > 0 {
			s.Logger.Debug("deleted expired sessions", "sessions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
