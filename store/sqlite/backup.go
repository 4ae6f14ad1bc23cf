package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	sqlitedrv "modernc.org/sqlite"
)

// TableRows is one table's row count in a backup report.
type TableRows struct {
	Table string
	Rows  int64
}

// BackupReport says what a backup or restore copied: the rows of every
// table, as read in the snapshot that was copied and read back from the
// copy, and the copy's size.
type BackupReport struct {
	Tables []TableRows
	Bytes  int64
}

// backuper is the modernc driver connection's online backup API.
type backuper interface {
	NewBackup(dstURI string) (*sqlitedrv.Backup, error)
	NewRestore(srcURI string) (*sqlitedrv.Backup, error)
}

// openExisting opens a SQLite file that must exist, without migrating it.
func openExisting(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Set("mode", "rw")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// Backup makes an online, consistent copy of the SQLite database at src in
// dst, which must not exist, while other connections keep writing: it
// opens a read transaction, counts every table's rows in it, and copies
// that same snapshot with SQLite's backup API (WAL lets writers go on
// meanwhile). The copy is written beside dst, checked (PRAGMA
// integrity_check, and every table's rows against the snapshot's), synced,
// and only then renamed to dst, with mode 0600: it holds password hashes
// and encrypted emails.
func Backup(ctx context.Context, src, dst string) (BackupReport, error) {
	if _, err := os.Stat(dst); err == nil {
		return BackupReport{}, fmt.Errorf("backup: %s exists; choose a new file", dst)
	}
	db, err := openExisting(src)
	if err != nil {
		return BackupReport{}, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return BackupReport{}, err
	}
	defer conn.Close()

	tmp := dst + ".partial"
	os.Remove(tmp)
	defer os.Remove(tmp)
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return BackupReport{}, fmt.Errorf("backup: %w", err)
	}
	want, err := countRows(ctx, conn)
	if err != nil {
		conn.ExecContext(context.Background(), "ROLLBACK")
		return BackupReport{}, fmt.Errorf("backup: counting %s: %w", src, err)
	}
	// The read transaction is open, so the backup copies the snapshot
	// just counted: backup_step reuses a source's open transaction.
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(backuper)
		if !ok {
			return errors.New("the SQLite driver has no backup API")
		}
		bk, err := b.NewBackup(tmp)
		if err != nil {
			return err
		}
		if _, err := bk.Step(-1); err != nil {
			bk.Finish()
			return err
		}
		return bk.Finish()
	})
	conn.ExecContext(context.Background(), "ROLLBACK")
	if err != nil {
		return BackupReport{}, fmt.Errorf("backup: copying %s: %w", src, err)
	}
	if err := verifyCopy(ctx, tmp, want); err != nil {
		return BackupReport{}, fmt.Errorf("backup: the copy failed its check: %w", err)
	}
	if err := syncAndRename(tmp, dst); err != nil {
		return BackupReport{}, fmt.Errorf("backup: %w", err)
	}
	st, err := os.Stat(dst)
	if err != nil {
		return BackupReport{}, err
	}
	return BackupReport{Tables: want, Bytes: st.Size()}, nil
}

// Restore replaces the database at dst with the backup at src, after
// checking the backup's integrity. It refuses a dst that holds any table
// unless force is set. The copy goes through SQLite's backup API into dst's
// own connection, under its locks, so even a process that still has dst
// open sees either the old database or the restored one, never a mixture;
// its caches do not know, though, so stop the server before restoring.
func Restore(ctx context.Context, src, dst string, force bool) (BackupReport, error) {
	want, err := Verify(ctx, src)
	if err != nil {
		return BackupReport{}, fmt.Errorf("restore: %s: %w", src, err)
	}
	created := false
	if _, err := os.Stat(dst); errors.Is(err, os.ErrNotExist) {
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return BackupReport{}, fmt.Errorf("restore: %w", err)
		}
		f.Close()
		created = true
	}
	db, err := openExisting(dst)
	if err != nil {
		return BackupReport{}, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return BackupReport{}, err
	}
	defer conn.Close()
	if !created && !force {
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table'").Scan(&n); err != nil {
			return BackupReport{}, fmt.Errorf("restore: reading %s: %w", dst, err)
		}
		if n > 0 {
			return BackupReport{}, fmt.Errorf("restore: %s is a database in use (%d tables); stop the server and add --force to overwrite it", dst, n)
		}
	}
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(backuper)
		if !ok {
			return errors.New("the SQLite driver has no backup API")
		}
		bk, err := b.NewRestore(src)
		if err != nil {
			return err
		}
		if _, err := bk.Step(-1); err != nil {
			bk.Finish()
			return err
		}
		return bk.Finish()
	})
	if err != nil {
		return BackupReport{}, fmt.Errorf("restore: copying into %s: %w", dst, err)
	}
	got, err := countRows(ctx, conn)
	if err != nil {
		return BackupReport{}, fmt.Errorf("restore: reading back %s: %w", dst, err)
	}
	if err := sameRows(want, got); err != nil {
		return BackupReport{}, fmt.Errorf("restore: %s after the restore: %w", dst, err)
	}
	if err := integrity(ctx, conn); err != nil {
		return BackupReport{}, fmt.Errorf("restore: %s after the restore: %w", dst, err)
	}
	st, err := os.Stat(dst)
	if err != nil {
		return BackupReport{}, err
	}
	return BackupReport{Tables: want, Bytes: st.Size()}, nil
}

// Verify runs PRAGMA integrity_check on the database at path and returns
// every table's row count.
func Verify(ctx context.Context, path string) ([]TableRows, error) {
	db, err := openExisting(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := integrity(ctx, conn); err != nil {
		return nil, err
	}
	rows, err := countRows(ctx, conn)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errors.New("not a Parley database: it has no tables")
	}
	return rows, nil
}

func verifyCopy(ctx context.Context, path string, want []TableRows) error {
	got, err := Verify(ctx, path)
	if err != nil {
		return err
	}
	return sameRows(want, got)
}

func integrity(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %v", problems)
	}
	return nil
}

// countRows counts the rows of every table, by name.
func countRows(ctx context.Context, conn *sql.Conn) ([]TableRows, error) {
	rows, err := conn.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]TableRows, len(names))
	for i, n := range names {
		out[i].Table = n
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM "`+n+`"`).Scan(&out[i].Rows); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
	}
	return out, nil
}

func sameRows(want, got []TableRows) error {
	if len(want) != len(got) {
		return fmt.Errorf("%d tables, want %d", len(got), len(want))
	}
	for i := range want {
		if want[i] != got[i] {
			return fmt.Errorf("table %s: %d rows, want %s with %d", got[i].Table, got[i].Rows, want[i].Table, want[i].Rows)
		}
	}
	return nil
}

// syncAndRename makes tmp durable, private, and then dst.
func syncAndRename(tmp, dst string) error {
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	f.Close()
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(dst))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
