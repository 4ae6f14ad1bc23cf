package importer

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Isso reads Isso's SQLite database (its threads and comments tables),
// opened read-only and streamed in ID order. Isso keeps article URIs as
// paths: Import puts them on the site's first origin.
type Isso struct {
	db   *sql.DB
	rows *sql.Rows
	row  int
}

// OpenIsso opens an Isso database file.
func OpenIsso(ctx context.Context, path string) (*Isso, error) {
	q := url.Values{}
	q.Add("mode", "ro")
	q.Add("_pragma", "query_only(1)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	// Isso's schema, from its source (isso/db/threads.py, comments.py).
	rows, err := db.QueryContext(ctx, `SELECT c.id, c.parent, c.created, c.mode, c.text, c.author, c.email, c.website, t.uri, t.title
		FROM comments c JOIN threads t ON t.id = c.tid ORDER BY c.id`)
	if err != nil {
		db.Close()
		msg := err.Error()
		if strings.Contains(msg, "not a database") || strings.Contains(msg, "no such table") || strings.Contains(msg, "no such column") || strings.Contains(msg, "file is not") {
			return nil, fmt.Errorf("%w: %s is not an Isso database (%v)", ErrWrongFormat, path, err)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Isso{db: db, rows: rows}, nil
}

// Close closes the database.
func (i *Isso) Close() error {
	i.rows.Close()
	return i.db.Close()
}

// Next returns the next comment.
func (i *Isso) Next() (Record, error) {
	if !i.rows.Next() {
		if err := i.rows.Err(); err != nil {
			return Record{}, fmt.Errorf("row %d: %w", i.row+1, err)
		}
		return Record{}, io.EOF
	}
	i.row++
	var id int64
	var parent sql.NullInt64
	var created float64
	var mode sql.NullInt64
	var text, author, email, website, uri, title sql.NullString
	if err := i.rows.Scan(&id, &parent, &created, &mode, &text, &author, &email, &website, &uri, &title); err != nil {
		return Record{}, &BadRecordError{Where: fmt.Sprintf("row %d", i.row), Err: err}
	}
	rec := Record{
		Where:         fmt.Sprintf("comment %d (row %d)", id, i.row),
		Ref:           comment.SourceRef{Source: "isso", ID: strconv.FormatInt(id, 10)},
		ArticleURL:    uri.String,
		ArticleTitle:  title.String,
		AuthorName:    author.String,
		AuthorEmail:   email.String,
		AuthorWebsite: website.String,
		Body:          text.String,
		Format:        comment.FormatMarkdown,
		CreatedAt:     unixFloat(created),
	}
	if parent.Valid && parent.Int64 != 0 {
		rec.Parent = comment.SourceRef{Source: "isso", ID: strconv.FormatInt(parent.Int64, 10)}
	}
	// Isso's modes: 1 accepted, 2 waiting for moderation, 4 deleted (kept
	// because it has replies; its text is emptied).
	switch mode.Int64 {
	case 1:
		rec.Status = comment.StatusApproved
	case 4:
		rec.Status, rec.Reason, rec.Note = comment.StatusRejected, comment.ReasonOther, "deleted"
	default:
		rec.Status = comment.StatusPending
	}
	return rec, nil
}

// unixFloat turns float seconds into a time, to the microsecond.
func unixFloat(f float64) time.Time {
	return time.UnixMicro(int64(f * 1e6)).UTC()
}
