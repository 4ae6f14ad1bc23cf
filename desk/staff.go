package desk

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
)

// StaffPost is a comment a moderator writes from the dashboard or the
// admin API: on an article (SiteID and ArticleURL) or under a published
// comment (ParentID; its site and article are the parent's).
type StaffPost struct {
	SiteID       string
	ArticleURL   string
	ArticleTitle string
	ParentID     int64
	// Name is the name shown; "" is the moderator's own name.
	Name string
	Body string
	// HTML is Body rendered and sanitized by the caller's renderer.
	HTML string
}

// Limits of a staff comment, the same as a reader's.
const (
	MaxStaffBodyRunes = 10000
	MaxStaffNameRunes = 80
)

// StaffComment publishes a moderator's comment at once, marked as staff
// (Comment.StaffBy, the only way a thread shows the Staff badge), and
// audited as approved by that moderator in the same transaction. The
// moderator must be allowed on the site (CodeForbidden). CodeInvalid
// naming the field: body, name, parent_id, article_url.
func (d *Desk) StaffComment(ctx context.Context, p StaffPost, m comment.Moderator) (comment.Comment, error) {
	var errs []comment.FieldError
	bad := func(field, msg string) { errs = append(errs, comment.FieldError{Field: field, Message: msg}) }
	switch body := strings.TrimSpace(p.Body); {
	case body == "":
		bad("body", "is required")
	case utf8.RuneCountInString(p.Body) > MaxStaffBodyRunes:
		bad("body", "must be at most "+strconv.Itoa(MaxStaffBodyRunes)+" characters")
	case !utf8.ValidString(p.Body) || strings.ContainsRune(p.Body, 0):
		bad("body", "must be valid UTF-8 text")
	}
	name := strings.TrimSpace(p.Name)
	if name == "" {
		name = m.Name
	}
	if utf8.RuneCountInString(name) > MaxStaffNameRunes {
		bad("name", "must be at most "+strconv.Itoa(MaxStaffNameRunes)+" characters")
	} else if msg := CheckNote(name); msg != "" || strings.ContainsAny(name, "\n\t") {
		bad("name", "must be one line of text")
	}
	if p.ParentID < 0 {
		bad("parent_id", "must be the positive id of an approved comment")
	}
	if p.ParentID == 0 && (p.SiteID == "" || p.ArticleURL == "") {
		if p.SiteID == "" {
			bad("site", "is required for a comment on an article")
		}
		if p.ArticleURL == "" {
			bad("article_url", "is required for a comment on an article")
		}
	}
	if len(errs) > 0 {
		return comment.Comment{}, comment.Invalid(errs...)
	}
	if p.ParentID != 0 {
		parent, err := d.Store.Comment(ctx, p.ParentID)
		if comment.ErrorCode(err) == comment.CodeNotFound || (err == nil && parent.Status != comment.StatusApproved) {
			return comment.Comment{}, comment.Invalid(comment.FieldError{Field: "parent_id", Message: "must be an approved comment"})
		}
		if err != nil {
			return comment.Comment{}, err
		}
		if (p.SiteID != "" && p.SiteID != parent.SiteID) || (p.ArticleURL != "" && p.ArticleURL != parent.ArticleURL) {
			return comment.Comment{}, comment.Invalid(comment.FieldError{Field: "parent_id", Message: "must be a comment of the same site and article"})
		}
		p.SiteID, p.ArticleURL = parent.SiteID, parent.ArticleURL
	}
	if !m.MaySee(p.SiteID) {
		return comment.Comment{}, comment.Errorf(comment.CodeForbidden, "This account may not write on site %q.", p.SiteID)
	}
	site, err := d.Store.Site(ctx, p.SiteID)
	if err != nil {
		return comment.Comment{}, err
	}
	if err := d.CheckAutoClose(ctx, site, p.ArticleURL); err != nil {
		return comment.Comment{}, err
	}
	now := d.Now().UTC()
	c := &comment.Comment{
		SiteID:       p.SiteID,
		ArticleURL:   p.ArticleURL,
		ArticleTitle: p.ArticleTitle,
		ParentID:     p.ParentID,
		AuthorName:   name,
		Body:         p.Body,
		HTML:         p.HTML,
		EmailCipher:  []byte{},
		EmailHMAC:    []byte{},
		Status:       comment.StatusApproved,
		// No edit token: a staff comment is changed from the dashboard.
		EditTokenHash: []byte{},
		Score:         -1,
		CreatedAt:     now,
		DecidedAt:     now,
		DecidedBy:     m.Name,
		StaffBy:       m.Name,
	}
	if err := d.Submit(ctx, c); err != nil {
		return *c, err
	}
	return *c, nil
}
