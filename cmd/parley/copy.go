package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/store/postgres"
	"github.com/parleyhq/parley/store/sqlite"
)

// cmdCopy moves a SQLite installation into PostgreSQL: every row of every
// table, ids kept, in one transaction that commits only when each table's
// row count and checksum match the source's.
func cmdCopy(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "copy", "copy --from FILE --to postgres://... [--force]\n\nCopies every row of a SQLite database into PostgreSQL, keeping ids, and\nverifies each table by row count and checksum before committing. Stop the\nservers first. The target must be empty unless --force, which empties it.\nCopy the secret key file too: emails are encrypted with it.")
	from := fs.String("from", "", "the SQLite database file to copy from")
	to := fs.String("to", "", "the PostgreSQL URL to copy into, postgres://user@host:5432/db")
	force := fs.Bool("force", false, "empty the target's tables first when they hold rows")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("copy takes no arguments, got %q", pos)
	case *from == "" || postgres.IsURL(*from):
		return usagef("copy: --from must be a SQLite file")
	case !postgres.IsURL(*to):
		return usagef("copy: --to must be a postgres:// URL")
	}
	src, err := sqlite.Open(ctx, *from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, *to)
	if err != nil {
		return err
	}
	defer dst.Close()
	rep, err := copyStore(ctx, src, dst, *force, e.stderr)
	if err != nil {
		return err
	}
	for _, t := range rep {
		fmt.Fprintf(e.stdout, "%-12s %8d rows  checksum %s  ok\n", t.table, t.rows, t.checksum)
	}
	fmt.Fprintf(e.stdout, "copied %s into %s\n", *from, redactURL(*to))
	return nil
}

// derivedTables are SQLite tables computed from others (by triggers), which
// PostgreSQL computes its own way: they are not copied.
// changes holds SQLite's short-lived change notices (PostgreSQL uses
// LISTEN/NOTIFY).
var derivedTables = map[string]bool{"comment_counts": true, "changes": true}

// tableReport is one verified table.
type tableReport struct {
	table    string
	rows     int64
	checksum string
}

