package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
)

// Commento reads Commento's JSON export ({"version":1,"comments":[...],
// "commenters":[...]}, from Commento's api/domain_export.go). The
// commenters (names, emails, links) come after the comments, so the file is
// read twice: once for the commenters, kept by ID (memory grows with the
// commenters, not the comments), then streaming the comments one by one.
type Commento struct {
	dec        *json.Decoder
	commenters map[string]commentoCommenter
	n          int
	done       bool
}

type commentoComment struct {
	CommentHex   string    `json:"commentHex"`
	Domain       string    `json:"domain"`
	Path         string    `json:"url"`
	CommenterHex string    `json:"commenterHex"`
	Markdown     string    `json:"markdown"`
	ParentHex    string    `json:"parentHex"`
	State        string    `json:"state"`
	CreationDate time.Time `json:"creationDate"`
	Deleted      bool      `json:"deleted"`
}

type commentoCommenter struct {
	CommenterHex string `json:"commenterHex"`
	Email        string `json:"email"`
	Name         string `json:"name"`
	Link         string `json:"link"`
}

// NewCommento reads a Commento export.
func NewCommento(r io.ReadSeeker) (*Commento, error) {
	c := &Commento{commenters: map[string]commentoCommenter{}}
	dec := json.NewDecoder(r)
	found := false
	err := walkObject(dec, func(key string) error {
		switch key {
		case "commenters":
			return eachElement(dec, func(i int) error {
				var cm commentoCommenter
				if err := dec.Decode(&cm); err != nil {
					return fmt.Errorf("commenter #%d: %w", i+1, jsonErr(err))
				}
				c.commenters[cm.CommenterHex] = cm
				return nil
			})
		case "comments":
			found = true
			return eachElement(dec, func(i int) error {
				var raw json.RawMessage // one comment at a time, dropped
				if err := dec.Decode(&raw); err != nil {
					return fmt.Errorf("comment #%d: %w", i+1, jsonErr(err))
				}
				return nil
			})
		}
		var raw json.RawMessage
		return jsonErr(dec.Decode(&raw))
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: no \"comments\" array: not a Commento export", ErrWrongFormat)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	c.dec = json.NewDecoder(r)
	// Go to the comments array.
	errFound := errors.New("found")
	err = walkObject(c.dec, func(key string) error {
		if key == "comments" {
			tok, err := c.dec.Token()
			if err != nil {
				return jsonErr(err)
			}
			if tok != json.Delim('[') {
				return errors.New(`"comments" is not an array`)
			}
			return errFound
		}
		var raw json.RawMessage
		return jsonErr(c.dec.Decode(&raw))
	})
	if err != errFound {
		return nil, err
	}
	return c, nil
}

// walkObject reads a top-level JSON object, calling fn at each key with the
// decoder before the value, which fn must consume.
func walkObject(dec *json.Decoder, fn func(key string) error) error {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return fmt.Errorf("%w: the file is empty: not a Commento export", ErrWrongFormat)
		}
		return fmt.Errorf("%w: %v: not a Commento export", ErrWrongFormat, err)
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("%w: the file is not a JSON object: not a Commento export", ErrWrongFormat)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return jsonErr(err)
		}
		key, _ := tok.(string)
		if err := fn(key); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return jsonErr(err)
	}
	return nil
}

// eachElement reads a JSON array, calling fn before each element.
func eachElement(dec *json.Decoder, fn func(i int) error) error {
	tok, err := dec.Token()
	if err != nil {
		return jsonErr(err)
	}
	if tok != json.Delim('[') {
		return errors.New("expected an array")
	}
	for i := 0; dec.More(); i++ {
		if err := fn(i); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return jsonErr(err)
}

// jsonErr says what a JSON error means for the file.
func jsonErr(err error) error {
	var se *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.ErrUnexpectedEOF), err == io.EOF:
		return errors.New("the file ends in the middle of the JSON: it is truncated")
	case errors.As(err, &se):
		return fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, err)
	}
	return err
}

// Next returns the next comment.
func (c *Commento) Next() (Record, error) {
	if c.done || !c.dec.More() {
		c.done = true
		return Record{}, io.EOF
	}
	c.n++
	where := fmt.Sprintf("comment #%d (byte %d)", c.n, c.dec.InputOffset())
	var cc commentoComment
	if err := c.dec.Decode(&cc); err != nil {
		err = jsonErr(err)
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Record{}, &BadRecordError{Where: where, Err: err}
		}
		return Record{}, fmt.Errorf("%s: %w", where, err)
	}
	rec := Record{
		Where:     fmt.Sprintf("comment #%d (%s)", c.n, cc.CommentHex),
		Ref:       comment.SourceRef{Source: "commento", ID: cc.CommentHex},
		Body:      cc.Markdown,
		Format:    comment.FormatMarkdown,
		CreatedAt: cc.CreationDate,
	}
	rec.ArticleURL = cc.Path
	if cc.Domain != "" && strings.HasPrefix(cc.Path, "/") {
		rec.ArticleURL = "https://" + cc.Domain + cc.Path
	}
	if p := cc.ParentHex; p != "" && p != "root" {
		rec.Parent = comment.SourceRef{Source: "commento", ID: p}
	}
	if cm, ok := c.commenters[cc.CommenterHex]; ok {
		rec.AuthorName, rec.AuthorEmail, rec.AuthorWebsite = cm.Name, cm.Email, cm.Link
		if cm.Link == "undefined" { // Commento's placeholder for no link
			rec.AuthorWebsite = ""
		}
	}
	switch {
	case cc.Deleted:
		rec.Status, rec.Reason, rec.Note = comment.StatusRejected, comment.ReasonOther, "deleted"
	case cc.State == "approved":
		rec.Status = comment.StatusApproved
	default: // "unapproved", "flagged": waiting for a moderator
		rec.Status = comment.StatusPending
		rec.Flagged = cc.State == "flagged"
	}
	return rec, nil
}
