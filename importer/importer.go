// Package importer brings a newsroom's comment history into Parley from the
// systems it used before (WordPress WXR, Disqus XML, Isso's SQLite database,
// Remark42 backups, Commento JSON, Parley's own JSON lines) and lets it leave
// again (JSON lines and WXR). Each format has a Reader that streams the
// file one comment at a time; Import is the one writer they share.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/secret"
)

// DefaultMaxBodyBytes is the longest comment body an import accepts by
// default: far above any real comment, far below what would hurt memory.
const DefaultMaxBodyBytes = 1 << 20

// Record is one comment as a Reader found it.
type Record struct {
	// Where names the record for messages: "line 120" or "row 7", with the
	// source ID when known.
	Where  string
	Ref    comment.SourceRef
	Parent comment.SourceRef // zero for a top-level comment
	// ArticleURL may be relative (Isso, Commento keep paths): Import makes
	// it absolute on the site's first origin.
	ArticleURL    string
	ArticleTitle  string
	AuthorName    string
	AuthorEmail   string
	AuthorWebsite string
	IPHash        []byte // only Parley's own private exports carry it
	CreatedAt     time.Time
	Status        comment.Status
	Reason        comment.Reason
	Note          string
	Body          string
	Format        comment.Format
	// Parley's own exports carry the rest of a comment's moderation. A nil
	// Score is "not scored".
	Score     *float64
	Flagged   bool
	DecidedAt time.Time
	DecidedBy string
	EditedAt  time.Time
	// Skip, when set, is why this record is not a reader's comment
	// (pingback, trackback, no_url, unknown_thread): it is counted, not
	// imported.
	Skip string
}

// Reader streams the comments of one export. Next returns io.EOF after the
// last one. A *BadRecordError is one bad record: the reader can go on past
// it. Any other error is the end of the file's readable part (a syntax
// error, a truncated file, the wrong format) and names where it happened.
type Reader interface {
	Next() (Record, error)
}

// BadRecordError is one record that cannot be imported.
type BadRecordError struct {
	Where string // e.g. "wp:comment 12 at line 340"
	Err   error
}

func (e *BadRecordError) Error() string { return e.Where + ": " + e.Err.Error() }
func (e *BadRecordError) Unwrap() error { return e.Err }

// ErrWrongFormat is wrapped by the error a Reader returns when the file is
// not the format it reads.
var ErrWrongFormat = errors.New("wrong format")

// Options tells Import where and how to write.
type Options struct {
	SiteID string
	// Origin is the site's first origin, the base of relative article URLs.
	Origin string
	Keys   *secret.Keyring
	// Render turns a body of a format into sanitized HTML.
	Render func(f comment.Format, body string) string
	// MapURL rewrites article URLs, in order, before the tracking
	// parameters are dropped.
	MapURL []URLRewrite
	// DryRun does everything in a transaction that is rolled back.
	DryRun bool
	// Batch, when above zero, commits every Batch records instead of once.
	Batch int
	// SkipBad goes on past bad records (counted and listed) instead of
	// failing the import.
	SkipBad bool
	// MaxBodyBytes refuses longer comment bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int
	Now          func() time.Time
	// Progress, when set, is called every few hundred records and once at
	// the end with the counts so far.
	Progress func(Report)
}

// Report says what an import did (or, in a dry run, would do).
type Report struct {
	Articles   int                    // distinct articles that received comments
	Comments   map[comment.Status]int // imported, by state
	Replies    int                    // imported comments with a parent reference
	Duplicates int                    // already imported: nothing written
	Skipped    map[string]int         // not imported, by cause
	// Orphans are the replies of this import whose parent is missing: kept
	// as top-level comments.
	Orphans []comment.SourceRef
	// Bad lists the bad records skipped with --skip-bad.
	Bad []string
	// Records counts everything the reader returned.
	Records int
	Elapsed time.Duration
}

// Imported is the number of comments written.
func (r Report) Imported() int {
	n := 0
	for _, v := range r.Comments {
		n += v
	}
	return n
}

// Threads is the number of top-level comments written: each starts a
// thread. Orphans count among them.
func (r Report) Threads() int { return r.Imported() - r.Replies + len(r.Orphans) }

