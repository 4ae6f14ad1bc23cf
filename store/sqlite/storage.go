package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/comment"
)

// storageErr recognises SQLite's answers to a full disk and to read-only
// storage, which are the operator's to fix and the client's to retry: the
// transaction was rolled back whole, so nothing is half-written.
func storageErr(err error) *comment.Error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "database or disk is full"), strings.Contains(msg, "SQLITE_FULL"):
		return &comment.Error{Code: comment.CodeUnavailable, Message: "The server's storage is full; nothing was saved. Try again later.", Err: err}
	case strings.Contains(msg, "readonly database"), strings.Contains(msg, "SQLITE_READONLY"):
		return &comment.Error{Code: comment.CodeUnavailable, Message: "The server's storage is read-only; nothing was saved. Try again later.", Err: err}
	case strings.Contains(msg, "disk I/O error"), strings.Contains(msg, "SQLITE_IOERR"):
		return &comment.Error{Code: comment.CodeUnavailable, Message: "The server could not write to its storage; nothing was saved. Try again later.", Err: err}
	}
	return nil
}

// LimitPages caps the database file at n pages on the writer connection
// (SQLite's max_page_count; 0 lifts the cap) and returns the cap in force.
// It simulates a full disk for tests and drills: writes past the cap fail
// as they would on a full filesystem.
func (s *Store) LimitPages(ctx context.Context, n int64) (int64, error) {
	if n <= 0 {
		n = 4294967294 // SQLite's largest
	}
	var got int64
	if err := s.w.QueryRowContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", n)).Scan(&got); err != nil {
		return 0, err
	}
	return got, nil
}

// PageCount returns the pages the database file holds now.
func (s *Store) PageCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&n)
	return n, err
}

// SetReadOnly makes the writer connection refuse writes (SQLite's
// query_only), as read-only storage would, for tests and drills.
func (s *Store) SetReadOnly(ctx context.Context, on bool) error {
	_, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA query_only = %d", boolInt(on)))
	return err
}

// IntegrityCheck runs SQLite's integrity_check and returns its answer, "ok"
// when the file is sound.
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	rows, err := s.r.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return "", err
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n"), rows.Err()
}
