package desk

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/webhook"
)

// Webhook calls ride the outbox: each change that causes an event carries
// one outbox item per enabled webhook of the site that subscribes to it,
// written in the change's own transaction (comment.WithOutbox at the call
// site). The item's Payload is the JSON body to send; it never holds an
// email address.

// webhookItems returns the outbox items of one event about c: one per
// enabled webhook of c's site subscribed to it. A failure to read the
// webhooks is logged, not returned: it must not refuse the change itself.
func (d *Desk) webhookItems(ctx context.Context, c comment.Comment, events ...webhook.Event) []comment.OutboxItem {
	if len(events) == 0 {
		return nil
	}
	hooks, err := d.Store.SiteWebhooks(ctx, c.SiteID)
	if err != nil {
		d.Logger.Warn("reading webhooks failed; this change calls none", "site", c.SiteID, "err", err)
		return nil
	}
	var items []comment.OutboxItem
	for _, ev := range events {
		var body []byte
		for _, h := range hooks {
			if !h.Wants(ev.Event) {
				continue
			}
			if body == nil {
				if body, err = json.Marshal(ev); err != nil {
					d.Logger.Warn("encoding a webhook event failed", "err", err)
					return items
				}
			}
			items = append(items, comment.OutboxItem{Kind: comment.OutboxWebhook, Topic: ev.Event, SiteID: c.SiteID,
				CommentID: c.ID, Target: strconv.FormatInt(h.ID, 10), Payload: body})
		}
	}
	return items
}

// submitWebhooks: comment.created for a new comment, and comment.approved
// or comment.rejected when a rule decided it at once.
func (d *Desk) submitWebhooks(ctx context.Context, c comment.Comment) []comment.OutboxItem {
	at := c.CreatedAt
	if at.IsZero() {
		at = d.Now().UTC()
	}
	evs := []webhook.Event{webhook.NewEvent(comment.EventCommentCreated, c, at)}
	switch c.Status {
	case comment.StatusApproved:
		evs = append(evs, webhook.NewEvent(comment.EventCommentApproved, c, at))
	case comment.StatusRejected, comment.StatusSpam:
		evs = append(evs, webhook.NewEvent(comment.EventCommentRejected, c, at))
	}
	return d.webhookItems(ctx, c, evs...)
}

// decisionWebhooks: comment.approved (approve, restore), comment.rejected
// or comment.removed, with the comment as the decision leaves it. A
// revision's decision and a hold call none.
func (d *Desk) decisionWebhooks(ctx context.Context, dec comment.Decision) []comment.OutboxItem {
	var event string
	switch dec.Action {
	case comment.ActionApprove, comment.ActionRestore:
		event = comment.EventCommentApproved
	case comment.ActionReject:
		event = comment.EventCommentRejected
	case comment.ActionRemove:
		event = comment.EventCommentRemoved
	default:
		return nil
	}
	c, err := d.Store.Comment(ctx, dec.CommentID)
	if err != nil || c.RevisionOf != 0 {
		return nil // the decision itself reports a missing comment
	}
	c.Status, c.Reason, c.DecidedBy = comment.Transitions[dec.Action].To, dec.Reason, dec.Moderator
	if dec.Action == comment.ActionReject && dec.Reason == comment.ReasonSpam {
		c.Status = comment.StatusSpam
	}
	if dec.Action != comment.ActionReject && dec.Action != comment.ActionRemove {
		c.Reason = ""
	}
	return d.webhookItems(ctx, c, webhook.NewEvent(event, c, dec.At))
}

// reportWebhooks: comment.reported, with the report's reason and never
// who filed it.
func (d *Desk) reportWebhooks(ctx context.Context, c comment.Comment, r comment.Report) []comment.OutboxItem {
	ev := webhook.NewEvent(comment.EventCommentReported, c, r.CreatedAt)
	ev.Report = &webhook.Report{Reason: r.Reason}
	return d.webhookItems(ctx, c, ev)
}

// WebhookInput is a moderator's new or changed webhook. Nil fields of a
// change stay as they are.
type WebhookInput struct {
	URL     *string
	Secret  *string // empty on create: one is made
	Events  *[]string
	Format  *string
	Enabled *bool
}

// MinSecretLen is the shortest signing secret accepted.
const MinSecretLen = 16

