package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/dashboard"
	"github.com/parleyhq/parley/events"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/moderation"
	"github.com/parleyhq/parley/observe"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/store/postgres"
	"github.com/parleyhq/parley/store/sqlite"
	"github.com/parleyhq/parley/widget"
)

// serveConfig is everything `parley serve` is told.
type serveConfig struct {
	dataFlags
	addr         string
	baseURL      string
	logLevel     string
	noRateLimits bool
	// fetchArticles reads each new article's title from its page.
	fetchArticles bool
	// trustedProxies are the reverse proxies whose X-Forwarded-For is believed.
	trustedProxies []netip.Prefix
	// configErr is a bad setting found in the environment.
	configErr   error
	ipRetention time.Duration
	drain       time.Duration
	modelFile   string
	// disposableFile replaces the built-in disposable-email domains.
	disposableFile string
	opsConfig
	// ipv6Prefix groups IPv6 clients for rate limits.
	ipv6Prefix int
	// maxReplyDepth caps how deep replies nest.
	maxReplyDepth int
	mailConfig
}

func (c *serveConfig) register(fs *flag.FlagSet, e env) {
	fs.StringVar(&c.baseURL, "base-url", e.getenv("PARLEY_BASE_URL"), "public URL of this server, e.g. https://comments.example (env PARLEY_BASE_URL); default http://ADDR")
	fs.StringVar(&c.logLevel, "log-level", envOr(e, "PARLEY_LOG_LEVEL", "info"), "debug, info, warn or error (env PARLEY_LOG_LEVEL)")
	fs.BoolVar(&c.noRateLimits, "no-rate-limits", false, "switch every rate limit off (load tests and benchmarks only)")
	fs.BoolVar(&c.fetchArticles, "fetch-articles", true, "read each new article's title (og:title, else <title>) and canonical link (moving a comment under another URL to the canonical article) from its page on the site's own origins, in the background; off, commenters' titles stay unpublished until a moderator sets one")
	if v := e.getenv("PARLEY_TRUSTED_PROXIES"); v != "" {
		if err := c.addTrustedProxy(v); err != nil {
			c.configErr = usagef("PARLEY_TRUSTED_PROXIES: %v", err)
		}
	}
	fs.Func("trusted-proxy", "address or CIDR of a reverse proxy whose X-Forwarded-For is believed (repeatable; env PARLEY_TRUSTED_PROXIES, comma-separated)", c.addTrustedProxy)
	fs.DurationVar(&c.ipRetention, "ip-retention", 30*24*time.Hour, "how long hashed IP addresses are kept")
	fs.DurationVar(&c.drain, "drain", 20*time.Second, "how long SIGTERM waits for requests in flight")
	fs.IntVar(&c.ipv6Prefix, "ipv6-prefix", 64, "IPv6 clients share rate limits by this prefix length: 64, 56 or 48")
	fs.IntVar(&c.maxReplyDepth, "max-reply-depth", httpapi.DefaultMaxReplyDepth, "replies nest at most this deep; a reply to a comment at the cap is stored under that comment's parent")
	fs.StringVar(&c.modelFile, "model", e.getenv("PARLEY_MODEL"), "ad hominem model file (env PARLEY_MODEL); default the embedded model")
	fs.StringVar(&c.disposableFile, "disposable-domains", e.getenv("PARLEY_DISPOSABLE_DOMAINS"), "file of disposable-email domains, one a line, replacing the built-in list (env PARLEY_DISPOSABLE_DOMAINS)")
	c.opsConfig.register(fs, e)
	c.mailConfig.register(fs, e)
}

// addTrustedProxy parses one --trusted-proxy value: an address or a prefix.
func (c *serveConfig) addTrustedProxy(v string) error {
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return fmt.Errorf("%q is not an IP address or CIDR prefix", part)
			}
			c.trustedProxies = append(c.trustedProxies, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return fmt.Errorf("%q is not an IP address or CIDR prefix", part)
		}
		c.trustedProxies = append(c.trustedProxies, p.Masked())
	}
	return nil
}

func cmdServe(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "serve", "serve [--addr ADDR] [--db FILE] [--secret-file FILE] [--base-url URL] [--log-level LEVEL] [--no-rate-limits]")
	var cfg serveConfig
	cfg.dataFlags.register(fs, e)
	fs.StringVar(&cfg.addr, "addr", envOr(e, "PARLEY_ADDR", "127.0.0.1:8080"), "address to listen on (env PARLEY_ADDR)")
	cfg.register(fs, e)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("serve takes no arguments, got %q", pos)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	app, err := openApp(ctx, e, &cfg, ln)
	if err != nil {
		ln.Close()
		return err
	}
	defer app.close()
	fmt.Fprintf(e.stdout, "Parley listening on %s (database %s)\n", app.baseURL, cfg.db)
	return app.serve(ctx, ln)
}

