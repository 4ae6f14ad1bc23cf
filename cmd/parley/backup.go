package main

import (
	"context"
	"fmt"
	"io"

	"github.com/parleyhq/parley/store/postgres"
	"github.com/parleyhq/parley/store/sqlite"
)

func cmdBackup(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "backup", "backup --to FILE [--db FILE]\n\nCopies a SQLite database while the server keeps running and writing: one\nconsistent snapshot, checked (integrity check, every table's rows) before it\nis renamed to FILE (mode 0600). FILE must not exist. The secret key is not\nin the copy: back it up once, separately. For PostgreSQL use pg_dump.")
	db := fs.String("db", envOr(e, "PARLEY_DB", "parley.db"), "the SQLite database to copy (env PARLEY_DB)")
	to := fs.String("to", "", "the backup file to write; must not exist")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("backup takes no arguments, got %q", pos)
	}
	if *to == "" {
		return usagef("backup: --to FILE is required")
	}
	if postgres.IsURL(*db) {
		return usagef("backup copies SQLite databases; for PostgreSQL use pg_dump (see docs/operations.md, Backups)")
	}
	rep, err := sqlite.Backup(ctx, *db, *to)
	if err != nil {
		return err
	}
	printReport(e.stdout, rep)
	fmt.Fprintf(e.stdout, "backed up %s to %s (%d bytes): integrity ok, row counts match\n", *db, *to, rep.Bytes)
	return nil
}

func cmdRestore(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "restore", "restore --from FILE [--db FILE] [--force]\n\nChecks a backup made by parley backup and copies it into the database at\n--db. A database that exists and holds tables is refused unless --force:\nstop the server first, since its caches would not know. Restore the secret\nkey that belongs with the backup too.")
	db := fs.String("db", envOr(e, "PARLEY_DB", "parley.db"), "the SQLite database to restore into (env PARLEY_DB)")
	from := fs.String("from", "", "the backup file")
	force := fs.Bool("force", false, "overwrite a database that holds data")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("restore takes no arguments, got %q", pos)
	}
	if *from == "" {
		return usagef("restore: --from FILE is required")
	}
	if postgres.IsURL(*db) {
		return usagef("restore writes SQLite databases; for PostgreSQL use pg_restore (see docs/operations.md, Backups)")
	}
	rep, err := sqlite.Restore(ctx, *from, *db, *force)
	if err != nil {
		return err
	}
	printReport(e.stdout, rep)
	fmt.Fprintf(e.stdout, "restored %s from %s: integrity ok, row counts match\n", *db, *from)
	return nil
}

func printReport(w io.Writer, rep sqlite.BackupReport) {
	for _, t := range rep.Tables {
		fmt.Fprintf(w, "%-24s %10d rows\n", t.Table, t.Rows)
	}
}
