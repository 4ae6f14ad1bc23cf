package desk

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
)

// Email to commenters and moderators. Each message is an outbox item
// queued in the same transaction as the decision that causes it (through
// comment.WithOutbox), so none is lost; package mail renders and sends it.

// ReplyBatch is how long further replies to one comment wait to be told of
// together after a reply notice.
const ReplyBatch = time.Hour

// CheckNotify validates a submission's "notify" list.
func CheckNotify(topics []string) error {
	seen := map[string]bool{}
	for _, t := range topics {
		if t != comment.NotifyDecision && t != comment.NotifyReplies {
			return comment.Invalid(comment.FieldError{Field: "notify", Message: `may hold only "decision" and "replies"`})
		}
		if seen[t] {
			return comment.Invalid(comment.FieldError{Field: "notify", Message: "must not repeat " + t})
		}
		seen[t] = true
	}
	return nil
}

func payload(v map[string]any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// mailForDecision returns the messages a decision causes: the decision
// notice to an author who asked for it (on an approval, a rejection, or
// the removal of their published comment), and a reply notice to the
// author of the comment a newly published reply answers. Reading fails
// quietly (logged): a decision never fails for want of an email.
func (d *Desk) mailForDecision(ctx context.Context, dec comment.Decision) []comment.OutboxItem {
	if dec.Action != comment.ActionApprove && dec.Action != comment.ActionReject && dec.Action != comment.ActionRemove {
		return nil
	}
	c, err := d.Store.Comment(ctx, dec.CommentID)
	if err != nil || c.RevisionOf != 0 {
		return nil
	}
	if dec.Action == comment.ActionRemove && c.Status != comment.StatusApproved ||
		dec.Action != comment.ActionRemove && c.Status != comment.StatusPending && c.Status != comment.StatusSpam {
		return nil
	}
	var items []comment.OutboxItem
	if it, ok := d.decisionMail(ctx, c, dec); ok {
		items = append(items, it)
	}
	if dec.Action == comment.ActionApprove && c.ParentID != 0 {
		if it, ok := d.replyMail(ctx, c, dec.At); ok {
			items = append(items, it)
		}
	}
	return items
}

func (d *Desk) wants(ctx context.Context, c comment.Comment, topic string) (comment.Notify, bool) {
	n, err := d.Store.NotifyOf(ctx, c.ID)
	if err != nil {
		d.Logger.Warn("mail: reading opt-ins failed", "comment", c.ID, "err", err)
		return n, false
	}
	if !n.Has(topic) {
		return n, false
	}
	out, err := d.Store.Unsubscribed(ctx, c.SiteID, c.EmailHMAC)
	if err != nil {
		d.Logger.Warn("mail: reading unsubscriptions failed", "comment", c.ID, "err", err)
		return n, false
	}
	return n, !out
}

func (d *Desk) decisionMail(ctx context.Context, c comment.Comment, dec comment.Decision) (comment.OutboxItem, bool) {
	n, ok := d.wants(ctx, c, comment.NotifyDecision)
	if !ok {
		return comment.OutboxItem{}, false
	}
	p := map[string]any{"lang": n.Lang, "published": dec.Action == comment.ActionApprove,
		"article_url": c.ArticleURL, "article_title": articleTitle(c), "excerpt": excerpt(c.Body)}
	if dec.Action == comment.ActionRemove {
		p["removed"] = true
	}
	if dec.Action == comment.ActionReject || dec.Action == comment.ActionRemove {
		p["reason"] = string(dec.Reason)
		if dec.ShareNote && dec.Note != "" {
			p["note"] = dec.Note
		}
		// A rejection or a removal can be appealed once (the lifecycle's
		// rule); spam is told as a rejection like any other.
		p["appeal"] = true
	}
	return comment.OutboxItem{Kind: comment.OutboxEmail, Topic: "decision", SiteID: c.SiteID, CommentID: c.ID,
		Target: "commenter", Payload: payload(p)}, true
}

// replyMail tells the author of the comment r answers of r: at once for
// the first reply, then at most once per ReplyBatch for the replies
// published meanwhile (the sender reads them when it sends).
func (d *Desk) replyMail(ctx context.Context, r comment.Comment, at time.Time) (comment.OutboxItem, bool) {
	parent, err := d.Store.Comment(ctx, r.ParentID)
	if err != nil || parent.Status != comment.StatusApproved {
		return comment.OutboxItem{}, false
	}
	if string(parent.EmailHMAC) == string(r.EmailHMAC) {
		return comment.OutboxItem{}, false // one's own reply
	}
	n, ok := d.wants(ctx, parent, comment.NotifyReplies)
	if !ok {
		return comment.OutboxItem{}, false
	}
	p := map[string]any{"lang": n.Lang, "article_url": parent.ArticleURL, "article_title": articleTitle(parent), "excerpt": excerpt(parent.Body)}
	it := comment.OutboxItem{Kind: comment.OutboxEmail, Topic: "reply", SiteID: parent.SiteID, CommentID: parent.ID, Target: "commenter"}
	last, err := d.Store.LastOutbox(ctx, comment.OutboxEmail, "reply", parent.ID)
	switch comment.ErrorCode(err) {
	case comment.CodeNotFound:
	case "":
		// The end of the window the last notice covers: its creation for
		// a notice sent at once, "until" for a batch.
		var lp struct {
			Until time.Time `json:"until"`
		}
		_ = json.Unmarshal(last.Payload, &lp)
		end := last.CreatedAt
		if !lp.Until.IsZero() {
			end = lp.Until
		}
		if !at.After(end) {
			return it, false // a batch already waiting covers r
		}
		if at.Sub(end) < ReplyBatch {
			p["after"], p["until"] = end.UTC().Format(time.RFC3339Nano), end.Add(ReplyBatch).UTC().Format(time.RFC3339Nano)
			it.NextAttempt = end.Add(ReplyBatch)
			it.Payload = payload(p)
			return it, true
		}
	default:
		d.Logger.Warn("mail: reading the last reply notice failed", "comment", parent.ID, "err", err)
		return it, false
	}
	p["replies"] = []int64{r.ID}
	it.Payload = payload(p)
	return it, true
}

func articleTitle(c comment.Comment) string {
	if c.ArticleTitle != "" {
		return c.ArticleTitle
	}
	return c.ArticleURL
}

func excerpt(s string) string {
	r := []rune(s)
	if len(r) > 300 {
		return string(r[:300]) + "…"
	}
	return s
}

// mailForSubmit returns the decision notice of a comment a rule decided as
// it was sent (published at once, or rejected by the site's rules), when
// its author asked for one. Spam is not answered.
func (d *Desk) mailForSubmit(ctx context.Context, c *comment.Comment) []comment.OutboxItem {
	var items []comment.OutboxItem
	if c.Status == comment.StatusApproved && c.ParentID != 0 {
		if it, ok := d.replyMail(ctx, *c, c.CreatedAt); ok {
			items = append(items, it)
		}
	}
	if c.Status != comment.StatusApproved && c.Status != comment.StatusRejected {
		return items
	}
	asked := false
	for _, t := range c.Notify {
		asked = asked || t == comment.NotifyDecision
	}
	if !asked {
		return items
	}
	lang := c.NotifyLang
	if lang == "" {
		lang = "en"
	}
	p := map[string]any{"lang": lang, "published": c.Status == comment.StatusApproved,
		"article_url": c.ArticleURL, "article_title": articleTitle(*c), "excerpt": excerpt(c.Body)}
	if c.Status == comment.StatusRejected {
		p["reason"], p["appeal"] = string(c.Reason), true
	}
	return append(items, comment.OutboxItem{Kind: comment.OutboxEmail, Topic: "decision", SiteID: c.SiteID, Target: "commenter", Payload: payload(p)})
}

// Unsubscribe stops every message to a commenter's email on a site (the
// one-click link of their messages).
func (d *Desk) Unsubscribe(ctx context.Context, siteID string, emailHMAC []byte) error {
	return d.Store.Unsubscribe(ctx, siteID, emailHMAC, d.Now().UTC())
}

// CheckDigest validates a digest interval.
func CheckDigest(digest string) error {
	switch digest {
	case comment.DigestOff, comment.DigestHourly, comment.DigestDaily:
		return nil
	}
	return comment.Invalid(comment.FieldError{Field: "digest", Message: "must be off, hourly or daily"})
}

// SetModeratorMail sets a moderator's encrypted email (empty: none, which
// stops every message to them) and digest interval. CodeNotFound.
func (d *Desk) SetModeratorMail(ctx context.Context, name string, emailCipher []byte, digest string) error {
	if digest == "off" {
		digest = comment.DigestOff
	}
	if err := CheckDigest(digest); err != nil {
		return err
	}
	m, err := d.Store.ModeratorByName(ctx, name)
	if err != nil {
		return err
	}
	return d.Store.SetModeratorMail(ctx, comment.ModeratorMail{ModeratorID: m.ID, EmailCipher: emailCipher, Digest: digest})
}

// UnsubscribeModerator drops a moderator's email (the link of their
// digests and alerts); they may add it again in the dashboard.
func (d *Desk) UnsubscribeModerator(ctx context.Context, moderatorID int64) error {
	return d.Store.SetModeratorMail(ctx, comment.ModeratorMail{ModeratorID: moderatorID})
}

// DigestEvery is how often a digest interval sends.
func DigestEvery(digest string) time.Duration {
	switch digest {
	case comment.DigestHourly:
		return time.Hour
	case comment.DigestDaily:
		return 24 * time.Hour
	}
	return 0
}

// DigestItems is how many comments a digest lists.
const DigestItems = 10

// MailTick queues the moderators' digests that are due and the alerts of
// sites whose oldest pending comment waited past their limit. queueURL is
// the dashboard's queue, linked from both. cmd/parley calls it every
// minute.
func (d *Desk) MailTick(ctx context.Context, queueURL string) error {
	now := d.Now().UTC()
	mms, err := d.Store.ModeratorMails(ctx)
	if err != nil {
		return err
	}
	sites, err := d.Store.Sites(ctx)
	if err != nil {
		return err
	}
	for _, mm := range mms {
		if len(mm.EmailCipher) == 0 {
			continue
		}
		m, err := d.Store.ModeratorByName(ctx, mm.Name)
		if err != nil || m.Disabled {
			continue
		}
		if every := DigestEvery(mm.Digest); every > 0 && now.Sub(mm.LastDigest) >= every {
			if err := d.queueDigest(ctx, m, mm, sites, queueURL, now); err != nil {
				return err
			}
		}
		if err := d.queueAlerts(ctx, m, mm, sites, queueURL, now); err != nil {
			return err
		}
	}
	return nil
}

type waiting struct {
	c       comment.Comment
	flagged bool
}

// queueState reads what a moderator sees waiting on their sites: counts,
// and the flagged then the oldest comments.
func (d *Desk) queueState(ctx context.Context, m comment.Moderator, sites []comment.Site) (pending, flagged, reported int, names []string, items []comment.Comment, oldest *comment.Comment, err error) {
	for _, s := range sites {
		if !m.MaySee(s.ID) {
			continue
		}
		names = append(names, s.ID)
		counts, err := d.Store.CountByStatus(ctx, s.ID)
		if err != nil {
			return 0, 0, 0, nil, nil, nil, err
		}
		f, err := d.Store.CountFlagged(ctx, s.ID)
		if err != nil {
			return 0, 0, 0, nil, nil, nil, err
		}
		rep, err := d.Store.ReportedQueue(ctx, s.ID, 500)
		if err != nil {
			return 0, 0, 0, nil, nil, nil, err
		}
		pending, flagged, reported = pending+counts[comment.StatusPending], flagged+f, reported+len(rep)
		// Flagged first, then oldest: the first unflagged one is at
		// index f, and the oldest is the older of it and the first.
		q, err := d.Store.Queue(ctx, comment.QueueQuery{SiteID: s.ID, Status: comment.StatusPending, Limit: min(f+DigestItems, 500)})
		if err != nil {
			return 0, 0, 0, nil, nil, nil, err
		}
		for i := range q {
			if oldest == nil || q[i].CreatedAt.Before(oldest.CreatedAt) {
				c := q[i]
				oldest = &c
			}
		}
		items = append(items, q...)
	}
	slices.SortStableFunc(items, func(a, b comment.Comment) int {
		if a.Flagged != b.Flagged {
			if a.Flagged {
				return -1
			}
			return 1
		}
		return a.CreatedAt.Compare(b.CreatedAt)
	})
	if len(items) > DigestItems {
		items = items[:DigestItems]
	}
	return pending, flagged, reported, names, items, oldest, nil
}

func (d *Desk) queueDigest(ctx context.Context, m comment.Moderator, mm comment.ModeratorMail, sites []comment.Site, queueURL string, now time.Time) error {
	pending, flagged, reported, names, items, oldest, err := d.queueState(ctx, m, sites)
	if err != nil {
		return err
	}
	p := map[string]any{"lang": "en", "pending": pending, "flagged": flagged, "reported": reported, "sites": names,
		"queue_url": queueURL, "interval": mm.Digest}
	if oldest != nil {
		p["oldest"] = map[string]any{"id": oldest.ID, "site": oldest.SiteID, "name": oldest.AuthorName,
			"excerpt": shortExcerpt(oldest.Body), "age": Age(now.Sub(oldest.CreatedAt))}
	}
	var list []map[string]any
	for _, c := range items {
		list = append(list, map[string]any{"id": c.ID, "site": c.SiteID, "name": c.AuthorName, "flagged": c.Flagged,
			"excerpt": shortExcerpt(c.Body), "age": Age(now.Sub(c.CreatedAt))})
	}
	p["items"] = list
	it := comment.OutboxItem{Kind: comment.OutboxEmail, Topic: "digest", Target: "moderator:" + strconv.FormatInt(m.ID, 10), Payload: payload(p)}
	if pending == 0 && reported == 0 {
		// Nothing waits: no message; the digest goes once something does.
		return nil
	}
	return d.Store.MarkModeratorMail(comment.WithOutbox(ctx, it), m.ID, now, time.Time{})
}

func (d *Desk) queueAlerts(ctx context.Context, m comment.Moderator, mm comment.ModeratorMail, sites []comment.Site, queueURL string, now time.Time) error {
	for _, s := range sites {
		limit := time.Duration(s.Mail.AlertMinutes) * time.Minute
		if limit <= 0 || !m.MaySee(s.ID) || now.Sub(mm.LastAlert) < limit {
			continue
		}
		pending, _, _, _, _, oldest, err := d.queueState(ctx, m, []comment.Site{s})
		if err != nil {
			return err
		}
		if oldest == nil || now.Sub(oldest.CreatedAt) <= limit {
			continue
		}
		p := map[string]any{"lang": "en", "site": s.ID, "pending": pending, "limit_minutes": s.Mail.AlertMinutes,
			"age": Age(now.Sub(oldest.CreatedAt)), "queue_url": queueURL}
		it := comment.OutboxItem{Kind: comment.OutboxEmail, Topic: "alert", SiteID: s.ID, CommentID: oldest.ID,
			Target: "moderator:" + strconv.FormatInt(m.ID, 10), Payload: payload(p)}
		if err := d.Store.MarkModeratorMail(comment.WithOutbox(ctx, it), m.ID, time.Time{}, now); err != nil {
			return err
		}
		mm.LastAlert = now
	}
	return nil
}

// Age says how long something waited, in minutes, hours or days.
func Age(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return "1 minute"
	case d < 2*time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " minutes"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " hours"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + " days"
}

func shortExcerpt(s string) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) > 120 {
		return string(r[:120]) + "…"
	}
	return string(r)
}