// app is a running server's parts.
type app struct {
	cfg     *serveConfig
	store   comment.Store
	keys    *secret.Keyring
	logger  *slog.Logger
	api     *httpapi.Server
	baseURL string
	mounts  map[string]http.Handler
	// classifier scores every new comment for personal attacks.
	classifier moderation.Classifier
	// disposable is the disposable-email list in force (nil: the built-in one).
	disposable *moderation.DomainSet
	// bus and limiters are shared with other instances on PostgreSQL; nil
	// (the in-process defaults) on SQLite.
	bus      httpapi.Bus
	closeBus func() error
	// sharedEvents sends dashboard events through the bus (PostgreSQL).
	sharedEvents bool
	limiters     httpapi.LimiterFactory
	// stdout hears where the metrics listener is.
	stdout io.Writer
	// started times the start's steps (logged at debug level).
	started *startPhases
}

// processStart is when the program's own code began (the runtime's and
// the libraries' initialisation done).
var processStart = time.Now()

// startPhases times each step of a server's start, from processStart to
// the listener serving, and logs them at debug level ("started"): the cold
// start target is exec to the first 200 on /readyz, and this says where
// the time goes.
type startPhases struct {
	last  time.Time
	attrs []any
}

func newStartPhases() *startPhases { return &startPhases{last: processStart} }

// done records the time since the previous step under name.
func (p *startPhases) done(name string) {
	now := time.Now()
	p.attrs = append(p.attrs, name, now.Sub(p.last).Round(10*time.Microsecond).String())
	p.last = now
}

// phase records a step of the start, when the app is timing one.
func (a *app) phase(name string) {
	if a.started != nil {
		a.started.done(name)
	}
}

func (p *startPhases) log(l *slog.Logger) {
	l.Debug("started", append(p.attrs, "total", time.Since(processStart).Round(10*time.Microsecond).String())...)
}

func newLogger(e env, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: l})), nil
}

// openStore opens the database named by --db: a postgres:// URL or a SQLite
// file path.
func openStore(ctx context.Context, db string) (comment.Store, error) {
	if postgres.IsURL(db) {
		return postgres.Open(ctx, db)
	}
	return sqlite.Open(ctx, db)
}

// openApp opens the store and key and builds the API for a listener.
func openApp(ctx context.Context, e env, cfg *serveConfig, ln net.Listener) (*app, error) {
	if cfg.configErr != nil {
		return nil, cfg.configErr
	}
	if err := cfg.opsConfig.check(); err != nil {
		return nil, err
	}
	if err := cfg.mailConfig.check(); err != nil {
		return nil, err
	}
	if p := cfg.ipv6Prefix; p != 0 && p != 48 && p != 56 && p != 64 {
		return nil, usagef("--ipv6-prefix %d: want 64, 56 or 48", p)
	}
	if cfg.maxReplyDepth < 0 || cfg.maxReplyDepth > 1000 {
		return nil, usagef("--max-reply-depth %d: want 1 to 1000", cfg.maxReplyDepth)
	}
	logger, err := newLogger(e, cfg.logLevel)
	if err != nil {
		return nil, err
	}
	phases := newStartPhases()
	phases.done("flags")
	keys, err := secret.LoadOrCreate(cfg.keyPath())
	if err != nil {
		return nil, err
	}
	phases.done("key")
	cls, err := loadClassifier(cfg.modelFile)
	if err != nil {
		return nil, err
	}
	phases.done("model")
	store, err := openStore(ctx, cfg.db)
	if err != nil {
		return nil, err
	}
	phases.done("database")
	base := strings.TrimRight(cfg.baseURL, "/")
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	mounts := map[string]http.Handler{}
	mountWidget(mounts)
	a := &app{cfg: cfg, store: store, keys: keys, logger: logger, baseURL: base, mounts: mounts, classifier: cls, stdout: e.stdout, started: phases}
	if a.disposable, err = loadDisposable(cfg.disposableFile); err != nil {
		store.Close()
		return nil, err
	}
	if err := a.shareState(ctx); err != nil {
		store.Close()
		return nil, err
	}
	phases.done("bus")
	return a, nil
}

