package comment

import (
	"context"
	"strconv"
)

// Format is how a comment's body is written, and so how it is rendered.
type Format string

// The formats. Comments written through Parley are Markdown; comments
// imported from systems that stored HTML (WordPress, Disqus) keep it, and are
// rendered through the same sanitizer.
const (
	FormatMarkdown Format = "markdown"
	FormatHTML     Format = "html"
)

// Valid reports whether f is a known format ("" counts as Markdown).
func (f Format) Valid() bool { return f == "" || f == FormatMarkdown || f == FormatHTML }

// OrMarkdown returns f, or FormatMarkdown when f is "".
func (f Format) OrMarkdown() Format {
	if f == "" {
		return FormatMarkdown
	}
	return f
}

// SourceRef names a comment in the system it was imported from: the source
// (wordpress, disqus, isso, remark42, commento, parley) and its ID there.
type SourceRef struct {
	Source string
	ID     string
}

// IsZero reports whether r names nothing.
func (r SourceRef) IsZero() bool { return r.ID == "" }

// ImportedComment is one comment read from another system's export. Its
// Comment carries the site, the article's URL and title, and everything kept;
// IDs, ParentID and RootID are set by the store.
type ImportedComment struct {
	Comment Comment
	// Ref is the comment's identity in its source; within one article it is
	// unique, and importing it again creates nothing.
	Ref SourceRef
	// Parent is the parent's identity in its source; zero for a top-level
	// comment.
	Parent SourceRef
}

// ImportOutcome is what ImportComment did with one comment.
type ImportOutcome int

// The outcomes.
const (
	// Imported: the comment was written.
	Imported ImportOutcome = iota
	// Duplicate: a comment with the same source reference was already
	// imported into the article; nothing was written.
	Duplicate
)

// ExportedComment is one comment of a site as an export writes it: the
// comment (Format set, article URL and title filled) and its references.
type ExportedComment struct {
	Comment Comment
	// Ref is the comment's source reference when it was imported, else
	// {parley, its ID}.
	Ref SourceRef
	// Parent is the parent's reference (zero for a top-level comment). An
	// orphan (a reply whose parent never arrived) keeps the reference its
	// source gave, though its ParentID is zero.
	Parent SourceRef
}

// ImportStore writes imported comments and reads a site's comments back for
// export. The importer (package importer, through `parley import` and
// `parley export`) is its only caller.
type ImportStore interface {
	// BeginImport starts one write transaction for an import into a site;
	// CodeNotFound when the site is unknown. The caller commits or rolls
	// back; nothing is visible before Commit.
	BeginImport(ctx context.Context, siteID string) (ImportTx, error)
	// ExportComments calls fn with every comment of a site in ID order, read
	// in one snapshot, and stops at fn's first error, which it returns.
	// Pending revisions (RevisionOf set) are not comments of their own and
	// are left out.
	ExportComments(ctx context.Context, siteID string, fn func(ExportedComment) error) error
}

// ImportTx is an import's open transaction.
type ImportTx interface {
	// ImportComment writes one comment, creating its article (URL and title)
	// when it is the first; closed articles take imports too. It returns
	// Duplicate, writing nothing, when the article already holds a comment
	// with the same Ref, or, for a Ref {parley, N} (a Parley export's name
	// for a comment written in Parley), when comment N of the article was
	// written in Parley at the same CreatedAt. A reply whose parent (same source, same article)
	// is already stored gets its ParentID and RootID; otherwise it is stored
	// top-level until ResolveParents finds its parent. CodeInvalid naming
	// the field when the comment cannot be stored (status, format).
	ImportComment(ctx context.Context, c *ImportedComment) (ImportOutcome, error)
	// ResolveParents links the site's replies whose parent arrived after
	// them, and returns the source references of the replies with an ID of
	// at least fromID (those of this import) whose parent is still missing
	// (orphans, kept top-level), in ID order.
	ResolveParents(ctx context.Context, fromID int64) ([]SourceRef, error)
	// Commit makes the import durable.
	Commit() error
	// Rollback undoes everything since BeginImport; after Commit it does
	// nothing.
	Rollback() error
}

// NewExportedComment names a comment and its parent for an export. ref is
// the comment's own source reference (zero when it was written in Parley:
// then {parley, its ID}); parentRef the parent's (zero when the parent was
// written in Parley); pendingParent the parent reference its source gave,
// which an orphan keeps.
func NewExportedComment(c Comment, ref, parentRef, pendingParent SourceRef) ExportedComment {
	e := ExportedComment{Comment: c, Ref: ref}
	if ref.IsZero() {
		e.Ref = SourceRef{Source: "parley", ID: strconv.FormatInt(c.ID, 10)}
	}
	switch {
	case c.ParentID != 0 && !parentRef.IsZero():
		e.Parent = parentRef
	case c.ParentID != 0:
		e.Parent = SourceRef{Source: "parley", ID: strconv.FormatInt(c.ParentID, 10)}
	case !pendingParent.IsZero():
		e.Parent = pendingParent
	}
	e.Comment.Format = c.Format.OrMarkdown()
	return e
}
