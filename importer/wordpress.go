package importer

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
)

// WordPress reads a WordPress export (WXR 1.0 to 1.2): each <item>'s
// <wp:comment> elements, one at a time, so that memory does not grow with
// the file. The wp namespace may be under http or https: elements are
// matched by local name.
type WordPress struct {
	x    *xmlStream
	item wxrItem
}

type wxrItem struct {
	title, link, guid, date string
}

// NewWordPress reads a WXR file.
func NewWordPress(r io.Reader) *WordPress {
	return &WordPress{x: newXMLStream(r, "rss", "WordPress WXR")}
}

type wxrComment struct {
	ID       string `xml:"comment_id"`
	Author   string `xml:"comment_author"`
	Email    string `xml:"comment_author_email"`
	URL      string `xml:"comment_author_url"`
	Date     string `xml:"comment_date"`
	DateGMT  string `xml:"comment_date_gmt"`
	Content  string `xml:"comment_content"`
	Approved string `xml:"comment_approved"`
	Type     string `xml:"comment_type"`
	Parent   string `xml:"comment_parent"`
}

// Next returns the next comment.
func (w *WordPress) Next() (Record, error) {
	for {
		tok, err := w.x.token()
		if err != nil {
			return Record{}, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		name, parent := start.Name.Local, w.x.parent()
		switch {
		case name == "item":
			w.item = wxrItem{}
		case parent == "item" && (name == "title" || name == "link" || name == "guid" || name == "post_date_gmt" || name == "pubDate"):
			var s string
			if err := w.x.decode(&s, start); err != nil {
				return Record{}, err
			}
			s = strings.TrimSpace(s)
			switch name {
			case "title":
				w.item.title = s
			case "link":
				w.item.link = s
			case "guid":
				w.item.guid = s
			case "post_date_gmt":
				if t, ok := wpTime(s); ok {
					w.item.date = t.Format(time.RFC3339)
				}
			case "pubDate":
				if t, err := time.Parse(time.RFC1123Z, s); err == nil && w.item.date == "" {
					w.item.date = t.UTC().Format(time.RFC3339)
				}
			}
		case parent == "item" && name == "comment":
			line := w.x.line()
			var c wxrComment
			if err := w.x.decode(&c, start); err != nil {
				return Record{}, err
			}
			return w.record(c, line), nil
		}
	}
}

func (w *WordPress) record(c wxrComment, line int) Record {
	id := strings.TrimSpace(c.ID)
	rec := Record{
		Where:         fmt.Sprintf("wp:comment %s at line %d", id, line),
		Ref:           comment.SourceRef{Source: "wordpress", ID: id},
		ArticleURL:    w.item.link,
		ArticleTitle:  w.item.title,
		AuthorName:    strings.TrimSpace(c.Author),
		AuthorEmail:   strings.TrimSpace(c.Email),
		AuthorWebsite: strings.TrimSpace(c.URL),
		Body:          strings.TrimSpace(c.Content),
		Format:        comment.FormatHTML,
	}
	if rec.ArticleURL == "" {
		rec.ArticleURL = w.item.guid
	}
	if rec.ArticleURL == "" {
		rec.Skip = "no_url"
	}
	if p := strings.TrimSpace(c.Parent); p != "" && p != "0" {
		rec.Parent = comment.SourceRef{Source: "wordpress", ID: p}
	}
	switch t := strings.TrimSpace(c.Type); t {
	case "", "comment", "review":
	case "pingback", "trackback":
		rec.Skip = t
	default:
		rec.Skip = "type_" + t
	}
	switch a := strings.TrimSpace(c.Approved); a {
	case "1", "approve":
		rec.Status = comment.StatusApproved
	case "spam":
		rec.Status, rec.Reason = comment.StatusSpam, comment.ReasonSpam
	case "trash", "post-trashed":
		rec.Status, rec.Reason, rec.Note = comment.StatusRejected, comment.ReasonOther, a
	default: // "0", "hold", or no state at all
		rec.Status = comment.StatusPending
	}
	if t, ok := wpTime(c.DateGMT); ok {
		rec.CreatedAt = t
	} else if t, ok := wpTime(c.Date); ok {
		rec.CreatedAt = t
	} else if t, err := time.Parse(time.RFC3339, w.item.date); err == nil {
		rec.CreatedAt = t
	}
	return rec
}

// wpTime parses WordPress's "2006-01-02 15:04:05"; its zero date is none.
func wpTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "0000-00-00") {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02 15:04:05", s)
	return t, err == nil
}
