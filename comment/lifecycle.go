package comment

import (
	"context"
	"time"
)

// The life of a comment after it is sent: moderators take published
// comments back and restore them, authors edit and delete their own,
// readers report, rejected authors appeal. These are the store methods the
// use cases in package desk build on.

// Transitions says which statuses an action may move a comment out of, and
// where to. Reject moves to spam instead when its reason is spam.
var Transitions = map[Action]struct {
	From []Status
	To   Status
}{
	ActionApprove: {[]Status{StatusPending, StatusSpam}, StatusApproved},
	ActionReject:  {[]Status{StatusPending, StatusSpam}, StatusRejected},
	ActionRemove:  {[]Status{StatusApproved}, StatusRemoved},
	ActionRestore: {[]Status{StatusRemoved}, StatusApproved},
	ActionHold:    {[]Status{StatusApproved}, StatusPending},
}

// ApprovedDelta is how a status change moves an article's count of
// published comments: +1 into approved, -1 out of it, else 0.
func ApprovedDelta(from, to Status) int {
	switch {
	case from != StatusApproved && to == StatusApproved:
		return 1
	case from == StatusApproved && to != StatusApproved:
		return -1
	}
	return 0
}

// StatusList joins statuses for a message: "pending or spam".
func StatusList(ss []Status) string {
	out := ""
	for i, st := range ss {
		if i > 0 {
			out += " or "
		}
		out += string(st)
	}
	return out
}

// ValidRemoval reports whether r may be given for a removal: the reasons
// of a rejection, and legal.
func (r Reason) ValidRemoval() bool { return r.Valid() || r == ReasonLegal }

// ReportReason is why a reader reported a published comment.
type ReportReason string

// The reasons a report may give.
const (
	ReportPersonalAttack ReportReason = "personal_attack"
	ReportSpam           ReportReason = "spam"
	ReportOffTopic       ReportReason = "off_topic"
	// ReportIllegal is a notice under the EU Digital Services Act (Art. 16):
	// it carries an explanation, the reporter's name and email, and their
	// statement of good faith.
	ReportIllegal ReportReason = "illegal"
)

// Valid reports whether r is a known report reason.
func (r ReportReason) Valid() bool {
	switch r {
	case ReportPersonalAttack, ReportSpam, ReportOffTopic, ReportIllegal:
		return true
	}
	return false
}

// Report is one reader's report of a published comment.
type Report struct {
	ID          int64
	CommentID   int64
	SiteID      string
	Reason      ReportReason
	Explanation string
	Name        string
	EmailCipher []byte // the reporter's email, encrypted; never shown publicly
	// Reporter identifies the reader so that one reader's reports of one
	// comment count once: the keyed hash of their email when they gave one,
	// else of their address.
	Reporter  []byte
	GoodFaith bool
	CreatedAt time.Time
}

// Reported is a comment with the reports still open against it.
type Reported struct {
	Comment Comment
	Reports []Report // oldest first
}

// AppealOutcome is how an appeal ended.
type AppealOutcome string

// The outcomes; "" while the appeal waits.
const (
	AppealUpheld     AppealOutcome = "upheld"
	AppealOverturned AppealOutcome = "overturned"
)

// Appeal is an author's one appeal against a rejection or removal.
type Appeal struct {
	CommentID int64
	SiteID    string
	Message   string
	CreatedAt time.Time
	// The original decision, as it stood when the appeal was made.
	OriginalStatus Status
	OriginalReason Reason
	OriginalNote   string
	OriginalBy     string
	// Outcome, DecidedBy, DecidedAt and Note are set once decided.
	Outcome   AppealOutcome
	DecidedBy string
	DecidedAt time.Time
	Note      string
}

// AppealDecision is a moderator deciding an appeal.
type AppealDecision struct {
	CommentID int64
	Outcome   AppealOutcome
	Note      string
	Moderator string
	At        time.Time
}

// Edit is an author's new text for their comment.
type Edit struct {
	CommentID int64
	Body      string
	HTML      string
	Score     float64
	Flagged   bool
	Spans     []Span
	At        time.Time
}