func (in WebhookInput) apply(w *comment.Webhook, keys *secret.Keyring) (plain string, err error) {
	var errs []comment.FieldError
	if in.URL != nil {
		if msg := webhook.CheckURL(*in.URL); msg != "" {
			errs = append(errs, comment.FieldError{Field: "url", Message: msg})
		}
		w.URL = *in.URL
	}
	if in.Events != nil {
		evs := *in.Events
		if len(evs) == 0 {
			errs = append(errs, comment.FieldError{Field: "events", Message: "must name at least one of " + strings.Join(comment.WebhookEvents, ", ")})
		}
		for _, e := range evs {
			if !slices.Contains(comment.WebhookEvents, e) {
				errs = append(errs, comment.FieldError{Field: "events", Message: "has " + strconv.Quote(e) + "; each must be one of " + strings.Join(comment.WebhookEvents, ", ")})
				break
			}
		}
		w.Events = slices.Compact(slices.Sorted(slices.Values(evs)))
	}
	if in.Format != nil {
		switch *in.Format {
		case comment.WebhookJSON, comment.WebhookSlack:
			w.Format = *in.Format
		case "":
			w.Format = comment.WebhookJSON
		default:
			errs = append(errs, comment.FieldError{Field: "format", Message: "must be json or slack"})
		}
	}
	if in.Enabled != nil {
		w.Enabled = *in.Enabled
	}
	if in.Secret != nil {
		plain = *in.Secret
		switch {
		case len(plain) < MinSecretLen:
			errs = append(errs, comment.FieldError{Field: "secret", Message: "must be at least " + strconv.Itoa(MinSecretLen) + " characters"})
		case len(plain) > 200:
			errs = append(errs, comment.FieldError{Field: "secret", Message: "must be at most 200 characters"})
		case strings.ContainsFunc(plain, func(r rune) bool { return r < 0x21 || r == 0x7f }):
			errs = append(errs, comment.FieldError{Field: "secret", Message: "must not contain spaces or control characters"})
		}
	}
	if len(errs) > 0 {
		return "", comment.Invalid(errs...)
	}
	if in.Secret != nil {
		if w.SecretCipher, err = keys.EncryptEmail(plain); err != nil {
			return "", err
		}
	}
	return plain, nil
}

// CreateWebhook adds a webhook to a site, sealing its secret with the
// server's key; without a secret one is made. It returns the webhook and
// the plain secret, shown to the moderator this once. URL and events are
// required.
func (d *Desk) CreateWebhook(ctx context.Context, keys *secret.Keyring, siteID string, in WebhookInput) (comment.Webhook, string, error) {
	var errs []comment.FieldError
	if in.URL == nil {
		errs = append(errs, comment.FieldError{Field: "url", Message: "is required"})
	}
	if in.Events == nil {
		errs = append(errs, comment.FieldError{Field: "events", Message: "is required: one or more of " + strings.Join(comment.WebhookEvents, ", ")})
	}
	if len(errs) > 0 {
		return comment.Webhook{}, "", comment.Invalid(errs...)
	}
	if in.Secret == nil || *in.Secret == "" {
		s := secret.NewToken()
		in.Secret = &s
	}
	if in.Enabled == nil {
		on := true
		in.Enabled = &on
	}
	if in.Format == nil {
		f := comment.WebhookJSON
		in.Format = &f
	}
	w := comment.Webhook{SiteID: siteID, CreatedAt: d.Now().UTC()}
	plain, err := in.apply(&w, keys)
	if err != nil {
		return w, "", err
	}
	w, err = d.Store.CreateWebhook(ctx, w)
	return w, plain, err
}

// UpdateWebhook changes a site's webhook; CodeNotFound when it is not one
// of the site's.
func (d *Desk) UpdateWebhook(ctx context.Context, keys *secret.Keyring, siteID string, id int64, in WebhookInput) (comment.Webhook, error) {
	w, err := d.SiteWebhook(ctx, siteID, id)
	if err != nil {
		return w, err
	}
	if _, err := in.apply(&w, keys); err != nil {
		return w, err
	}
	return w, d.Store.UpdateWebhook(ctx, w)
}

// DeleteWebhook deletes a site's webhook; its queued calls are given up.
func (d *Desk) DeleteWebhook(ctx context.Context, siteID string, id int64) error {
	return d.Store.DeleteWebhook(ctx, siteID, id)
}

// SiteWebhook returns a webhook of a site; CodeNotFound when the ID is
// another site's.
func (d *Desk) SiteWebhook(ctx context.Context, siteID string, id int64) (comment.Webhook, error) {
	w, err := d.Store.Webhook(ctx, id)
	if err == nil && w.SiteID != siteID {
		err = comment.Errorf(comment.CodeNotFound, "Webhook %d not found.", id)
	}
	return w, err
}

// TestWebhook queues a test call (event webhook.test) to a site's webhook,
// sent even when it is disabled, and returns the queued item.
func (d *Desk) TestWebhook(ctx context.Context, siteID string, id int64) (comment.OutboxItem, error) {
	if _, err := d.SiteWebhook(ctx, siteID, id); err != nil {
		return comment.OutboxItem{}, err
	}
	body, err := json.Marshal(webhook.TestEvent(siteID, d.Now().UTC()))
	if err != nil {
		return comment.OutboxItem{}, err
	}
	it := comment.OutboxItem{Kind: comment.OutboxWebhook, Topic: webhook.EventTest, SiteID: siteID,
		Target: strconv.FormatInt(id, 10), Payload: body, MessageID: comment.NewMessageID(), CreatedAt: d.Now().UTC()}
	return it, d.Store.EnqueueOutbox(ctx, it)
}

// WebhookDeliveries lists a webhook's last calls (limit, default 20),
// newest first.
func (d *Desk) WebhookDeliveries(ctx context.Context, siteID string, id int64, limit int) ([]comment.OutboxItem, error) {
	if limit <= 0 {
		limit = 20
	}
	return d.Store.OutboxItems(ctx, comment.OutboxFilter{Kind: comment.OutboxWebhook, SiteID: siteID, Target: strconv.FormatInt(id, 10), Limit: limit})
}
