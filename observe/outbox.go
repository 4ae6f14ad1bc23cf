package observe

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyhq/parley/comment"
)

// MetricOutboxBacklog is the number of unsent outbox items by kind.
const MetricOutboxBacklog = "parley_outbox_backlog"

var descOutboxBacklog = prometheus.NewDesc(MetricOutboxBacklog,
	"Outbox items (emails, webhook calls) not sent yet, by kind; with no SMTP configured, every email waits here.", []string{"kind"}, nil)

// outboxCollector asks the store for the outbox backlog on each scrape;
// both kinds are always exported, zero when empty.
type outboxCollector struct{ m *Metrics }

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descOutboxBacklog }

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.m.cfg.Store
	if st == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	backlog, err := st.OutboxBacklog(ctx)
	if err != nil {
		c.m.cfg.Logger.Warn("metrics: reading the outbox backlog failed", "err", err)
		return
	}
	if backlog == nil {
		backlog = map[string]int{}
	}
	for _, kind := range []string{comment.OutboxEmail, comment.OutboxWebhook} {
		if _, ok := backlog[kind]; !ok {
			backlog[kind] = 0
		}
	}
	for kind, n := range backlog {
		ch <- prometheus.MustNewConstMetric(descOutboxBacklog, prometheus.GaugeValue, float64(n), kind)
	}
}
