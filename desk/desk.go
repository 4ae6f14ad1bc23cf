// Package desk is the moderation desk: every change to a comment, an
// article or a commenter's standing goes through one of its use cases, so
// that each change does all of what it must, in one place:
//   - the store write, with its audit entry in the same transaction;
//   - dropping the article's cached thread on every instance, through the
//     Bus (which a CLI command in another process reaches as well);
//   - the live event for the dashboards watching the queue.
//
// httpapi, dashboard and cmd/parley decode, authorize and encode, then call
// a Desk; none of them writes these changes to the store itself.
package desk

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/events"
)

// Config is what a Desk needs.
type Config struct {
	Store comment.Store
	// Bus carries thread changes to every instance; default a LocalBus.
	Bus Bus
	// Events, when set, hears of every comment submitted and decided.
	Events events.Events
	// Now is the clock; tests inject a fixed one.
	Now    func() time.Time
	Logger *slog.Logger
	// IPRetention bounds how long a ban may hold an address hash (hashes
	// older than this are dropped anyway); default 30 days.
	IPRetention time.Duration
}

// Desk holds the use cases.
type Desk struct {
	Config
	windows siteWindows // each site's recent comments, for the campaign rule
}

// New returns a Desk with cfg's defaults filled in.
func New(cfg Config) *Desk {
	if cfg.Bus == nil {
		cfg.Bus = NewLocalBus()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.IPRetention <= 0 {
		cfg.IPRetention = 30 * 24 * time.Hour
	}
	return &Desk{Config: cfg}
}

// MaxNoteRunes bounds a moderator's note and an appeal's message.
const MaxNoteRunes = 2000

// threadChanged tells every instance (this one first: both buses deliver
// locally before they return) that an article's thread changed. Failing to
// publish is logged, not returned: the change is committed, and the other
// instances' caches drop everything when their listener reconnects.
func (d *Desk) threadChanged(ctx context.Context, site, url string) {
	payload, _ := json.Marshal(ThreadNotice{Site: site, URL: url})
	if err := d.Bus.Publish(ctx, NoticeThread, payload); err != nil {
		d.Logger.Warn("publishing a thread change failed", "err", err)
	}
}

func (d *Desk) publish(e events.Event) {
	if d.Events != nil {
		d.Events.Publish(e)
	}
}

// Submit stores a new comment, already validated and assessed, durably,
// and announces it. A comment a rule published at once changes the thread.
func (d *Desk) Submit(ctx context.Context, c *comment.Comment) error {
	ctx = comment.WithOutbox(ctx, d.submitWebhooks(ctx, *c)...)
	ctx = comment.WithOutbox(ctx, d.mailForSubmit(ctx, c)...)
	if err := d.Store.CreateComment(ctx, c); err != nil {
		return err
	}
	d.addRecent(c)
	if c.Status == comment.StatusApproved {
		d.threadChanged(ctx, c.SiteID, c.ArticleURL)
	}
	written := *c // the caller keeps c; listeners get their own copy
	d.publish(events.Event{Kind: events.Submitted, CommentID: c.ID, SiteID: c.SiteID, Status: c.Status, Comment: &written})
	return nil
}

// CheckDecision validates a decision's reason and note for its action.
func CheckDecision(action comment.Action, reason comment.Reason, note string) error {
	var errs []comment.FieldError
	switch {
	case action == comment.ActionReject && reason == "":
		errs = append(errs, comment.FieldError{Field: "reason", Message: "is required: ad_hominem, spam, off_topic or other"})
	case action == comment.ActionReject && !reason.Valid():
		errs = append(errs, comment.FieldError{Field: "reason", Message: "must be ad_hominem, spam, off_topic or other"})
	case action == comment.ActionRemove && reason == "":
		errs = append(errs, comment.FieldError{Field: "reason", Message: "is required: ad_hominem, spam, off_topic, legal or other"})
	case action == comment.ActionRemove && !reason.ValidRemoval():
		errs = append(errs, comment.FieldError{Field: "reason", Message: "must be ad_hominem, spam, off_topic, legal or other"})
	case action != comment.ActionReject && action != comment.ActionRemove && reason != "":
		errs = append(errs, comment.FieldError{Field: "reason", Message: "is only for rejections and removals"})
	}
	if msg := CheckNote(note); msg != "" {
		errs = append(errs, comment.FieldError{Field: "note", Message: msg})
	}
	if len(errs) > 0 {
		return comment.Invalid(errs...)
	}
	return nil
}

// CheckNote reports what is wrong with a note or message, or "".
func CheckNote(note string) string {
	if !utf8.ValidString(note) {
		return "must be valid UTF-8"
	}
	if utf8.RuneCountInString(note) > MaxNoteRunes {
		return "must be at most " + strconv.Itoa(MaxNoteRunes) + " characters"
	}
	for _, r := range note {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return "must not contain control characters other than newline and tab"
		}
	}
	return ""
}

