package importer

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
)

// Remark42 reads a Remark42 backup, gzip-compressed or plain: a first line
// of metadata ({"version":1,"users":[...],"posts":[...]}) and then one
// comment per line, as Remark42's own backup writes them
// (backend/app/migrator/native.go, store/comment.go).
type Remark42 struct {
	lines  *lineReader
	limit  int // of a comment's line
	header bool
}

// maxMetaLine bounds the metadata line, which lists every user and post.
const maxMetaLine = 256 << 20

// NewRemark42 reads a backup whose comment bodies are at most maxBody bytes
// (0: DefaultMaxBodyBytes); gzip is recognised by its magic bytes.
func NewRemark42(r io.Reader, maxBody int) (*Remark42, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		r := &Remark42{lines: newLineReader(zr, maxMetaLine), limit: lineLimit(maxBody)}
		return r, nil
	}
	return &Remark42{lines: newLineReader(br, maxMetaLine), limit: lineLimit(maxBody)}, nil
}

type remarkComment struct {
	ID       string `json:"id"`
	ParentID string `json:"pid"`
	Text     string `json:"text"` // rendered HTML
	Orig     string `json:"orig"` // the Markdown the author wrote
	User     struct {
		Name string `json:"name"`
		ID   string `json:"id"`
	} `json:"user"`
	Locator struct {
		Site string `json:"site"`
		URL  string `json:"url"`
	} `json:"locator"`
	Time    time.Time `json:"time"`
	Deleted bool      `json:"delete"`
	Title   string    `json:"title"`
}

// Next returns the next comment.
func (r *Remark42) Next() (Record, error) {
	b, n, err := r.lines.next()
	where := fmt.Sprintf("line %d", n)
	switch {
	case errors.Is(err, errLineTooLong) && !r.header:
		// The metadata line holds every user and post: allow it, but not
		// without end.
		return Record{}, fmt.Errorf("%s: the metadata line is %v", where, err)
	case errors.Is(err, errLineTooLong):
		return Record{}, &BadRecordError{Where: where, Err: err}
	case err == io.EOF && !r.header:
		return Record{}, fmt.Errorf("%w: the file is empty: not a Remark42 backup", ErrWrongFormat)
	case err != nil && strings.Contains(err.Error(), "gzip"), errors.Is(err, io.ErrUnexpectedEOF):
		return Record{}, fmt.Errorf("%s: %v: the file is truncated", where, err)
	case err != nil:
		return Record{}, err
	}
	if !r.header {
		var meta struct {
			Version *int `json:"version"`
		}
		if err := decodeLine(b, &meta); err != nil || meta.Version == nil {
			return Record{}, fmt.Errorf("%w: %s is not Remark42's backup metadata ({\"version\":1,...})", ErrWrongFormat, where)
		}
		if *meta.Version > 1 {
			return Record{}, fmt.Errorf("%s: Remark42 backup version %d; Parley reads version 1", where, *meta.Version)
		}
		r.header = true
		r.lines.max = r.limit
		return r.Next()
	}
	var c remarkComment
	if err := decodeLine(b, &c); err != nil {
		if strings.Contains(err.Error(), "truncated") {
			return Record{}, fmt.Errorf("%s: %v", where, err)
		}
		return Record{}, &BadRecordError{Where: where, Err: err}
	}
	rec := Record{
		Where:        fmt.Sprintf("%s (comment %s)", where, c.ID),
		Ref:          comment.SourceRef{Source: "remark42", ID: c.ID},
		ArticleURL:   c.Locator.URL,
		ArticleTitle: c.Title,
		AuthorName:   c.User.Name,
		CreatedAt:    c.Time,
		Body:         c.Orig,
		Format:       comment.FormatMarkdown,
		Status:       comment.StatusApproved, // Remark42 has no moderation queue
	}
	if rec.Body == "" && c.Text != "" {
		// Comments Remark42 itself imported keep only their HTML.
		rec.Body, rec.Format = c.Text, comment.FormatHTML
	}
	if c.ParentID != "" {
		rec.Parent = comment.SourceRef{Source: "remark42", ID: c.ParentID}
	}
	if c.Deleted {
		rec.Status, rec.Reason, rec.Note = comment.StatusRejected, comment.ReasonOther, "deleted"
	}
	return rec, nil
}
