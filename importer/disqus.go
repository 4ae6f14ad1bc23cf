package importer

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
)

// Disqus reads a Disqus XML export: its <thread> elements (the articles)
// come first and are kept by ID, one small entry per article; its <post>
// elements are streamed one at a time.
type Disqus struct {
	x       *xmlStream
	threads map[string]disqusThread
}

type disqusThread struct{ link, title string }

// NewDisqus reads a Disqus export.
func NewDisqus(r io.Reader) *Disqus {
	return &Disqus{x: newXMLStream(r, "disqus", "Disqus XML"), threads: map[string]disqusThread{}}
}

type disqusRef struct {
	ID string `xml:"id,attr"` // dsq:id
}

type disqusPost struct {
	ID        string `xml:"id,attr"`
	Message   string `xml:"message"`
	CreatedAt string `xml:"createdAt"`
	IsDeleted string `xml:"isDeleted"`
	IsSpam    string `xml:"isSpam"`
	Author    struct {
		Email    string `xml:"email"`
		Name     string `xml:"name"`
		Username string `xml:"username"`
	} `xml:"author"`
	Thread disqusRef `xml:"thread"`
	Parent disqusRef `xml:"parent"`
}

// Next returns the next post.
func (d *Disqus) Next() (Record, error) {
	for {
		tok, err := d.x.token()
		if err != nil {
			return Record{}, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok || d.x.parent() != "disqus" {
			continue
		}
		switch start.Name.Local {
		case "thread":
			var t struct {
				ID    string `xml:"id,attr"`
				Link  string `xml:"link"`
				Title string `xml:"title"`
			}
			if err := d.x.decode(&t, start); err != nil {
				return Record{}, err
			}
			d.threads[t.ID] = disqusThread{link: strings.TrimSpace(t.Link), title: strings.TrimSpace(t.Title)}
		case "post":
			line := d.x.line()
			var p disqusPost
			if err := d.x.decode(&p, start); err != nil {
				return Record{}, err
			}
			return d.record(p, line)
		default:
			if err := d.x.skip(); err != nil {
				return Record{}, err
			}
		}
	}
}

func (d *Disqus) record(p disqusPost, line int) (Record, error) {
	rec := Record{
		Where:       fmt.Sprintf("post %s at line %d", p.ID, line),
		Ref:         comment.SourceRef{Source: "disqus", ID: p.ID},
		AuthorName:  strings.TrimSpace(p.Author.Name),
		AuthorEmail: strings.TrimSpace(p.Author.Email),
		Body:        strings.TrimSpace(p.Message),
		Format:      comment.FormatHTML,
		Status:      comment.StatusApproved,
	}
	if rec.AuthorName == "" {
		rec.AuthorName = strings.TrimSpace(p.Author.Username)
	}
	if p.Parent.ID != "" {
		rec.Parent = comment.SourceRef{Source: "disqus", ID: p.Parent.ID}
	}
	t, ok := d.threads[p.Thread.ID]
	switch {
	case !ok:
		rec.Skip = "unknown_thread"
	case t.link == "":
		rec.Skip = "no_url"
	}
	rec.ArticleURL, rec.ArticleTitle = t.link, t.title
	switch {
	case strings.TrimSpace(p.IsSpam) == "true":
		rec.Status, rec.Reason = comment.StatusSpam, comment.ReasonSpam
	case strings.TrimSpace(p.IsDeleted) == "true":
		rec.Status, rec.Reason, rec.Note = comment.StatusRejected, comment.ReasonOther, "deleted"
	}
	if s := strings.TrimSpace(p.CreatedAt); s != "" {
		ct, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return rec, &BadRecordError{Where: rec.Where, Err: fmt.Errorf("createdAt %q is not a date", s)}
		}
		rec.CreatedAt = ct
	}
	return rec, nil
}