// Decide applies a moderator's decision (approve, reject, remove, restore,
// hold), drops the article's cached thread on every instance so readers
// see it at once, and tells the dashboards. The store's codes.
func (d *Desk) Decide(ctx context.Context, dec comment.Decision) (comment.Comment, error) {
	if err := CheckDecision(dec.Action, dec.Reason, dec.Note); err != nil {
		return comment.Comment{}, err
	}
	if dec.At.IsZero() {
		dec.At = d.Now().UTC()
	}
	ctx = comment.WithOutbox(ctx, d.decisionWebhooks(ctx, dec)...)
	ctx = comment.WithOutbox(ctx, d.mailForDecision(ctx, dec)...)
	c, err := d.Store.Decide(ctx, dec)
	if err != nil {
		return c, err
	}
	// Only a decision that publishes or unpublishes changes what readers
	// see; rejecting a pending comment needs no notice to every instance.
	if c.Status == comment.StatusApproved || dec.Action == comment.ActionRemove || dec.Action == comment.ActionHold {
		d.threadChanged(ctx, c.SiteID, c.ArticleURL)
	}
	d.publish(events.Event{Kind: events.Decided, CommentID: c.ID, SiteID: c.SiteID, Status: c.Status, Moderator: dec.Moderator, Comment: &c})
	return c, nil
}

// ChangeArticle closes, opens or retitles an article, audited, and drops
// its cached thread on every instance. CodeNotFound.
func (d *Desk) ChangeArticle(ctx context.Context, ch comment.ArticleChange) (comment.Article, error) {
	if ch.At.IsZero() {
		ch.At = d.Now().UTC()
	}
	// A URL the server learned is an alias (its page named another as
	// canonical) changes the canonical article, whoever asks: the CLI, the
	// API or the dashboard.
	aliases, err := d.Store.ArticleAliases(ctx, ch.SiteID)
	if err != nil {
		return comment.Article{}, err
	}
	if canonical, ok := aliases[ch.URL]; ok {
		ch.URL = canonical
	}
	a, err := d.Store.ChangeArticle(ctx, ch)
	if err != nil {
		return a, err
	}
	d.threadChanged(ctx, ch.SiteID, ch.URL)
	return a, nil
}

// SetArticleClosed opens or closes an article to new comments.
func (d *Desk) SetArticleClosed(ctx context.Context, siteID, url string, closed bool, moderator string) error {
	_, err := d.ChangeArticle(ctx, comment.ArticleChange{SiteID: siteID, URL: url, Closed: &closed, Moderator: moderator})
	return err
}

// MaxTitleRunes bounds an article title a moderator sets.
const MaxTitleRunes = 300

// CheckTitle reports what is wrong with an article title a moderator sets,
// or "".
func CheckTitle(title string) string {
	switch {
	case strings.TrimSpace(title) == "":
		return "is required"
	case !utf8.ValidString(title):
		return "must be valid UTF-8"
	case utf8.RuneCountInString(title) > MaxTitleRunes:
		return "must be at most " + strconv.Itoa(MaxTitleRunes) + " characters"
	}
	for _, r := range title {
		if r < 0x20 || r == 0x7f {
			return "must be one line without control characters"
		}
	}
	return ""
}
