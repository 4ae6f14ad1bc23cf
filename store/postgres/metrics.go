package postgres

import (
	"context"
	"time"

	"github.com/parleyhq/parley/comment"
)

// OldestPending implements comment.MetricsStore. Each minimum is one lookup
// at the start of comments_site_queue (site, status, flagged, created_at):
// one for unflagged comments and one for flagged ones, so the cost does not
// grow with the queue.
func (s *Store) OldestPending(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.pool.Query(ctx, `SELECT s.id, LEAST(
		(SELECT MIN(created_at) FROM comments WHERE site_id = s.id AND status = 'pending' AND NOT flagged),
		(SELECT MIN(created_at) FROM comments WHERE site_id = s.id AND status = 'pending' AND flagged))
		FROM sites s`)
	if err != nil {
		return nil, storeErr(err, "Queue")
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var site string
		var oldest *time.Time
		if err := rows.Scan(&site, &oldest); err != nil {
			return nil, storeErr(err, "Queue")
		}
		if oldest != nil {
			out[site] = utc(*oldest)
		}
	}
	return out, storeErr(rows.Err(), "Queue")
}

// PoolStats implements comment.MetricsStore: pgx's one pool.
func (s *Store) PoolStats() []comment.PoolStats {
	st := s.pool.Stat()
	return []comment.PoolStats{{Name: "pool", MaxOpen: int(st.MaxConns()), Open: int(st.TotalConns()),
		InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()),
		WaitCount: st.EmptyAcquireCount(), WaitDuration: st.EmptyAcquireWaitTime()}}
}
