package desk

import (
	"context"
	"fmt"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/events"
)

// Author is the name the audit log gives an author's own changes.
const Author = "author"

// ReportsRule is the name the audit log gives a hold made by readers'
// reports reaching the site's threshold.
const ReportsRule = "reports"

// Edit changes the text of the author's own comment c. A pending comment
// may be edited while it waits; a published one within the site's edit
// window, and the edit then waits for review as a revision. CodeConflict
// past the window or in another state.
func (d *Desk) Edit(ctx context.Context, site comment.Site, c comment.Comment, e comment.Edit) (comment.Comment, error) {
	now := d.Now().UTC()
	e.CommentID, e.At = c.ID, now
	switch c.Status {
	case comment.StatusPending, comment.StatusSpam:
	case comment.StatusApproved:
		window := site.EditWindowOrDefault()
		if now.Sub(c.CreatedAt) > window {
			return c, comment.Errorf(comment.CodeConflict, "The edit window has closed: a published comment can be edited for %s after it was sent.", humanDuration(window))
		}
	default:
		return c, comment.Errorf(comment.CodeConflict, "This comment is %s and can no longer be edited.", c.Status)
	}
	out, err := d.Store.EditComment(ctx, e)
	if err != nil {
		return out, err
	}
	d.publish(events.Event{Kind: events.Submitted, CommentID: out.ID, SiteID: out.SiteID, Status: out.Status})
	return out, nil
}

// Delete withdraws the author's own comment, at any time. A published one
// leaves the thread at once (as a tombstone when it has replies).
func (d *Desk) Delete(ctx context.Context, c comment.Comment) (comment.Comment, error) {
	out, err := d.Store.DeleteComment(ctx, c.ID, d.Now().UTC())
	if err != nil {
		return out, err
	}
	d.threadChanged(ctx, out.SiteID, out.ArticleURL)
	d.publish(events.Event{Kind: events.Decided, CommentID: out.ID, SiteID: out.SiteID, Status: out.Status, Moderator: Author})
	return out, nil
}

// Report files a reader's report of a published comment and returns how
// many readers have open reports on it. When that reaches the site's hold
// threshold, the comment goes back to the queue (audited under the rule
// "reports"). A reader's second report of one comment changes nothing and
// is not an error to them.
func (d *Desk) Report(ctx context.Context, site comment.Site, c comment.Comment, r comment.Report) (int, error) {
	if c.Status != comment.StatusApproved || c.RevisionOf != 0 {
		return 0, comment.Errorf(comment.CodeNotFound, "No published comment %d.", c.ID)
	}
	r.CommentID, r.SiteID, r.CreatedAt = c.ID, c.SiteID, d.Now().UTC()
	n, err := d.Store.CreateReport(comment.WithOutbox(ctx, d.reportWebhooks(ctx, c, r)...), r)
	if comment.ErrorCode(err) == comment.CodeConflict {
		return n, nil
	}
	if err != nil {
		return n, err
	}
	if site.ReportHold > 0 && n >= site.ReportHold {
		_, err := d.Decide(ctx, comment.Decision{CommentID: c.ID, Action: comment.ActionHold, Moderator: ReportsRule,
			Note: fmt.Sprintf("%d reader reports", n)})
		if err != nil && comment.ErrorCode(err) != comment.CodeConflict {
			return n, err
		}
	}
	return n, nil
}

// DismissReports closes a comment's open reports; it stays published.
func (d *Desk) DismissReports(ctx context.Context, commentID int64, moderator string) error {
	c, err := d.Store.Comment(ctx, commentID)
	if err != nil {
		return err
	}
	if err := d.Store.DismissReports(ctx, commentID, moderator, d.Now().UTC()); err != nil {
		return err
	}
	d.publish(events.Event{Kind: events.Decided, CommentID: c.ID, SiteID: c.SiteID, Status: c.Status, Moderator: moderator})
	return nil
}