// copyStore copies src into dst in one transaction and verifies it.
func copyStore(ctx context.Context, src *sqlite.Store, dst *postgres.Store, force bool, progress io.Writer) ([]tableReport, error) {
	all, err := src.Tables(ctx)
	if err != nil {
		return nil, err
	}
	var tables []string
	for _, t := range all {
		if !derivedTables[t] {
			tables = append(tables, t)
		}
	}
	counts := map[string]int64{}
	var total int64
	for _, t := range tables {
		n, err := src.CountRows(ctx, t)
		if err != nil {
			return nil, err
		}
		counts[t] = n
		total += n
	}
	tx, err := dst.Pool().Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.Background())
	types := map[string]map[string]string{}
	for _, t := range tables {
		if types[t], err = columnTypes(ctx, tx, t); err != nil {
			return nil, err
		}
	}
	var nonEmpty []string
	for _, t := range tables {
		var any bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{t}.Sanitize()+`)`).Scan(&any); err != nil {
			return nil, err
		}
		if any {
			nonEmpty = append(nonEmpty, t)
		}
	}
	if len(nonEmpty) > 0 {
		if !force {
			return nil, fmt.Errorf("copy: the target is not empty (%s hold rows); pass --force to empty it first", strings.Join(nonEmpty, ", "))
		}
		ids := make([]string, len(tables))
		for i, t := range tables {
			ids[i] = pgx.Identifier{t}.Sanitize()
		}
		if _, err := tx.Exec(ctx, `TRUNCATE `+strings.Join(ids, ", ")+` RESTART IDENTITY CASCADE`); err != nil {
			return nil, err
		}
	}

	bar := &progressBar{w: progress, total: total, start: time.Now()}
	var reports []tableReport
	for _, t := range tables {
		var cols []string
		var rows [][]any
		sum := newChecksum()
		err := src.ReadTable(ctx, t, func(c []string, row []any) error {
			cols = c
			conv := make([]any, len(row))
			for i, v := range row {
				typ, ok := types[t][c[i]]
				if !ok {
					return fmt.Errorf("copy: the target's %s has no column %s (is it migrated to the same version?)", t, c[i])
				}
				cv, err := fromSQLite(v, typ)
				if err != nil {
					return fmt.Errorf("copy: %s.%s: %w", t, c[i], err)
				}
				conv[i] = cv
			}
			sum.add(conv, c, types[t])
			rows = append(rows, conv)
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(rows) > 0 {
			bar.table = t
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t}, cols, &progressRows{rows: rows, bar: bar}); err != nil {
				return nil, fmt.Errorf("copy: writing %s: %w", t, err)
			}
		}
		if types[t]["id"] == "bigint" { // an identity column
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE(max(id), 0) + 1, false) FROM `+pgx.Identifier{t}.Sanitize(), t); err != nil {
				return nil, fmt.Errorf("copy: resetting %s's id sequence: %w", t, err)
			}
		}
		// Verify from what PostgreSQL now holds, read back.
		got, n, err := targetChecksum(ctx, tx, t, cols, types[t])
		if err != nil {
			return nil, err
		}
		if n != counts[t] || n != int64(len(rows)) {
			return nil, fmt.Errorf("copy: %s: %d rows in the source, %d in the target", t, counts[t], n)
		}
		if want := sum.String(); got != want {
			return nil, fmt.Errorf("copy: %s: checksum %s in the target, %s in the source", t, got, want)
		}
		reports = append(reports, tableReport{table: t, rows: n, checksum: got})
	}
	bar.done()
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return reports, nil
}

func columnTypes(ctx context.Context, tx pgx.Tx, table string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		types[name] = typ
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(types) == 0 {
		return nil, fmt.Errorf("copy: the target has no table %s (is it migrated to the same version?)", table)
	}
	return types, nil
}

// fromSQLite converts a value as SQLite holds it to the Go value for a
// PostgreSQL column type. SQLite's conventions: times are Unix microseconds,
// booleans 0 or 1, JSON is text.
func fromSQLite(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "timestamp with time zone":
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("want Unix microseconds, got %T", v)
		}
		return time.UnixMicro(n).UTC(), nil
	case "boolean":
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("want 0 or 1, got %T", v)
		}
		return n != 0, nil
	case "double precision":
		switch n := v.(type) {
		case float64:
			return n, nil
		case int64:
			return float64(n), nil
		}
	case "bigint", "integer":
		if n, ok := v.(int64); ok {
			return n, nil
		}
	case "bytea":
		switch b := v.(type) {
		case []byte:
			return b, nil
		case string:
			return []byte(b), nil
		}
	case "text", "jsonb":
		switch s := v.(type) {
		case string:
			return s, nil
		case []byte:
			return string(s), nil
		}
	default:
		return nil, fmt.Errorf("unsupported column type %s", typ)
	}
	return nil, fmt.Errorf("cannot store %T as %s", v, typ)
}

// checksum is an order-independent digest of a table's rows: the lane-wise
// sum of each row's SHA-256, so that source and target agree whatever order
// they list rows in. Every value is put in one canonical form first (times
// as microseconds, JSON re-encoded with sorted keys).
type checksum struct{ lanes [4]uint64 }

func newChecksum() *checksum { return &checksum{} }

func (c *checksum) add(row []any, cols []string, types map[string]string) {
	h := sha256.New()
	for i, v := range row {
		io.WriteString(h, canonical(v, types[cols[i]]))
		h.Write([]byte{0})
	}
	sum := h.Sum(nil)
	for i := range c.lanes {
		c.lanes[i] += binary.BigEndian.Uint64(sum[8*i:])
	}
}

func (c *checksum) String() string {
	var b [32]byte
	for i, l := range c.lanes {
		binary.BigEndian.PutUint64(b[8*i:], l)
	}
	return hex.EncodeToString(b[:8])
}

func canonical(v any, typ string) string {
	if v == nil {
		return "\x01null"
	}
	if typ == "jsonb" {
		var x any
		switch j := v.(type) {
		case string:
			if err := json.Unmarshal([]byte(j), &x); err != nil {
				return "\x01bad json " + j
			}
		default:
			x = j // pgx decodes jsonb
		}
		b, _ := json.Marshal(x)
		return string(b)
	}
	switch x := v.(type) {
	case time.Time:
		return strconv.FormatInt(x.UnixMicro(), 10)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatFloat(x, 'f', 1, 64)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		return hex.EncodeToString(x)
	case string:
		return x
	}
	return fmt.Sprintf("\x01%T %v", v, v)
}

func targetChecksum(ctx context.Context, tx pgx.Tx, table string, cols []string, types map[string]string) (string, int64, error) {
	sum := newChecksum()
	var n int64
	if len(cols) == 0 { // an empty source table: count only
		err := tx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n)
		return sum.String(), n, err
	}
	ids := make([]string, len(cols))
	for i, c := range cols {
		ids[i] = pgx.Identifier{c}.Sanitize()
	}
	rows, err := tx.Query(ctx, `SELECT `+strings.Join(ids, ", ")+` FROM `+pgx.Identifier{table}.Sanitize())
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return "", 0, err
		}
		sum.add(vals, cols, types)
		n++
	}
	return sum.String(), n, rows.Err()
}

// progressRows feeds CopyFrom and moves the progress bar.
type progressRows struct {
	rows [][]any
	i    int
	bar  *progressBar
}

func (p *progressRows) Next() bool {
	if p.i > 0 {
		p.bar.step()
	}
	p.i++
	return p.i <= len(p.rows)
}
func (p *progressRows) Values() ([]any, error) { return p.rows[p.i-1], nil }
func (p *progressRows) Err() error             { return nil }

// progressBar draws "copying TABLE [#####.....] 45% 1200/2600 rows" on one
// line of stderr, at most ten times a second.
type progressBar struct {
	w     io.Writer
	total int64
	n     int64
	table string
	start time.Time
	drawn time.Time
}

func (b *progressBar) step() {
	b.n++
	if now := time.Now(); now.Sub(b.drawn) >= 100*time.Millisecond || b.n == b.total {
		b.drawn = now
		b.draw()
	}
}

func (b *progressBar) draw() {
	const width = 30
	frac := 1.0
	if b.total > 0 {
		frac = float64(b.n) / float64(b.total)
	}
	full := int(frac * width)
	fmt.Fprintf(b.w, "\rcopying %-10s [%s%s] %3.0f%% %d/%d rows", b.table,
		strings.Repeat("#", full), strings.Repeat(".", width-full), 100*frac, b.n, b.total)
}

func (b *progressBar) done() {
	b.table = "done"
	b.draw()
	fmt.Fprintf(b.w, " in %s\n", time.Since(b.start).Round(time.Millisecond))
}

// redactURL drops a password from a database URL before it is printed.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	if colon := strings.Index(u[scheme+3:at], ":"); colon >= 0 {
		return u[:scheme+3+colon] + ":xxxxx" + u[at:]
	}
	return u
}
