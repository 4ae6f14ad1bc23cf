// Package comment holds Parley's domain: sites, articles, comments and the
// decisions moderators make about them, the Store interface that every
// database adapter implements, and the Error type whose codes the HTTP layer
// maps to statuses. It imports nothing from the rest of the project.
package comment

import (
	"time"
)

// Status is where a comment stands in moderation.
type Status string

// The statuses a comment moves through. Every comment starts pending; only a
// moderator's decision (or a rule acting for one) moves it on.
const (
	StatusPending  Status = "pending"
	StatusApproved Status = "approved"
	StatusRejected Status = "rejected"
	StatusSpam     Status = "spam"
	// StatusRemoved is a published comment a moderator took back (a libel
	// notice, a court order, a second look); it can be restored.
	StatusRemoved Status = "removed"
	// StatusDeleted is a comment its author withdrew.
	StatusDeleted Status = "deleted"
)

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusApproved, StatusRejected, StatusSpam, StatusRemoved, StatusDeleted:
		return true
	}
	return false
}

// Reason is why a moderator rejected a comment.
type Reason string

// The reasons a rejection may give.
const (
	ReasonAdHominem Reason = "ad_hominem"
	ReasonSpam      Reason = "spam"
	ReasonOffTopic  Reason = "off_topic"
	ReasonOther     Reason = "other"
	// ReasonLegal is for removals only: a legal notice or order.
	ReasonLegal Reason = "legal"
)

// Valid reports whether r is one of the known reasons.
func (r Reason) Valid() bool {
	switch r {
	case ReasonAdHominem, ReasonSpam, ReasonOffTopic, ReasonOther:
		return true
	}
	return false
}

// Site is one newsroom property whose articles carry Parley comments.
type Site struct {
	ID      string
	Origins []string // scheme://host[:port] values allowed to embed and post
	// FlagThreshold is the ad hominem score at or above which a comment is
	// flagged; zero means the classifier's own default.
	FlagThreshold float64
	// AutoRejectThreshold, when above zero, rejects comments scoring at or
	// above it without waiting for a moderator.
	AutoRejectThreshold float64
	// Mode is how new comments are moderated; "" means ModePremoderate.
	Mode Mode
	// BannedWords reject a comment that contains one; SuspectWords flag it.
	// Both are matched on whole tokens, ignoring case and accents.
	BannedWords  []string
	SuspectWords []string
	// LinkLimit flags a comment with more links than this; zero means no limit.
	LinkLimit int
	// EditWindow is how long after sending an author may edit a published
	// comment; zero means DefaultEditWindow. A pending comment may be edited
	// while it waits.
	EditWindow time.Duration
	// ReportHold, when above zero, returns a published comment to the queue
	// once this many readers reported it.
	ReportHold int
	// AddressBanDays is how long a ban also holds the banned commenter's
	// address hash; zero means DefaultAddressBanDays.
	AddressBanDays int
	// TrackingParams are query parameters dropped from article URLs before
	// matching, beside the usual utm_*, fbclid, gclid, mc_cid and mc_eid.
	TrackingParams []string
	// PublicFigures is whether judging a named public figure's conduct or
	// competence counts as an attack: PublicFiguresAllowed ("" means
	// allowed) or PublicFiguresAttack. Labels ("idiot", "liar") are attacks
	// under both.
	PublicFigures string
	CreatedAt     time.Time
	// Policy, Identity and Mail are kept together as JSON (SiteSettings).
	Policy   PolicySettings
	Identity IdentitySettings
	Mail     MailSettings
}

// Defaults of the lifecycle settings.
const (
	DefaultEditWindow     = 15 * time.Minute
	DefaultAddressBanDays = 7
)

// EditWindowOrDefault is the site's edit window.
func (s Site) EditWindowOrDefault() time.Duration {
	if s.EditWindow <= 0 {
		return DefaultEditWindow
	}
	return s.EditWindow
}

// The public-figure policies of a site.
const (
	PublicFiguresAllowed = "allowed"
	PublicFiguresAttack  = "attack"
)

