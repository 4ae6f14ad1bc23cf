package importer

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/secret"
)

// ParleyVersion is the version of Parley's JSON lines export.
const ParleyVersion = 1

// parleyHeader is the first line of a Parley export.
type parleyHeader struct {
	Version int    `json:"parley_export"`
	Site    string `json:"site"`
	Private bool   `json:"private"`
}

// parleyLine is one comment of a Parley export. IDs are source references
// ("wordpress:12", or "parley:7" for a comment written in Parley), so that
// an export imported elsewhere keeps deduplicating against the original
// sources.
type parleyLine struct {
	ID            string     `json:"id"`
	Parent        string     `json:"parent,omitempty"`
	ArticleURL    string     `json:"article_url"`
	ArticleTitle  string     `json:"article_title"`
	AuthorName    string     `json:"author_name"`
	AuthorWebsite string     `json:"author_website,omitempty"`
	Email         string     `json:"email,omitempty"`   // --private only
	IPHash        string     `json:"ip_hash,omitempty"` // --private only, base64
	CreatedAt     time.Time  `json:"created_at"`
	Status        string     `json:"status"`
	Reason        string     `json:"reason,omitempty"`
	Note          string     `json:"note,omitempty"`
	Score         float64    `json:"score"`
	Flagged       bool       `json:"flagged,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	DecidedBy     string     `json:"decided_by,omitempty"`
	EditedAt      *time.Time `json:"edited_at,omitempty"`
	Format        string     `json:"format"`
	Body          string     `json:"body"`
}

// ExportOptions says what an export writes.
type ExportOptions struct {
	SiteID string
	// Private writes each commenter's email (decrypted with Keys) and IP
	// hash; without it nothing private leaves the database.
	Private bool
	Keys    *secret.Keyring
}

// WriteJSONL writes every comment of a site as Parley's JSON lines, which
// `parley import parley` reads back. It returns the number of comments.
func WriteJSONL(ctx context.Context, store comment.ImportStore, w io.Writer, opts ExportOptions) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(parleyHeader{Version: ParleyVersion, Site: opts.SiteID, Private: opts.Private}); err != nil {
		return 0, err
	}
	n := 0
	err := store.ExportComments(ctx, opts.SiteID, func(e comment.ExportedComment) error {
		c := e.Comment
		l := parleyLine{
			ID: refString(e.Ref), Parent: refString(e.Parent),
			ArticleURL: c.ArticleURL, ArticleTitle: c.ArticleTitle,
			AuthorName: c.AuthorName, AuthorWebsite: c.AuthorWebsite,
			CreatedAt: c.CreatedAt.UTC(), Status: string(c.Status), Reason: string(c.Reason), Note: c.Note,
			Score: c.Score, Flagged: c.Flagged, DecidedBy: c.DecidedBy,
			Format: string(c.Format.OrMarkdown()), Body: c.Body,
		}
		if !c.DecidedAt.IsZero() {
			d := c.DecidedAt.UTC()
			l.DecidedAt = &d
		}
		if !c.EditedAt.IsZero() {
			ed := c.EditedAt.UTC()
			l.EditedAt = &ed
		}
		if opts.Private {
			email, err := decryptEmail(opts.Keys, c.EmailCipher)
			if err != nil {
				return fmt.Errorf("comment %d: %w", c.ID, err)
			}
			l.Email = email
			if len(c.IPHash) > 0 {
				l.IPHash = base64.StdEncoding.EncodeToString(c.IPHash)
			}
		}
		n++
		return enc.Encode(l)
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

func decryptEmail(keys *secret.Keyring, cipher []byte) (string, error) {
	if len(cipher) == 0 {
		return "", nil
	}
	if keys == nil {
		return "", errors.New("no key to decrypt emails")
	}
	email, err := keys.DecryptEmail(cipher)
	if err != nil {
		return "", fmt.Errorf("the email cannot be decrypted with this secret key: %w", err)
	}
	return email, nil
}

func refString(r comment.SourceRef) string {
	if r.IsZero() {
		return ""
	}
	return r.Source + ":" + r.ID
}

func parseRef(s string) (comment.SourceRef, bool) {
	src, id, ok := strings.Cut(s, ":")
	if !ok || src == "" || id == "" {
		return comment.SourceRef{}, false
	}
	return comment.SourceRef{Source: src, ID: id}, true
}

// Parley reads Parley's own JSON lines export.
type Parley struct {
	lines  *lineReader
	header bool
}

// NewParley reads a Parley export whose comment bodies are at most
// maxBody bytes (0: DefaultMaxBodyBytes); a longer line is one bad record.
func NewParley(r io.Reader, maxBody int) *Parley {
	return &Parley{lines: newLineReader(r, lineLimit(maxBody))}
}

// lineLimit bounds a JSON line holding a body of maxBody bytes, escaped.
func lineLimit(maxBody int) int {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	return 6*maxBody + 64<<10
}

// Next returns the next comment.
func (p *Parley) Next() (Record, error) {
	b, n, err := p.lines.next()
	where := fmt.Sprintf("line %d", n)
	if errors.Is(err, errLineTooLong) {
		if !p.header {
			return Record{}, fmt.Errorf("%w: %s: %v: not a Parley export", ErrWrongFormat, where, err)
		}
		return Record{}, &BadRecordError{Where: where, Err: err}
	}
	if err == io.EOF && !p.header {
		return Record{}, fmt.Errorf("%w: the file is empty: not a Parley export", ErrWrongFormat)
	}
	if err != nil {
		return Record{}, err
	}
	if !p.header {
		var h parleyHeader
		if err := decodeLine(b, &h); err != nil || h.Version == 0 {
			return Record{}, fmt.Errorf("%w: %s is not a Parley export header ({\"parley_export\":1,...})", ErrWrongFormat, where)
		}
		if h.Version != ParleyVersion {
			return Record{}, fmt.Errorf("%s: Parley export version %d; this Parley reads version %d", where, h.Version, ParleyVersion)
		}
		p.header = true
		return p.Next()
	}
	var l parleyLine
	if err := decodeLine(b, &l); err != nil {
		if strings.Contains(err.Error(), "truncated") {
			return Record{}, fmt.Errorf("%s: %v", where, err)
		}
		return Record{}, &BadRecordError{Where: where, Err: err}
	}
	ref, ok := parseRef(l.ID)
	if !ok {
		return Record{}, &BadRecordError{Where: where, Err: fmt.Errorf("id %q must be SOURCE:ID", l.ID)}
	}
	rec := Record{
		Where: fmt.Sprintf("%s (%s)", where, l.ID), Ref: ref,
		ArticleURL: l.ArticleURL, ArticleTitle: l.ArticleTitle,
		AuthorName: l.AuthorName, AuthorWebsite: l.AuthorWebsite, AuthorEmail: l.Email,
		CreatedAt: l.CreatedAt, Status: comment.Status(l.Status), Reason: comment.Reason(l.Reason), Note: l.Note,
		Score: &l.Score, Flagged: l.Flagged, DecidedBy: l.DecidedBy,
		Body: l.Body, Format: comment.Format(l.Format),
	}
	if l.Parent != "" {
		if rec.Parent, ok = parseRef(l.Parent); !ok {
			return Record{}, &BadRecordError{Where: rec.Where, Err: fmt.Errorf("parent %q must be SOURCE:ID", l.Parent)}
		}
	}
	if l.DecidedAt != nil {
		rec.DecidedAt = l.DecidedAt.UTC()
	}
	if l.EditedAt != nil {
		rec.EditedAt = l.EditedAt.UTC()
	}
	if l.IPHash != "" {
		if rec.IPHash, err = base64.StdEncoding.DecodeString(l.IPHash); err != nil {
			return Record{}, &BadRecordError{Where: rec.Where, Err: errors.New("ip_hash is not base64")}
		}
	}
	return rec, nil
}