// ArticleChange is a moderator changing an article. Nil fields stay as
// they are.
type ArticleChange struct {
	SiteID    string
	URL       string
	Closed    *bool
	Title     *string
	Moderator string
	At        time.Time
}

// ArticleCanonical says that an article's page names another URL as its
// canonical one (an AMP or print page names the article's own).
type ArticleCanonical struct {
	SiteID    string
	URL       string
	Canonical string
	Moderator string
	At        time.Time
}

// LifecycleStore holds what happens to a comment after it is sent. Every
// method writes its audit entry in the same transaction as its change.
type LifecycleStore interface {
	// EditComment replaces the text of a pending comment in place, or adds a
	// pending revision of an approved one (returned, with RevisionOf set;
	// the published text stays until the revision is approved). Audited as
	// edit by "author". CodeConflict when the comment is neither pending nor
	// approved, or already has a revision waiting; CodeNotFound.
	EditComment(ctx context.Context, e Edit) (Comment, error)
	// DeleteComment withdraws a comment for its author (status deleted,
	// audited as delete by "author"), with any revision waiting.
	// CodeConflict when it is already deleted; CodeNotFound.
	DeleteComment(ctx context.Context, id int64, at time.Time) (Comment, error)
	// CreateReport files a reader's report and returns how many distinct
	// readers now have open reports on the comment. A second report by the
	// same reader on the same comment changes nothing (CodeConflict).
	// CodeNotFound when the comment is unknown.
	CreateReport(ctx context.Context, r Report) (int, error)
	// ReportedQueue returns published comments with open reports, most
	// reported first, on one site or all ("").
	ReportedQueue(ctx context.Context, siteID string, limit int) ([]Reported, error)
	// DismissReports closes a comment's open reports (the comment stays),
	// audited as dismiss_reports. CodeNotFound when none are open.
	DismissReports(ctx context.Context, commentID int64, moderator string, at time.Time) error
	// CreateAppeal files the one appeal of a rejected or removed comment,
	// audited as appeal by "author". CodeConflict when the comment is in
	// another state or was already appealed; CodeNotFound.
	CreateAppeal(ctx context.Context, a Appeal) (Appeal, error)
	// AppealOf returns a comment's appeal; CodeNotFound when none.
	AppealOf(ctx context.Context, commentID int64) (Appeal, error)
	// Appeals lists the appeals waiting, oldest first, on one site or all.
	Appeals(ctx context.Context, siteID string, limit int) ([]Appeal, error)
	// DecideAppeal upholds or overturns an appeal; overturning publishes the
	// comment. Audited as uphold or overturn. CodeConflict when already
	// decided (exactly one of two concurrent decisions wins); CodeNotFound.
	DecideAppeal(ctx context.Context, d AppealDecision) (Comment, error)
	// ChangeArticle closes, opens or retitles an article and audits it with
	// the article's URL as Target; CodeNotFound.
	ChangeArticle(ctx context.Context, ch ArticleChange) (Article, error)
	// CanonicalizeArticle records that an article's URL is an alias of the
	// canonical URL its page names, and moves the article there in the same
	// transaction: renamed when no article has the canonical URL, else its
	// comments (and imported sources) join the canonical article, whose
	// approved count grows by theirs, and it is deleted. Aliases that named
	// URL now name Canonical, and an alias of Canonical itself is dropped.
	// Audited as canonical with URL as Target and Canonical as Note.
	// Returns the article at Canonical. CodeInvalid when the two are equal;
	// CodeNotFound when no article has URL (nothing is recorded).
	CanonicalizeArticle(ctx context.Context, ch ArticleCanonical) (Article, error)
	// ArticleAliases returns a site's aliases: URL → canonical URL.
	ArticleAliases(ctx context.Context, siteID string) (map[string]string, error)
	// AddressBan returns the ban holding an address hash on a site at now;
	// CodeNotFound when none.
	AddressBan(ctx context.Context, siteID string, ipHash []byte, now time.Time) (AddressBan, error)
	// RejectPending rejects every pending comment of a commenter on a site
	// (reason other, each audited as reject with the note) and returns their
	// IDs.
	RejectPending(ctx context.Context, siteID string, emailHMAC []byte, note, moderator string, at time.Time) ([]int64, error)
}