// Mode is a site's moderation mode.
type Mode string

// The moderation modes. Pre-moderation of everything is the default; in
// trusted mode, trusted commenters publish at once unless a rule holds the
// comment; in postmoderate mode everyone does (migration 0100 turned the
// old auto_approve_trusted into trusted).
const (
	ModePremoderate  Mode = "premoderate"
	ModeTrusted      Mode = "trusted"
	ModePostmoderate Mode = "postmoderate"
)

// Valid reports whether m is a known mode ("" counts as the default).
func (m Mode) Valid() bool {
	return m == "" || m == ModePremoderate || m == ModeTrusted || m == ModePostmoderate
}

// Article is one page under which comments are posted. It is created by its
// first comment.
type Article struct {
	ID        int64
	SiteID    string
	URL       string
	Title     string
	Closed    bool
	CreatedAt time.Time
	// ApprovedCount is the number of approved comments, kept by the store.
	ApprovedCount int
	// TitleVerified says Title came from the newsroom (the article page's
	// og:title or <title>, a moderator, an import), not from the first
	// commenter; only a verified title is published.
	TitleVerified bool
}

// Span is a byte range of a comment body that drove its ad hominem score.
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// Comment is one reader's comment with everything the server knows about it.
// The email is never held in plain text here: only its ciphertext and keyed
// hash.
type Comment struct {
	ID           int64
	SiteID       string
	ArticleID    int64
	ArticleURL   string // filled on reads
	ArticleTitle string // filled on reads; on create, the title for a new article
	// ArticleTitleVerified, filled on reads, says the article's title is the
	// newsroom's own (see Article.TitleVerified), not a commenter's.
	ArticleTitleVerified bool
	ParentID             int64 // zero for a top-level comment
	RootID               int64 // zero for a top-level comment; else the top-level ancestor
	AuthorName           string
	AuthorWebsite        string
	EmailCipher          []byte
	EmailHMAC            []byte
	IPHash               []byte
	Body                 string // as the author wrote it, in Format
	Format               Format // how Body is written; "" means FormatMarkdown
	HTML                 string // rendered and sanitized
	Status               Status
	EditTokenHash        []byte
	Score                float64 // ad hominem score in [0, 1]; -1 when not scored
	Flagged              bool
	Spans                []Span
	Reason               Reason // set when rejected or marked spam
	Note                 string
	CreatedAt            time.Time
	DecidedAt            time.Time // zero while undecided
	DecidedBy            string
	// RevisionOf, on a pending revision, is the published comment it would
	// replace once approved; zero otherwise. A revision never appears in a
	// thread.
	RevisionOf int64
	// EditedAt is when the author last changed the published text; zero when
	// never.
	EditedAt time.Time
	// Notify and NotifyLang, on create, are what the author asked to be
	// told by email (NotifyDecision, NotifyReplies) and in which language;
	// reads leave them empty (Store.NotifyOf has them).
	Notify     []string
	NotifyLang string
	// SSOSub is the newsroom account (a sign-in token's sub) the comment was
	// posted under; "" when it came without one.
	SSOSub string
	// AwaitingVerification says the comment is held until its author proves
	// their email (the site's Identity.Verify); such a comment stays out of
	// the moderation queue and its counts.
	AwaitingVerification bool
	// Holds are the rules that fired when it was submitted, each with what
	// it saw; empty when none did.
	Holds []Hold
	// StaffBy is the moderator who wrote the comment from the dashboard or
	// the admin API (a staff comment, published at once and badged); ""
	// for every reader's comment. Only desk.StaffComment sets it.
	StaffBy string
}

// Role is what a moderator account may do.
type Role string

// The roles.
const (
	RoleAdmin     Role = "admin"
	RoleModerator Role = "moderator"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleModerator }

// Moderator is an account that may decide comments.
type Moderator struct {
	ID           int64
	Name         string
	Role         Role
	PasswordHash string
	Disabled     bool
	// Sites limits a moderator (not an admin) to these sites' queues and
	// decisions; empty means every site.
	Sites     []string
	CreatedAt time.Time
}