// String is the report as `parley import` prints it.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "articles    %d\n", r.Articles)
	fmt.Fprintf(&b, "comments    %d (approved %d, pending %d, rejected %d, spam %d", r.Imported(),
		r.Comments[comment.StatusApproved], r.Comments[comment.StatusPending], r.Comments[comment.StatusRejected], r.Comments[comment.StatusSpam])
	for _, st := range []comment.Status{comment.StatusRemoved, comment.StatusDeleted} {
		if n := r.Comments[st]; n > 0 { // only Parley's own exports carry these
			fmt.Fprintf(&b, ", %s %d", st, n)
		}
	}
	b.WriteString(")\n")
	fmt.Fprintf(&b, "threads     %d top-level, %d replies\n", r.Threads(), r.Replies-len(r.Orphans))
	fmt.Fprintf(&b, "duplicates  %d (already imported)\n", r.Duplicates)
	causes := make([]string, 0, len(r.Skipped))
	for k := range r.Skipped {
		causes = append(causes, k)
	}
	sort.Strings(causes)
	skipped := 0
	var parts []string
	for _, k := range causes {
		skipped += r.Skipped[k]
		parts = append(parts, fmt.Sprintf("%s %d", k, r.Skipped[k]))
	}
	if len(parts) > 0 {
		fmt.Fprintf(&b, "skipped     %d (%s)\n", skipped, strings.Join(parts, ", "))
	} else {
		fmt.Fprintf(&b, "skipped     0\n")
	}
	fmt.Fprintf(&b, "orphans     %d (kept top-level)", len(r.Orphans))
	for i, o := range r.Orphans {
		if i == 10 {
			fmt.Fprintf(&b, " …")
			break
		}
		fmt.Fprintf(&b, " %s:%s", o.Source, o.ID)
	}
	b.WriteByte('\n')
	for _, bad := range r.Bad {
		fmt.Fprintf(&b, "bad record  %s\n", bad)
	}
	return b.String()
}

// Import reads every record of r and writes it to the site: in one
// transaction (nothing is written unless everything is), or with Batch in
// transactions of Batch records, so that a rerun after a failure goes on
// where it stopped (the records already written are duplicates).
func Import(ctx context.Context, store comment.ImportStore, r Reader, opts Options) (Report, error) {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	start := opts.Now()
	rep := Report{Comments: map[comment.Status]int{}, Skipped: map[string]int{}}
	articles := map[string]struct{}{}
	tx, err := store.BeginImport(ctx, opts.SiteID)
	if err != nil {
		return rep, err
	}
	defer func() { tx.Rollback() }()
	inBatch := 0
	var firstID int64 // the first comment this import wrote
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		var bad *BadRecordError
		if errors.As(err, &bad) {
			rep.Records++
			if !opts.SkipBad {
				return rep, fmt.Errorf("%w (nothing was imported%s; --skip-bad imports the rest)", err, batchNote(opts))
			}
			rep.Skipped["bad_record"]++
			rep.Bad = append(rep.Bad, bad.Error())
			continue
		}
		if err != nil {
			return rep, fmt.Errorf("%w (nothing was imported%s)", err, batchNote(opts))
		}
		rep.Records++
		if rec.Skip != "" {
			rep.Skipped[rec.Skip]++
			continue
		}
		ic, err := opts.build(rec)
		if err == nil {
			var out comment.ImportOutcome
			out, err = tx.ImportComment(ctx, ic)
			if err == nil {
				articles[ic.Comment.ArticleURL] = struct{}{}
				switch out {
				case comment.Duplicate:
					rep.Duplicates++
				default:
					if firstID == 0 {
						firstID = ic.Comment.ID
					}
					rep.Comments[ic.Comment.Status]++
					if !ic.Parent.IsZero() {
						rep.Replies++
					}
				}
			}
		}
		if err != nil {
			if comment.ErrorCode(err) != comment.CodeInvalid {
				return rep, fmt.Errorf("%s: %w", rec.Where, err)
			}
			bad := &BadRecordError{Where: rec.Where, Err: fieldsError(err)}
			if !opts.SkipBad {
				return rep, fmt.Errorf("%w (nothing was imported%s; --skip-bad imports the rest)", bad, batchNote(opts))
			}
			rep.Skipped["bad_record"]++
			rep.Bad = append(rep.Bad, bad.Error())
			continue
		}
		inBatch++
		if opts.Batch > 0 && !opts.DryRun && inBatch >= opts.Batch {
			if err := tx.Commit(); err != nil {
				return rep, err
			}
			if tx, err = store.BeginImport(ctx, opts.SiteID); err != nil {
				return rep, err
			}
			inBatch = 0
		}
		if opts.Progress != nil && rep.Records%500 == 0 {
			rep.Articles = len(articles)
			opts.Progress(rep)
		}
	}
	if firstID == 0 {
		firstID = math.MaxInt64 // nothing imported: no orphan of this import
	}
	orphans, err := tx.ResolveParents(ctx, firstID)
	if err != nil {
		return rep, err
	}
	rep.Orphans = orphans
	rep.Articles = len(articles)
	if opts.DryRun {
		if err := tx.Rollback(); err != nil {
			return rep, err
		}
	} else if err := tx.Commit(); err != nil {
		return rep, err
	}
	rep.Elapsed = opts.Now().Sub(start)
	if opts.Progress != nil {
		opts.Progress(rep)
	}
	return rep, nil
}

// fieldsError says which fields of an invalid record are wrong.
func fieldsError(err error) error {
	var ce *comment.Error
	if !errors.As(err, &ce) || len(ce.Fields) == 0 {
		return err
	}
	parts := make([]string, len(ce.Fields))
	for i, f := range ce.Fields {
		parts[i] = f.Field + " " + f.Message
	}
	return errors.New(strings.Join(parts, "; "))
}

func batchNote(opts Options) string {
	if opts.Batch > 0 && !opts.DryRun {
		return " since the last batch; rerun to resume"
	}
	return ""
}

