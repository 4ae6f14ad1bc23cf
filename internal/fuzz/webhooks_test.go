package fuzz

import (
	"context"

	"github.com/parleyhq/parley/comment"
)

// SiteWebhooks: the sites of the fuzzed submissions have no webhooks.
func (m *memStore) SiteWebhooks(context.Context, string) ([]comment.Webhook, error) { return nil, nil }
