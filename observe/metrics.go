// Package observe is what an operator watches a running Parley by: the
// Prometheus metrics, the access log, and the request ID that ties a log
// line to a reader's report. It hooks into the rest of Parley from the
// outside: an http.Handler wrapped around the server, and an events.Events
// wrapped around the live event stream, so the code that serves requests
// and records decisions does not know it is being watched.
package observe

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Build identifies the running binary for parley_build_info.
type Build struct {
	Version string
	Commit  string
	Model   string // the ad hominem model's version
}

// Config is what Metrics needs; cmd/parley fills it.
type Config struct {
	// Store answers the queue gauges on each scrape and the comment
	// lookups behind the decision metrics.
	Store  comment.Store
	Logger *slog.Logger
	// Now is the clock; tests inject one.
	Now   func() time.Time
	Build Build
	// ThreadCache reports the thread cache's hits and misses since start;
	// nil when there is no cache.
	ThreadCache func() (hits, misses uint64)
	// UnparsedForwardedFor reports the X-Forwarded-For hops from trusted
	// proxies that were no address; nil: not counted.
	UnparsedForwardedFor func() int64
}

// Metrics holds every Parley metric in its own registry (nothing is
// registered globally, so two servers in one test process do not collide).
type Metrics struct {
	cfg Config
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	submissions     *prometheus.CounterVec
	decisions       *prometheus.CounterVec
	decisionLatency *prometheus.HistogramVec
	scores          prometheus.Histogram
	eventsDropped   prometheus.Counter

	// pending carries published events to the goroutine that looks their
	// comment up; closed by Close.
	pending   chan eventJob
	done      chan struct{}
	closeOnce sync.Once
}

// The names of every metric family Parley exports besides the Go runtime's
// and the process's (parley_go_*, parley_process_*), in one place.
const (
	MetricRequests         = "parley_http_requests_total"
	MetricRequestDuration  = "parley_http_request_duration_seconds"
	MetricSubmissions      = "parley_submissions_total"
	MetricDecisions        = "parley_decisions_total"
	MetricDecisionLatency  = "parley_decision_latency_seconds"
	MetricClassifierScore  = "parley_classifier_score"
	MetricQueueDepth       = "parley_queue_depth"
	MetricOldestPending    = "parley_oldest_pending_age_seconds"
	MetricCacheHits        = "parley_thread_cache_hits_total"
	MetricUnparsedXFF      = "parley_forwarded_for_unparsed_total"
	MetricCacheMisses      = "parley_thread_cache_misses_total"
	MetricDBConnections    = "parley_db_connections"
	MetricDBMaxConnections = "parley_db_max_connections"
	MetricDBWaits          = "parley_db_wait_total"
	MetricDBWaitSeconds    = "parley_db_wait_seconds_total"
	MetricBuildInfo        = "parley_build_info"
	MetricEventsDropped    = "parley_metrics_events_dropped_total"
	MetricScrapeErrors     = "parley_metrics_store_errors_total"
)

// New builds the metrics and starts the goroutine that turns published
// events into decision metrics; Close stops it.
func New(cfg Config) *Metrics {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{cfg: cfg, reg: prometheus.NewRegistry(), pending: make(chan eventJob, 4096), done: make(chan struct{})}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricRequests, Help: "HTTP requests answered, by route pattern, method and status.",
	}, []string{"route", "method", "status"})
	m.requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: MetricRequestDuration, Help: "Time to answer an HTTP request, by route pattern and method.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method"})
	m.submissions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricSubmissions, Help: "Comments accepted, by site and the status they were stored in (pending, or a rule's verdict).",
	}, []string{"site", "outcome"})
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricDecisions, Help: "Decisions on comments, by site, outcome, moderator (empty for a rule), reason and rule (empty for a moderator).",
	}, []string{"site", "outcome", "moderator", "reason", "rule"})
	m.decisionLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: MetricDecisionLatency, Help: "Time from a comment's submission to a moderator's decision on it, by site and outcome.",
		Buckets: []float64{30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800},
	}, []string{"site", "outcome"})
	m.scores = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: MetricClassifierScore, Help: "Ad hominem scores of accepted comments.",
		Buckets: prometheus.LinearBuckets(0.05, 0.05, 20),
	})
	m.eventsDropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: MetricEventsDropped, Help: "Events not counted because the metrics could not keep up.",
	})
	m.reg.MustRegister(m.requests, m.requestDuration, m.submissions, m.decisions, m.decisionLatency, m.scores, m.eventsDropped)
	m.reg.MustRegister(&storeCollector{m: m, errors: prometheus.NewCounter(prometheus.CounterOpts{
		Name: MetricScrapeErrors, Help: "Scrapes whose database questions failed.",
	})})
	m.reg.MustRegister(&outboxCollector{m: m})
	if cfg.ThreadCache != nil {
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: MetricCacheHits, Help: "Thread reads answered from the cache."},
				func() float64 { h, _ := cfg.ThreadCache(); return float64(h) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: MetricCacheMisses, Help: "Thread reads rendered from the database."},
				func() float64 { _, mi := cfg.ThreadCache(); return float64(mi) }))
	}
	if cfg.UnparsedForwardedFor != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: MetricUnparsedXFF,
			Help: "X-Forwarded-For hops from a trusted proxy that were no address (each then stands for its client as text)."},
			func() float64 { return float64(cfg.UnparsedForwardedFor()) }))
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: MetricBuildInfo, Help: "Always 1; the labels name the build and the classifier model.",
		ConstLabels: prometheus.Labels{"version": cfg.Build.Version, "commit": cfg.Build.Commit, "model": cfg.Build.Model, "go_version": runtime.Version()},
	})
	info.Set(1)
	m.reg.MustRegister(info)
	// The runtime's and process's own metrics, under parley_ like the rest.
	prefixed := prometheus.WrapRegistererWithPrefix("parley_", m.reg)
	prefixed.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	go m.run()
	return m
}

