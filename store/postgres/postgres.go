// Package postgres implements comment.Store on PostgreSQL through pgx, so
// that several identical Parley instances can share one database. It also
// carries what those instances must share besides the rows: change notices
// between them (Bus, over LISTEN/NOTIFY) and rate limits (Limiter, a token
// bucket per key in a table).
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/parleyhq/parley/comment"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is comment.Store over PostgreSQL.
type Store struct {
	pool   *pgxpool.Pool
	schema string // current_schema() of the pool's connections

	countsMu        sync.Mutex
	countsCompacted time.Time // when this instance last folded count deltas
}

var _ comment.Store = (*Store)(nil)

// IsURL reports whether a --db value names a PostgreSQL database rather
// than a SQLite file.
func IsURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Open connects to the database at url (postgres://user@host:port/db?...;
// any extra parameter such as search_path=parley becomes a session setting),
// checks it answers and applies pending migrations.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open with a parsed pool configuration.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	// A connection that died with the server is found out before use, not by
	// the request that draws it.
	cfg.HealthCheckPeriod = 5 * time.Second
	// After PostgreSQL restarts, every pooled connection is dead. Any
	// connection idle for longer than a restart takes is checked before use,
	// so that the first requests after the restart do not fail on it.
	cfg.ShouldPing = func(_ context.Context, p pgxpool.ShouldPingParams) bool { return p.IdleDuration > 100*time.Millisecond }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool}
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&s.schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Pool returns the connection pool, for the Bus, the Limiter and `parley copy`.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Schema returns the schema the store's tables live in.
func (s *Store) Schema() string { return s.schema }

// migrationLock is the advisory lock key under which migrations run, so that
// instances starting together apply each migration once.
func (s *Store) migrationLock() int64 {
	h := fnv.New64a()
	io.WriteString(h, "parley migrations "+s.schema)
	return int64(h.Sum64())
}

// Migrate applies the embedded migrations not yet recorded in
// schema_migrations, each in its own transaction, holding an advisory lock,
// and returns the versions it applied.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, storeErr(err, "Database")
	}
	defer conn.Release()
	lock := s.migrationLock()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lock); err != nil {
		return nil, fmt.Errorf("postgres: migration lock: %w", err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, lock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("postgres: migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var applied []int
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("postgres: migration %s: name must start with a number and '_'", base)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return nil, err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("postgres: migration %s: %w", base, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, version, base); err != nil {
				return err
			}
			applied = append(applied, version)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return applied, nil
}

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return &comment.Error{Code: comment.CodeUnavailable, Message: "The database does not answer.", Err: err}
	}
	return nil
}

// errUnavailable is what a request sees while PostgreSQL is away.
const unavailableMsg = "The database is unavailable; try again shortly."

// storeErr turns a driver error into a domain error.
func storeErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var ce *comment.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &comment.Error{Code: comment.CodeNotFound, Message: what + " not found.", Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &comment.Error{Code: comment.CodeUnavailable, Message: "The request was cancelled or timed out.", Err: err}
	}
	if unavailable(err) {
		return &comment.Error{Code: comment.CodeUnavailable, Message: unavailableMsg, Err: err}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return &comment.Error{Code: comment.CodeConflict, Message: what + " already exists.", Err: err}
	}
	return &comment.Error{Code: comment.CodeInternal, Message: "Internal error.", Err: err}
}

// unavailable reports whether err means the server cannot be reached or is
// going away: the request may succeed when retried later.
func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // shutdown, crash, cannot connect now
			pe.Code == "53300",                     // too many connections
			pe.Code == "40001", pe.Code == "40P01": // serialization failure, deadlock
			return true
		}
		return false
	}
	var ne net.Error
	var connectErr *pgconn.ConnectError
	if errors.As(err, &ne) || errors.As(err, &connectErr) || pgconn.Timeout(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"conn closed", "connection reset", "broken pipe", "connection refused", "closed pool", "failed to connect"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func utc(t time.Time) time.Time { return t.UTC() }

// ts rounds a time to PostgreSQL's microsecond precision the way SQLite's
// store does (truncation), so both stores answer the same.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := ts(t)
	return &v
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func nullBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