// SetMailSettings replaces a site's email settings (the queue alert limit).
func (d *Desk) SetMailSettings(ctx context.Context, siteID string, ms comment.MailSettings) error {
	if ms.AlertMinutes < 0 || ms.AlertMinutes > 7*24*60 {
		return comment.Invalid(comment.FieldError{Field: "alert_minutes", Message: "must be 0 (no alert) to 10080 (a week)"})
	}
	site, err := d.Store.Site(ctx, siteID)
	if err != nil {
		return err
	}
	site.Mail = ms
	return d.UpdateSite(ctx, site)
}

// mailForAppeal returns the published notice of a comment whose appeal is
// overturned, when its author asked to hear of decisions.
func (d *Desk) mailForAppeal(ctx context.Context, dec comment.AppealDecision) []comment.OutboxItem {
	if dec.Outcome != comment.AppealOverturned {
		return nil
	}
	c, err := d.Store.Comment(ctx, dec.CommentID)
	if err != nil {
		return nil
	}
	n, ok := d.wants(ctx, c, comment.NotifyDecision)
	if !ok {
		return nil
	}
	p := map[string]any{"lang": n.Lang, "published": true, "appealed": true,
		"article_url": c.ArticleURL, "article_title": articleTitle(c), "excerpt": excerpt(c.Body)}
	return []comment.OutboxItem{{Kind: comment.OutboxEmail, Topic: "decision", SiteID: c.SiteID, CommentID: c.ID, Target: "commenter", Payload: payload(p)}}
}