// MaySee reports whether the account may work on a site: admins and
// moderators without a site list everywhere, others on their sites.
func (m Moderator) MaySee(siteID string) bool {
	if m.Role == RoleAdmin || len(m.Sites) == 0 {
		return true
	}
	for _, s := range m.Sites {
		if s == siteID {
			return true
		}
	}
	return false
}

// Action is what a decision did to a comment.
type Action string

// The actions recorded in the audit log.
const (
	ActionApprove Action = "approve"
	ActionReject  Action = "reject"
	// ActionBan, ActionTrust and ActionClearStanding change a commenter's
	// standing; their audit entries carry the comment the moderator acted from.
	ActionBan           Action = "ban"
	ActionTrust         Action = "trust"
	ActionClearStanding Action = "clear_standing"
	// ActionRemove takes a published comment back; ActionRestore publishes
	// a removed one again.
	ActionRemove  Action = "remove"
	ActionRestore Action = "restore"
	// ActionHold returns a published comment to the queue (enough reader
	// reports).
	ActionHold Action = "hold"
	// ActionEdit and ActionDelete are the author's own changes, audited as
	// by "author".
	ActionEdit   Action = "edit"
	ActionDelete Action = "delete"
	// ActionDismissReports clears a comment's reader reports; it stays.
	ActionDismissReports Action = "dismiss_reports"
	// ActionAppeal is the author's appeal; ActionUphold and ActionOverturn
	// decide it.
	ActionAppeal    Action = "appeal"
	ActionUphold    Action = "uphold"
	ActionOverturn  Action = "overturn"
	ActionRejectAll Action = "reject_all_pending"
	// ActionCloseArticle, ActionOpenArticle and ActionSetTitle change an
	// article; their audit entries name it in Target.
	ActionCloseArticle Action = "close_article"
	ActionOpenArticle  Action = "open_article"
	ActionSetTitle     Action = "set_title"
	// ActionCanonical moves an article to the canonical URL its page names;
	// Target is the old URL, Note the canonical one.
	ActionCanonical Action = "canonical"
)

// Decision is a moderator's verdict on one comment.
type Decision struct {
	CommentID int64
	Action    Action
	Reason    Reason // required for reject
	Note      string
	Moderator string
	At        time.Time
	// ShareNote says the author may be told Note (in the decision email).
	ShareNote bool
}

// Standing is what moderators decided about a commenter on one site.
type Standing string

// The standings. A banned commenter's new comments are refused; a trusted
// one's may be approved at once where the site's mode allows it.
const (
	StandingNone    Standing = ""
	StandingTrusted Standing = "trusted"
	StandingBanned  Standing = "banned"
)

// Commenter is what a site knows about one commenter, identified by the
// keyed hash of their email.
type Commenter struct {
	SiteID    string
	EmailHMAC []byte
	Approved  int       // comments approved on the site
	Rejected  int       // comments rejected or marked spam on the site
	Pending   int       // comments waiting
	FirstSeen time.Time // zero when the commenter never commented
	Standing  Standing
	// StandingBy and StandingAt say who set Standing, and when.
	StandingBy string
	StandingAt time.Time
	// StandingUntil ends a suspension (zero: until lifted); StandingReason
	// is what a banned commenter is told.
	StandingUntil  time.Time
	StandingReason string
	// Verified says the email is proven on the site (a link clicked, or an
	// SSO token); VerifiedBy is how ("email" or "sso").
	Verified   bool
	VerifiedBy string
}

// StandingChange is a moderator setting a commenter's standing on a site.
type StandingChange struct {
	SiteID    string
	EmailHMAC []byte
	Standing  Standing
	// CommentID is the comment the moderator acted from; the audit entry
	// names it.
	CommentID int64
	Note      string
	Moderator string
	At        time.Time
	// Until ends a ban on its own (a suspension); zero means until lifted.
	Until time.Time
	// Reason is what the banned commenter is told.
	Reason string
	// IPHash and AddressUntil, on a ban, also refuse the address the
	// commenter wrote from until AddressUntil, so a new email does not walk
	// round the ban.
	IPHash       []byte
	AddressUntil time.Time
}

