package comment

import (
	"context"
	"time"
)

// Store is everything Parley keeps. Each adapter (store/sqlite,
// store/postgres) implements it and passes store/storetest. Methods return
// *Error values with the codes named in their docs; a missing row is
// CodeNotFound, never a nil result.
type Store interface {
	MetricsStore
	Credentials
	Nesting
	ImportStore
	Verifications
	Identities
	Outbox
	Webhooks
	DataRights
	MailStore
	PolicyStore
	Picks
	// Ping checks the database answers; CodeUnavailable when not.
	Ping(ctx context.Context) error
	Close() error

	// CreateSite adds a site; CodeConflict when the ID exists.
	CreateSite(ctx context.Context, s Site) error
	// UpdateSite replaces a site's settings; CodeNotFound.
	UpdateSite(ctx context.Context, s Site) error
	// Site returns one site; CodeNotFound.
	Site(ctx context.Context, id string) (Site, error)
	// Sites lists every site by ID.
	Sites(ctx context.Context) ([]Site, error)

	// Article returns the article at url on a site; CodeNotFound.
	Article(ctx context.Context, siteID, url string) (Article, error)
	// SetArticleClosed opens or closes an article to new comments; CodeNotFound.
	SetArticleClosed(ctx context.Context, siteID, url string, closed bool) error

	// CreateComment stores a new comment durably, creating its article from
	// ArticleURL and ArticleTitle when it is the first. It sets c.ID,
	// c.ArticleID and c.RootID. A comment created already decided (a rule's
	// verdict: Status not pending and DecidedBy set) is written to the audit
	// log in the same transaction. CodeInvalid (field parent_id) when the parent
	// is not an approved comment of the same article, or (field article_url)
	// when the article is closed; CodeNotFound when the site is unknown.
	CreateComment(ctx context.Context, c *Comment) error
	// Comment returns one comment with its article's URL and title; CodeNotFound.
	Comment(ctx context.Context, id int64) (Comment, error)
	// Thread returns a page of the approved comments of one article. An
	// article that does not exist yet is an empty thread, not an error.
	Thread(ctx context.Context, q ThreadQuery) (Thread, error)
	// Queue returns a page of comments in one status: pending comments
	// flagged first, then oldest first; other statuses oldest first.
	Queue(ctx context.Context, q QueueQuery) ([]Comment, error)
	// CountByStatus counts comments per status, on one site or all ("").
	CountByStatus(ctx context.Context, siteID string) (map[Status]int, error)
	// CountFlagged counts the flagged pending comments, on one site or all ("").
	CountFlagged(ctx context.Context, siteID string) (int, error)
	// Decide applies a moderator's decision and writes it to the audit log in
	// the same transaction. Only pending and spam comments can be decided:
	// CodeConflict when the comment was already decided (of two moderators
	// deciding at once, exactly one wins); CodeNotFound.
	Decide(ctx context.Context, d Decision) (Comment, error)
	// Audit reads the audit log, newest first.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// Commenter returns a commenter's history and standing on a site. A
	// commenter the site never saw has zero counts, not CodeNotFound.
	Commenter(ctx context.Context, siteID string, emailHMAC []byte) (Commenter, error)
	// SetStanding bans, trusts or clears a commenter on a site and writes the
	// change to the audit log (action ban, trust or clear_standing, on
	// ch.CommentID). Banning also rejects the commenter's pending comments on
	// the site (reason other, note "commenter banned", each audited) in the
	// same transaction and returns their IDs. CodeNotFound when ch.CommentID
	// is not a comment of ch.SiteID.
	SetStanding(ctx context.Context, ch StandingChange) ([]int64, error)
	// Stats aggregates moderation activity since q.Since, for charts.
	Stats(ctx context.Context, q StatsQuery) (Stats, error)
	// ForgetIPs drops the IP hashes of comments created before before, and
	// deletes the address bans (each an IP hash) that ended by now; it
	// returns how many hashes were dropped.
	ForgetIPs(ctx context.Context, before, now time.Time) (int64, error)

	// CreateModerator adds an account; CodeConflict when the name is taken.
	CreateModerator(ctx context.Context, m Moderator) (Moderator, error)
	// SetModeratorPassword replaces a password hash and ends every session
	// and token of the account (Credentials.ReplacePassword keeping none);
	// CodeNotFound.
	SetModeratorPassword(ctx context.Context, name, hash string) error
	// Moderators lists every account by name.
	Moderators(ctx context.Context) ([]Moderator, error)
	// SetModeratorDisabled disables (ending its sessions and deleting its
	// tokens, so that enabling it again revives none) or enables an
	// account; CodeNotFound.
	SetModeratorDisabled(ctx context.Context, name string, disabled bool) error
	// SetModeratorSites replaces the sites a moderator may work on (empty:
	// every site); CodeNotFound.
	SetModeratorSites(ctx context.Context, name string, sites []string) error
	// ModeratorByName returns an account; CodeNotFound.
	ModeratorByName(ctx context.Context, name string) (Moderator, error)
	// CreateToken stores the hash of a bearer token for a moderator.
	CreateToken(ctx context.Context, moderatorID int64, tokenHash []byte, createdAt time.Time) error
	// ModeratorByToken returns the enabled moderator owning a token hash
	// that has not expired (by the wall clock; Credentials.TokenModerator
	// takes the time); CodeUnauthorized when none.
	ModeratorByToken(ctx context.Context, tokenHash []byte) (Moderator, error)
	// CreateSession stores a login session that expires at expires.
	CreateSession(ctx context.Context, moderatorID int64, sessionHash []byte, csrf string, expires time.Time) error
	// SessionModerator returns the moderator and CSRF token of a live
	// session; CodeUnauthorized when expired or unknown.
	SessionModerator(ctx context.Context, sessionHash []byte, now time.Time) (Moderator, string, error)
	// DeleteSession ends a session (logout). Deleting an unknown session is not an error.
	DeleteSession(ctx context.Context, sessionHash []byte) error

	LifecycleStore
}
