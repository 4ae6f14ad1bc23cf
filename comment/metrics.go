package comment

import (
	"context"
	"time"
)

// PoolStats describes one database connection pool, for the metrics
// endpoint: SQLite has a writer and a reader pool, PostgreSQL one pool.
type PoolStats struct {
	// Name names the pool: "writer", "reader" or "pool".
	Name string
	// MaxOpen is the most connections the pool opens.
	MaxOpen int
	// Open, InUse and Idle count the connections now.
	Open, InUse, Idle int
	// WaitCount counts the acquisitions that had to wait, and WaitDuration
	// is their total wait, since the pool opened.
	WaitCount    int64
	WaitDuration time.Duration
}

// MetricsStore answers what the metrics endpoint asks of the database.
type MetricsStore interface {
	// OldestPending returns, for every site with pending comments, when the
	// oldest of them was submitted. Sites with none are absent. Called by
	// the metrics endpoint on every scrape, so it must stay cheap (index
	// lookups, no scan of the queue).
	OldestPending(ctx context.Context) (map[string]time.Time, error)
	// PoolStats reports the store's connection pools; it never fails.
	PoolStats() []PoolStats
}
