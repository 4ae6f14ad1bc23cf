package main

import (
	"context"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/outbox"
	"github.com/parleyhq/parley/webhook"
)

// webhookSender calls the sites' webhooks for the outbox worker.
func (a *app) webhookSender() outbox.Sender {
	return &webhook.Sender{Store: a.store, Keys: a.keys}
}

// runWebhooks sends the queued webhook calls until ctx ends. When the
// outbox worker of the mail (it sends every kind) runs in this process,
// register a.webhookSender() there instead, under comment.OutboxWebhook:
// two workers on one outbox would each reschedule the kind they lack.
func (a *app) runWebhooks(ctx context.Context) {
	w := &outbox.Worker{Store: a.store, Logger: a.logger.With("component", "outbox"),
		Senders: map[string]outbox.Sender{comment.OutboxWebhook: a.webhookSender()}}
	w.Run(ctx)
}