// Appeal files the author's one appeal of their rejected or removed
// comment.
func (d *Desk) Appeal(ctx context.Context, c comment.Comment, message string) (comment.Appeal, error) {
	if msg := CheckNote(message); msg != "" {
		return comment.Appeal{}, comment.Invalid(comment.FieldError{Field: "message", Message: msg})
	}
	a, err := d.Store.CreateAppeal(ctx, comment.Appeal{CommentID: c.ID, Message: message, CreatedAt: d.Now().UTC()})
	if err != nil {
		return a, err
	}
	d.publish(events.Event{Kind: events.Submitted, CommentID: c.ID, SiteID: c.SiteID, Status: c.Status})
	return a, nil
}

// DecideAppeal upholds or overturns an appeal. Where the site has another
// moderator, the one who made the original decision may not decide its
// appeal (CodeForbidden). Overturning publishes the comment.
func (d *Desk) DecideAppeal(ctx context.Context, dec comment.AppealDecision) (comment.Comment, error) {
	if msg := CheckNote(dec.Note); msg != "" {
		return comment.Comment{}, comment.Invalid(comment.FieldError{Field: "note", Message: msg})
	}
	if dec.Outcome != comment.AppealUpheld && dec.Outcome != comment.AppealOverturned {
		return comment.Comment{}, comment.Invalid(comment.FieldError{Field: "outcome", Message: "must be upheld or overturned"})
	}
	a, err := d.Store.AppealOf(ctx, dec.CommentID)
	if err != nil {
		return comment.Comment{}, err
	}
	if a.OriginalBy == dec.Moderator {
		others, err := d.otherModerators(ctx, a.SiteID, dec.Moderator)
		if err != nil {
			return comment.Comment{}, err
		}
		if others > 0 {
			return comment.Comment{}, comment.Errorf(comment.CodeForbidden,
				"You made the decision under appeal; another moderator of this site must decide the appeal.")
		}
	}
	dec.At = d.Now().UTC()
	ctx = comment.WithOutbox(ctx, d.mailForAppeal(ctx, dec)...)
	c, err := d.Store.DecideAppeal(ctx, dec)
	if err != nil {
		return c, err
	}
	if dec.Outcome == comment.AppealOverturned {
		d.threadChanged(ctx, c.SiteID, c.ArticleURL)
	}
	d.publish(events.Event{Kind: events.Decided, CommentID: c.ID, SiteID: c.SiteID, Status: c.Status, Moderator: dec.Moderator})
	return c, nil
}

// otherModerators counts the enabled accounts other than name that may
// work on a site.
func (d *Desk) otherModerators(ctx context.Context, siteID, name string) (int, error) {
	ms, err := d.Store.Moderators(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		if m.Name != name && !m.Disabled && m.MaySee(siteID) {
			n++
		}
	}
	return n, nil
}

// Ban is a moderator banning, suspending (Until set), trusting or clearing
// the commenter who wrote a comment.
type Ban struct {
	Comment   comment.Comment
	Standing  comment.Standing
	Until     time.Time // a suspension's end; zero: until lifted
	Reason    string    // shown to the banned commenter
	Note      string
	Moderator string
}

