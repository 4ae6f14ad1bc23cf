package comment

import (
	"context"
	"time"
)

// The events a webhook may subscribe to.
const (
	EventCommentCreated  = "comment.created"
	EventCommentApproved = "comment.approved"
	EventCommentRejected = "comment.rejected"
	EventCommentRemoved  = "comment.removed"
	EventCommentReported = "comment.reported"
)

// WebhookEvents lists every event, in the order the docs give them.
var WebhookEvents = []string{EventCommentCreated, EventCommentApproved, EventCommentRejected, EventCommentRemoved, EventCommentReported}

// The body formats of a webhook.
const (
	WebhookJSON  = "json"
	WebhookSlack = "slack"
)

// Webhook is a newsroom's HTTP endpoint that hears of a site's comment
// events, each call signed with its secret.
type Webhook struct {
	ID     int64
	SiteID string
	URL    string
	// SecretCipher is the signing secret sealed with the server's key; it
	// is never stored in plain.
	SecretCipher []byte
	// Events it subscribes to (a subset of WebhookEvents).
	Events []string
	// Format is WebhookJSON or WebhookSlack.
	Format    string
	Enabled   bool
	CreatedAt time.Time
}

// Wants reports whether the webhook is enabled and subscribes to event.
func (w Webhook) Wants(event string) bool {
	if !w.Enabled {
		return false
	}
	for _, e := range w.Events {
		if e == event {
			return true
		}
	}
	return false
}

// Webhooks is the store's side of webhooks.
type Webhooks interface {
	// CreateWebhook stores a webhook and returns it with its ID;
	// CodeNotFound when the site is unknown.
	CreateWebhook(ctx context.Context, w Webhook) (Webhook, error)
	// UpdateWebhook replaces a webhook's URL, secret, events, format and
	// enabled flag (not its site); CodeNotFound.
	UpdateWebhook(ctx context.Context, w Webhook) error
	// DeleteWebhook deletes a webhook of a site; CodeNotFound.
	DeleteWebhook(ctx context.Context, siteID string, id int64) error
	// Webhook returns one webhook; CodeNotFound.
	Webhook(ctx context.Context, id int64) (Webhook, error)
	// SiteWebhooks lists a site's webhooks by ID.
	SiteWebhooks(ctx context.Context, siteID string) ([]Webhook, error)
}