// shareState makes what processes on one database must share go through
// it: on PostgreSQL change notices (LISTEN/NOTIFY), dashboard events and
// rate limits; on SQLite change notices (the changes table), so that the
// CLI's changes reach a running server.
func (a *app) shareState(ctx context.Context) error {
	if ss, ok := a.store.(*sqlite.Store); ok {
		// Change notices from the CLI (and other processes on this file)
		// through the changes table; events and rate limits stay in this
		// process.
		bus, err := sqlite.NewBus(ctx, ss, a.logger.With("component", "bus"))
		if err != nil {
			return err
		}
		a.bus, a.closeBus = bus, bus.Close
		return nil
	}
	ps, ok := a.store.(*postgres.Store)
	if !ok {
		return nil
	}
	a.sharedEvents = true
	bus, err := postgres.NewBus(ctx, ps, a.logger.With("component", "bus"))
	if err != nil {
		return err
	}
	a.bus, a.closeBus = bus, bus.Close
	a.limiters = func(name string, burst int, every time.Duration) httpapi.Limiter {
		return ps.NewLimiter(name, burst, every)
	}
	return nil
}

func (a *app) close() {
	if a.closeBus != nil {
		a.closeBus()
	}
	a.store.Close()
}

// mountWidget serves the embeddable widget from every Parley server.
func mountWidget(mounts map[string]http.Handler) {
	h := widget.Handler()
	mounts["GET /embed.js"] = h
	mounts["GET /widget/"] = h
}

// serve builds the API with the app's mounts and serves until ctx ends, then
// drains requests in flight.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	policy := moderation.Policy{Classifier: a.classifier, Disposable: a.disposable}
	var live events.Events = events.NewBroadcaster()
	if a.sharedEvents {
		// Moderators on every instance see every instance's events.
		live = httpapi.NewBusEvents(a.bus, a.logger)
	}
	metrics := observe.New(observe.Config{Store: a.store, Logger: a.logger.With("component", "metrics"), Build: a.build(),
		ThreadCache:          func() (uint64, uint64) { return a.api.ThreadCacheStats() },
		UnparsedForwardedFor: func() int64 { return a.api.UnparsedForwardedFor() }})
	defer metrics.Close()
	live = metrics.Events(live)
	a.phase("metrics")
	var metricsOnMain http.Handler
	if a.cfg.metricsAddr == "" {
		metricsOnMain = metrics.Handler()
	}
	a.api = httpapi.New(httpapi.Config{
		Store: a.store, Keys: a.keys, Logger: a.logger, BaseURL: a.baseURL,
		Policy: policy, NoRateLimits: a.cfg.noRateLimits, TrustedProxies: a.cfg.trustedProxies, Mounts: a.mounts, Events: live,
		Bus: a.bus, Limiters: a.limiters, Metrics: metricsOnMain, MetricsAllow: a.cfg.metricsAllow, IPv6Prefix: a.cfg.ipv6Prefix,
		MaxReplyDepth: a.cfg.maxReplyDepth, FetchArticles: a.cfg.fetchArticles, IPRetention: a.cfg.ipRetention,
	})
	a.phase("api")
	mailer, err := a.newMailer()
	if err != nil {
		return err
	}
	a.api.MailPages = mailer.pages
	a.phase("mail")
	dash, err := dashboard.New(dashboard.Config{API: a.api, Desk: a.api.Desk, Store: a.store, Keys: a.keys, Events: live, Policy: policy,
		Logger: a.logger.With("component", "dashboard"), ClientIP: a.api.ClientIP, Mail: mailer.sender})
	if err != nil {
		return err
	}
	a.api.Mount("/admin/", dash)
	a.phase("dashboard")
	// After a.api is set: a scrape reads its thread cache.
	stopMetrics, err := a.startMetrics(a.stdout, metrics)
	if err != nil {
		return err
	}
	defer stopMetrics()
	srv := &http.Server{
		Handler:           observe.Wrap(a.api, metrics, a.accessLogger()),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(dash.CloseStreams)
	bg, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.api.ForgetIPs(bg, a.cfg.ipRetention)
	go a.api.SweepSessions(bg, 10*time.Minute)
	mailer.run(bg, a)

	a.phase("jobs")
	if a.started != nil {
		a.started.log(a.logger)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.logger.Info("shutting down: draining requests in flight", "timeout", a.cfg.drain)
	sctx, scancel := context.WithTimeout(context.Background(), a.cfg.drain)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	a.logger.Info("stopped")
	return nil
}
