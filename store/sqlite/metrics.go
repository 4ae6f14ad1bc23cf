package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/parleyhq/parley/comment"
)

// OldestPending implements comment.MetricsStore. Each minimum is one lookup
// at the start of comments_site_queue (site, status, flagged, created_at):
// one for unflagged comments and one for flagged ones, so the cost does not
// grow with the queue.
func (s *Store) OldestPending(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.id,
		(SELECT MIN(created_at) FROM comments WHERE site_id = s.id AND status = 'pending' AND flagged = 0),
		(SELECT MIN(created_at) FROM comments WHERE site_id = s.id AND status = 'pending' AND flagged = 1)
		FROM sites s`)
	if err != nil {
		return nil, storeErr(err, "Queue")
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var site string
		var a, b sql.NullInt64
		if err := rows.Scan(&site, &a, &b); err != nil {
			return nil, storeErr(err, "Queue")
		}
		switch {
		case a.Valid && (!b.Valid || a.Int64 <= b.Int64):
			out[site] = fromMicro(a.Int64)
		case b.Valid:
			out[site] = fromMicro(b.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "Queue")
	}
	return out, nil
}

// PoolStats implements comment.MetricsStore: the single writer connection
// and the readers' pool.
func (s *Store) PoolStats() []comment.PoolStats {
	return []comment.PoolStats{poolStats("writer", s.w.Stats()), poolStats("reader", s.r.Stats())}
}

func poolStats(name string, st sql.DBStats) comment.PoolStats {
	return comment.PoolStats{Name: name, MaxOpen: st.MaxOpenConnections, Open: st.OpenConnections,
		InUse: st.InUse, Idle: st.Idle, WaitCount: st.WaitCount, WaitDuration: st.WaitDuration}
}