// AddressBan is a ban held on an address hash.
type AddressBan struct {
	SiteID string
	IPHash []byte
	Until  time.Time
	Reason string
}

// StatsQuery asks for a site's (or every site's, SiteID "") statistics
// from Since up to now.
type StatsQuery struct {
	SiteID string
	Since  time.Time
}

// DayStats is one UTC day of moderation activity.
type DayStats struct {
	Day       time.Time // midnight UTC
	Submitted int       // comments created that day
	Decided   int       // comments decided that day, by anyone or any rule
	// Approved and Rejected count moderators' decisions from the audit log;
	// Rejected is by reason.
	Approved int
	Rejected map[Reason]int
}

// Stats aggregates moderation activity for the statistics page.
type Stats struct {
	Days []DayStats // oldest first; only days with activity
	// Pending is the queue size now.
	Pending int
	// MedianResponse is the median time from submission to a moderator's
	// decision, over decisions since Since; zero when there were none.
	MedianResponse time.Duration
	// Scores are histograms of classifier scores in ten buckets of 0.1, for
	// comments approved and rejected (including spam) since Since.
	ApprovedScores [10]int
	RejectedScores [10]int
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID        int64
	At        time.Time
	Moderator string
	Action    Action
	CommentID int64
	SiteID    string
	Reason    Reason
	Note      string
	// Target names what an entry without a comment acted on (an article's
	// URL); empty otherwise.
	Target string
}

// AuditFilter narrows an audit log read. Zero fields match everything.
type AuditFilter struct {
	SiteID    string
	Moderator string
	Action    Action // "" for every action
	CommentID int64
	BeforeID  int64 // entries with ID below this (newest first paging)
	Limit     int
}

// Sort is the order of top-level comments in a thread.
type Sort string

// The thread orders.
const (
	SortOldest Sort = "oldest"
	SortNewest Sort = "newest"
	// SortFeatured puts the top-level comments editors featured first
	// (oldest first among them), then the others oldest first.
	SortFeatured Sort = "featured"
)

// Valid reports whether s is a thread order.
func (s Sort) Valid() bool { return s == SortOldest || s == SortNewest || s == SortFeatured }

// Cursor marks where a page of a thread or queue ended.
type Cursor struct {
	Flagged bool // queues only: flagged items come first
	// Featured, in a thread sorted featured first, says the last comment
	// was featured.
	Featured  bool
	CreatedAt time.Time
	ID        int64
}

// IsZero reports whether c is the start of the list.
func (c Cursor) IsZero() bool { return c.ID == 0 }

// ThreadQuery asks for one page of an article's approved comments.
type ThreadQuery struct {
	SiteID string
	URL    string
	Sort   Sort
	After  Cursor
	Limit  int // top-level comments per page
}

// Thread is one page of an article's approved comments, flat and ordered:
// top-level comments in the query's order, each reply after its parent's
// page peers sorted oldest first. The HTTP layer builds the tree.
type Thread struct {
	Article Article
	Roots   []Comment
	Replies []Comment // replies of Roots, oldest first
	Next    Cursor    // zero when this is the last page
	Exists  bool      // the article exists
}

// QueueQuery asks for one page of a moderation queue.
type QueueQuery struct {
	SiteID string // empty means every site
	// Search, when set, keeps only comments whose body, author name or
	// website, or article title or URL contains it (case-insensitive for
	// ASCII).
	Search string
	// FlaggedOnly keeps only flagged comments (the Flagged queue).
	FlaggedOnly bool
	Status      Status
	// Rule keeps only comments held by this rule (a Rule... name).
	Rule  string
	After Cursor // for pending: flagged first, then oldest; ID of the last item
	Limit int
}
