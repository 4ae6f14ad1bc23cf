package comment

import (
	"context"
	"time"
)

// What a commenter may ask to hear about, in "notify" on submission.
const (
	NotifyDecision = "decision"
	NotifyReplies  = "replies"
)

// Notify is what the author of a comment asked to be told by email, and in
// which language.
type Notify struct {
	CommentID int64
	Topics    []string // NotifyDecision, NotifyReplies; empty: nothing
	Lang      string   // "en" or "fr"
}

// Has reports whether topic was asked for.
func (n Notify) Has(topic string) bool {
	for _, t := range n.Topics {
		if t == topic {
			return true
		}
	}
	return false
}

// The intervals of a moderator's queue digest.
const (
	DigestOff    = ""
	DigestHourly = "hourly"
	DigestDaily  = "daily"
)

// ModeratorMail is a moderator's email (encrypted, like commenters') and
// digest interval.
type ModeratorMail struct {
	ModeratorID int64
	Name        string // filled on reads
	EmailCipher []byte
	Digest      string // DigestOff, DigestHourly or DigestDaily
	// LastDigest and LastAlert are when the last digest and queue alert
	// were queued; zero when never.
	LastDigest time.Time
	LastAlert  time.Time
}

// MailStore holds what email needs beyond the outbox: commenters' opt-ins
// (written with the comment by CreateComment from Comment.Notify),
// unsubscriptions, moderators' addresses.
type MailStore interface {
	// NotifyOf returns what a comment's author asked to hear about; no
	// topics (not an error) when nothing.
	NotifyOf(ctx context.Context, commentID int64) (Notify, error)
	// Unsubscribe stops every message to a commenter's email on a site.
	// Unsubscribing twice is not an error.
	Unsubscribe(ctx context.Context, siteID string, emailHMAC []byte, at time.Time) error
	// Unsubscribed reports whether a commenter unsubscribed on a site.
	Unsubscribed(ctx context.Context, siteID string, emailHMAC []byte) (bool, error)
	// LastOutbox returns the newest outbox item of a kind and topic about
	// a comment; CodeNotFound when none.
	LastOutbox(ctx context.Context, kind, topic string, commentID int64) (OutboxItem, error)
	// ApprovedReplies lists the approved direct replies of a comment
	// decided after after and at or before until, oldest first.
	ApprovedReplies(ctx context.Context, parentID int64, after, until time.Time) ([]Comment, error)
	// SetModeratorMail sets a moderator's email and digest interval;
	// CodeNotFound when the moderator is unknown.
	SetModeratorMail(ctx context.Context, m ModeratorMail) error
	// ModeratorMails lists every moderator with an email, by name.
	ModeratorMails(ctx context.Context) ([]ModeratorMail, error)
	// MarkModeratorMail records that a digest (digest non-zero) or alert
	// (alert non-zero) was queued for a moderator; the outbox items ctx
	// carries are queued in the same transaction. CodeNotFound.
	MarkModeratorMail(ctx context.Context, moderatorID int64, digest, alert time.Time) error
}
