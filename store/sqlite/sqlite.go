// Package sqlite implements comment.Store on an embedded SQLite file through
// modernc.org/sqlite (pure Go, no cgo). Writes go through one connection, so
// SQLite's single writer never waits on itself; reads use a pool.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/comment"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is comment.Store over SQLite.
type Store struct {
	w     *sql.DB // one connection: every write
	r     *sql.DB // a pool: every read
	gc    *groupCommit
	reads sync.Map // query text → *sql.Stmt on r (readStmt)
}

var _ comment.Store = (*Store)(nil)

// Open opens (creating when absent) the SQLite file at path, checks that WAL
// and foreign keys really are on, and applies pending migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, pragmas)
}

// pragmas are set on every connection; check verifies they took.
var pragmas = []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(FULL)"}

func open(ctx context.Context, path string, pragmas []string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	// The file holds password hashes and email ciphertexts: create it
	// readable by its owner only, like the key (SQLite gives its -wal and
	// -shm files the database's mode).
	if !strings.HasPrefix(path, ":memory:") && !strings.HasPrefix(path, "file:") {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		f.Close()
	}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	s := &Store{w: w, r: r}
	if err := s.check(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.startGroupCommit()
	return s, nil
}

// check verifies the pragmas took: a file on a filesystem without shared
// memory would silently stay in rollback-journal mode.
func (s *Store) check(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("sqlite: journal_mode is %q, want wal", mode)
	}
	var fk int
	if err := s.r.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if fk != 1 {
		return errors.New("sqlite: foreign keys are off")
	}
	// Both pools must commit durably: 2 is FULL (0 OFF, 1 NORMAL, 3 EXTRA).
	for _, db := range []*sql.DB{s.w, s.r} {
		var sync int
		if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if sync < 2 {
			return fmt.Errorf("sqlite: synchronous is %d, want 2 (FULL)", sync)
		}
	}
	return nil
}

// Synchronous returns the synchronous setting of the writer connection
// (2 is FULL), for tests.
func (s *Store) Synchronous(ctx context.Context) (int, error) {
	var v int
	err := s.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&v)
	return v, err
}

// JournalMode returns the journal mode in force, for tests and /readyz.
func (s *Store) JournalMode(ctx context.Context) (string, error) {
	var mode string
	err := s.r.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	return mode, err
}

// Migrate applies the embedded migrations not yet recorded, each in its own
// transaction, and returns the versions it applied.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return nil, fmt.Errorf("sqlite: migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	// The versions already applied, in one read: a start on a migrated
	// database should not make one query per migration.
	done := map[int]bool{}
	rows, err := s.w.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		done[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var applied []int
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("sqlite: migration %s: name must start with a number and '_'", base)
		}
		if done[version] {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if err := s.applyMigration(ctx, version, base, string(body)); err != nil {
			return nil, err
		}
		applied = append(applied, version)
	}
	return applied, nil
}

// noForeignKeys marks a migration that rebuilds a table: SQLite's ALTER
// TABLE documentation has such a migration run with foreign keys off (they
// cannot be switched inside a transaction) and checked before it commits.
const noForeignKeys = "-- parley:foreign-keys-off"