// build turns a record into the comment to store.
func (opts Options) build(rec Record) (*comment.ImportedComment, error) {
	var bad []comment.FieldError
	if len(rec.Body) > opts.MaxBodyBytes {
		bad = append(bad, comment.FieldError{Field: "body", Message: fmt.Sprintf("is %d bytes, over the limit of %d", len(rec.Body), opts.MaxBodyBytes)})
	}
	u, err := opts.articleURL(rec.ArticleURL)
	if err != nil {
		bad = append(bad, comment.FieldError{Field: "article_url", Message: err.Error()})
	}
	if rec.Ref.ID == "" {
		bad = append(bad, comment.FieldError{Field: "id", Message: "is missing"})
	}
	if len(bad) > 0 {
		return nil, comment.Invalid(bad...)
	}
	c := comment.Comment{
		SiteID:        opts.SiteID,
		ArticleURL:    u,
		ArticleTitle:  rec.ArticleTitle,
		AuthorName:    rec.AuthorName,
		AuthorWebsite: rec.AuthorWebsite,
		IPHash:        rec.IPHash,
		Body:          rec.Body,
		Format:        rec.Format.OrMarkdown(),
		Status:        rec.Status,
		Reason:        rec.Reason,
		Note:          rec.Note,
		Score:         -1,
		Flagged:       rec.Flagged,
		CreatedAt:     rec.CreatedAt.UTC(),
		DecidedAt:     rec.DecidedAt,
		DecidedBy:     rec.DecidedBy,
		EditedAt:      rec.EditedAt,
		EditTokenHash: secret.TokenHash(secret.NewToken()), // nobody holds an edit token for an imported comment
		EmailCipher:   []byte{},
		EmailHMAC:     []byte{},
	}
	if rec.Score != nil {
		c.Score = *rec.Score
	}
	if c.Status == "" {
		c.Status = comment.StatusPending
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = opts.Now().UTC() // a comment with no date in a post with none
	}
	if c.Status != comment.StatusPending && c.DecidedBy == "" {
		c.DecidedBy, c.DecidedAt = "import", c.CreatedAt
	}
	if c.AuthorName == "" {
		c.AuthorName = "Anonymous"
	}
	if email := strings.TrimSpace(rec.AuthorEmail); email != "" && opts.Keys != nil {
		if c.EmailCipher, err = opts.Keys.EncryptEmail(email); err != nil {
			return nil, err
		}
		c.EmailHMAC = opts.Keys.EmailHMAC(email)
	}
	if opts.Render != nil {
		c.HTML = opts.Render(c.Format, c.Body)
	}
	return &comment.ImportedComment{Comment: c, Ref: rec.Ref, Parent: rec.Parent}, nil
}

// articleURL makes an article URL absolute, applies the rewrites and drops
// tracking parameters and the fragment.
func (opts Options) articleURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("is missing")
	}
	if strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "//") {
		if opts.Origin == "" {
			return "", fmt.Errorf("%q is a path and the site has no origin to put it on", raw)
		}
		raw = strings.TrimRight(opts.Origin, "/") + raw
	}
	for _, m := range opts.MapURL {
		raw = m.Apply(raw)
	}
	return CleanURL(raw)
}

// CleanURL checks an article URL is absolute http(s) and drops its
// fragment and tracking parameters (utm_*, fbclid, gclid, mc_cid, mc_eid),
// so that one article is not split by the links readers came from.
func CleanURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute http or https URL", raw)
	}
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			lk := strings.ToLower(k)
			if strings.HasPrefix(lk, "utm_") || lk == "fbclid" || lk == "gclid" || lk == "mc_cid" || lk == "mc_eid" {
				q.Del(k)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String(), nil
}

// URLRewrite is one --map-url rule, sed style: s#PATTERN#REPLACEMENT#.
type URLRewrite struct {
	re   *regexp.Regexp
	repl string
}

// ParseURLRewrite parses s<d>PATTERN<d>REPLACEMENT<d> for any delimiter d;
// PATTERN is a Go regular expression and REPLACEMENT may use $1.
func ParseURLRewrite(rule string) (URLRewrite, error) {
	if len(rule) < 4 || rule[0] != 's' {
		return URLRewrite{}, fmt.Errorf("--map-url %q: want s#PATTERN#REPLACEMENT#", rule)
	}
	d := rule[1:2]
	parts := strings.Split(rule[2:], d)
	if len(parts) != 3 || parts[2] != "" || parts[0] == "" {
		return URLRewrite{}, fmt.Errorf("--map-url %q: want s%sPATTERN%sREPLACEMENT%s", rule, d, d, d)
	}
	re, err := regexp.Compile(parts[0])
	if err != nil {
		return URLRewrite{}, fmt.Errorf("--map-url %q: %v", rule, err)
	}
	return URLRewrite{re: re, repl: parts[1]}, nil
}

// Apply rewrites the first match in u.
func (m URLRewrite) Apply(u string) string {
	loc := m.re.FindStringSubmatchIndex(u)
	if loc == nil {
		return u
	}
	var dst []byte
	dst = m.re.ExpandString(dst, m.repl, u, loc)
	return u[:loc[0]] + string(dst) + u[loc[1]:]
}