// Close stops the event goroutine.
func (m *Metrics) Close() {
	m.closeOnce.Do(func() { close(m.pending) })
	<-m.done
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(m.cfg.Logger.Handler(), slog.LevelWarn)})
}

// storeCollector asks the database on each scrape: queue depth, the age of
// the oldest pending comment, and connection pool stats.
type storeCollector struct {
	m      *Metrics
	errors prometheus.Counter
}

var (
	descQueueDepth = prometheus.NewDesc(MetricQueueDepth, "Comments by site and status.", []string{"site", "status"}, nil)
	descOldest     = prometheus.NewDesc(MetricOldestPending, "Age of the oldest pending comment, by site (absent when none is pending).", []string{"site"}, nil)
	descConns      = prometheus.NewDesc(MetricDBConnections, "Database connections by pool and state (in_use, idle).", []string{"pool", "state"}, nil)
	descMaxConns   = prometheus.NewDesc(MetricDBMaxConnections, "The most connections a pool opens.", []string{"pool"}, nil)
	descWaits      = prometheus.NewDesc(MetricDBWaits, "Connection acquisitions that had to wait, by pool.", []string{"pool"}, nil)
	descWaitSecs   = prometheus.NewDesc(MetricDBWaitSeconds, "Total time spent waiting for a connection, by pool.", []string{"pool"}, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueueDepth, descOldest, descConns, descMaxConns, descWaits, descWaitSecs} {
		ch <- d
	}
	c.errors.Describe(ch)
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	defer c.errors.Collect(ch)
	st := c.m.cfg.Store
	if st == nil {
		return
	}
	for _, p := range st.PoolStats() {
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(p.InUse), p.Name, "in_use")
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(p.Idle), p.Name, "idle")
		ch <- prometheus.MustNewConstMetric(descMaxConns, prometheus.GaugeValue, float64(p.MaxOpen), p.Name)
		ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(p.WaitCount), p.Name)
		ch <- prometheus.MustNewConstMetric(descWaitSecs, prometheus.CounterValue, p.WaitDuration.Seconds(), p.Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sites, err := st.Sites(ctx)
	if err != nil {
		c.fail("sites", err)
		return
	}
	for _, s := range sites {
		counts, err := st.CountByStatus(ctx, s.ID)
		if err != nil {
			c.fail("queue depth", err)
			return
		}
		for _, status := range []comment.Status{comment.StatusPending, comment.StatusApproved, comment.StatusRejected, comment.StatusSpam} {
			ch <- prometheus.MustNewConstMetric(descQueueDepth, prometheus.GaugeValue, float64(counts[status]), s.ID, string(status))
		}
	}
	oldest, err := st.OldestPending(ctx)
	if err != nil {
		c.fail("oldest pending", err)
		return
	}
	now := c.m.cfg.Now()
	for site, t := range oldest {
		ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, max(0, now.Sub(t).Seconds()), site)
	}
}

func (c *storeCollector) fail(what string, err error) {
	c.errors.Inc()
	c.m.cfg.Logger.Warn("metrics: reading the database failed", "what", what, "err", err)
}