// applyMigration runs one migration in its own transaction on the writer's
// one connection and records it.
func (s *Store) applyMigration(ctx context.Context, version int, base, body string) (err error) {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	rebuild := strings.HasPrefix(body, noForeignKeys)
	if rebuild {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return err
		}
		defer func() {
			if _, ferr := conn.ExecContext(context.Background(), "PRAGMA foreign_keys = ON"); ferr != nil && err == nil {
				err = ferr
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", base, err)
	}
	if rebuild {
		rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
		if err != nil {
			return err
		}
		bad := rows.Next()
		rows.Close()
		if bad {
			return fmt.Errorf("sqlite: migration %s: foreign key check failed", base)
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		version, base, time.Now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}

// Close closes both pools, checkpointing the WAL.
func (s *Store) Close() error {
	if s.gc != nil {
		s.stopGroupCommit()
	}
	s.reads.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	return errors.Join(s.w.Close(), s.r.Close())
}

// readStmt returns the read pool's statement for query, prepared once and
// reused (database/sql prepares it on each connection the first time it
// runs there, and a transaction's StmtContext reuses that): parsing the
// submission path's reads again on every request took about a sixth of its
// CPU. Only for the store's own query texts, never one built from data,
// which would grow the cache without bound.
func (s *Store) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.reads.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.reads.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return &comment.Error{Code: comment.CodeUnavailable, Message: "The database does not answer.", Err: err}
	}
	return nil
}

// ExplainQueryPlan returns SQLite's plan for one of the store's named reads,
// so that tests can check the indexes serve them. name is "thread_roots",
// "thread_replies", "queue" or "site_queue".
func (s *Store) ExplainQueryPlan(ctx context.Context, name string) (string, error) {
	var query string
	var args []any
	switch name {
	case "thread_roots":
		query, args = threadRootsSQL(comment.SortOldest, true), []any{int64(1), int64(0), int64(0), 10}
	case "thread_replies":
		query, args = threadRepliesSQL, []any{int64(1), "[1,2,3]"}
	case "queue":
		query, args = queueSQL(false, true), []any{"pending", 0, 0, 0, int64(0), int64(0), 10}
	case "site_queue":
		query, args = queueSQL(true, true), []any{"demo", "pending", 0, 0, 0, int64(0), int64(0), 10}
	default:
		return "", fmt.Errorf("unknown query %q", name)
	}
	rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return "", err
		}
		b.WriteString(detail)
		b.WriteByte('\n')
	}
	return b.String(), rows.Err()
}

// storeErr turns a driver error into a domain error.
func storeErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var ce *comment.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &comment.Error{Code: comment.CodeNotFound, Message: what + " not found.", Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &comment.Error{Code: comment.CodeUnavailable, Message: "The request was cancelled or timed out.", Err: err}
	}
	if se := storageErr(err); se != nil {
		return se
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "UNIQUE constraint failed"):
		return &comment.Error{Code: comment.CodeConflict, Message: what + " already exists.", Err: err}
	case strings.Contains(msg, "SQLITE_BUSY"), strings.Contains(msg, "database is locked"):
		return &comment.Error{Code: comment.CodeUnavailable, Message: "The database is busy; try again.", Err: err}
	}
	return &comment.Error{Code: comment.CodeInternal, Message: "Internal error.", Err: err}
}

func micro(t time.Time) int64 { return t.UTC().UnixMicro() }

func fromMicro(v int64) time.Time { return time.UnixMicro(v).UTC() }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Tables returns the store's tables in an order that satisfies their
// foreign keys (a table after those it references), without
// schema_migrations. `parley copy` moves them in this order.
func (s *Store) Tables(ctx context.Context) ([]string, error) {
	order := []string{"sites", "articles", "comments", "moderators", "tokens", "sessions", "audit_log", "reports", "appeals", "address_bans"}
	rows, err := s.r.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	rank := map[string]int{}
	for i, t := range order {
		rank[t] = i
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		tables = append(tables, name)
	}
	// Known tables in their order; tables added by later migrations after
	// them, by name.
	sort.SliceStable(tables, func(i, j int) bool {
		ri, iok := rank[tables[i]]
		rj, jok := rank[tables[j]]
		switch {
		case iok && jok:
			return ri < rj
		case iok != jok:
			return iok
		}
		return tables[i] < tables[j]
	})
	return tables, rows.Err()
}

// ReadTable calls fn with the column names and each row of one of Tables,
// in rowid order, with the values as SQLite holds them (times are Unix
// microseconds, booleans 0 or 1, JSON text). Stop the servers first: each
// call reads its own snapshot.
func (s *Store) ReadTable(ctx context.Context, table string, fn func(cols []string, row []any) error) error {
	tables, err := s.Tables(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(tables, table) {
		return fmt.Errorf("sqlite: no table %q", table)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT * FROM "`+table+`" ORDER BY rowid`)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(cols, vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CountRows returns how many rows a table holds.
func (s *Store) CountRows(ctx context.Context, table string) (int64, error) {
	tables, err := s.Tables(ctx)
	if err != nil {
		return 0, err
	}
	if !slices.Contains(tables, table) {
		return 0, fmt.Errorf("sqlite: no table %q", table)
	}
	var n int64
	err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM "`+table+`"`).Scan(&n)
	return n, err
}
