package main

import (
	"github.com/parleyhq/parley/outbox"
	"github.com/parleyhq/parley/webhook"
)

// webhookSender calls the sites' webhooks for the outbox worker.
func (a *app) webhookSender() outbox.Sender {
	return &webhook.Sender{Store: a.store, Keys: a.keys}
}