// SetStanding bans, suspends, trusts or clears the commenter of b.Comment.
// A ban also rejects the commenter's pending comments and holds their
// address hash for the site's address-ban time (never beyond the IP
// retention), so a new email from the same address does not walk round it.
func (d *Desk) SetStanding(ctx context.Context, site comment.Site, b Ban) ([]int64, error) {
	if err := hasCommenter(b.Comment); err != nil {
		return nil, err
	}
	if msg := CheckNote(b.Note); msg != "" {
		return nil, comment.Invalid(comment.FieldError{Field: "note", Message: msg})
	}
	if msg := CheckNote(b.Reason); msg != "" {
		return nil, comment.Invalid(comment.FieldError{Field: "reason", Message: msg})
	}
	now := d.Now().UTC()
	if !b.Until.IsZero() && !b.Until.After(now) {
		return nil, comment.Invalid(comment.FieldError{Field: "until", Message: "must be in the future"})
	}
	ch := comment.StandingChange{SiteID: b.Comment.SiteID, EmailHMAC: b.Comment.EmailHMAC, Standing: b.Standing,
		CommentID: b.Comment.ID, Note: b.Note, Moderator: b.Moderator, At: now, Until: b.Until, Reason: b.Reason}
	if b.Standing == comment.StandingBanned && len(b.Comment.IPHash) > 0 {
		days := site.AddressBanDays
		if days <= 0 {
			days = comment.DefaultAddressBanDays
		}
		hold := time.Duration(days) * 24 * time.Hour
		if hold > d.IPRetention {
			hold = d.IPRetention
		}
		until := b.Comment.CreatedAt.Add(d.IPRetention)
		if end := now.Add(hold); end.Before(until) {
			until = end
		}
		if !b.Until.IsZero() && b.Until.Before(until) {
			until = b.Until
		}
		ch.IPHash, ch.AddressUntil = b.Comment.IPHash, until
	}
	rejected, err := d.Store.SetStanding(ctx, ch)
	if err != nil {
		return nil, err
	}
	for _, id := range rejected {
		d.publish(events.Event{Kind: events.Decided, CommentID: id, SiteID: ch.SiteID, Status: comment.StatusRejected, Moderator: b.Moderator})
	}
	return rejected, nil
}

// hasCommenter refuses to act on the commenter of a comment without an
// email (imported from an export that had none, or written by staff): all
// such comments share the same empty email HMAC, so a ban, a trust or
// rejecting "every pending comment of this commenter" would reach every
// one of them.
func hasCommenter(c comment.Comment) error {
	if len(c.EmailHMAC) > 0 {
		return nil
	}
	return comment.Invalid(comment.FieldError{Field: "email", Message: "is missing: this comment was imported without one or written by staff, " +
		"so it has no commenter to ban, trust or reject all pending comments of; decide on the comment itself"})
}

// RejectAllPending rejects every pending comment of the commenter who wrote
// c, as one action.
func (d *Desk) RejectAllPending(ctx context.Context, c comment.Comment, note, moderator string) ([]int64, error) {
	if err := hasCommenter(c); err != nil {
		return nil, err
	}
	if msg := CheckNote(note); msg != "" {
		return nil, comment.Invalid(comment.FieldError{Field: "note", Message: msg})
	}
	if note == "" {
		note = "every pending comment of this commenter rejected"
	}
	ids, err := d.Store.RejectPending(ctx, c.SiteID, c.EmailHMAC, note, moderator, d.Now().UTC())
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		d.publish(events.Event{Kind: events.Decided, CommentID: id, SiteID: c.SiteID, Status: comment.StatusRejected, Moderator: moderator})
	}
	return ids, nil
}

// Refusal says why a commenter may not post on a site now, or nil: a ban
// or suspension on their email, or a ban held on their address.
func (d *Desk) Refusal(ctx context.Context, siteID string, commenter comment.Commenter, ipHash []byte) error {
	now := d.Now().UTC()
	if commenter.Standing == comment.StandingBanned && (commenter.StandingUntil.IsZero() || commenter.StandingUntil.After(now)) {
		return banError(commenter.StandingReason, commenter.StandingUntil)
	}
	if len(ipHash) == 0 {
		return nil
	}
	b, err := d.Store.AddressBan(ctx, siteID, ipHash, now)
	switch comment.ErrorCode(err) {
	case "":
		return banError(b.Reason, time.Time{})
	case comment.CodeNotFound:
		return nil
	}
	return err
}

func banError(reason string, until time.Time) error {
	msg := "Comments from you are not accepted on this site"
	if !until.IsZero() {
		msg += " until " + until.UTC().Format("2 January 2006 15:04 UTC")
	}
	if reason != "" {
		msg += ". Reason: " + reason
	}
	return comment.Errorf(comment.CodeForbidden, "%s.", msg)
}

func humanDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}
