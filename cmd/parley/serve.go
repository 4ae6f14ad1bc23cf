package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/dashboard"
	"github.com/parleyhq/parley/events"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/moderation"
	"github.com/parleyhq/parley/secret"
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
	ipRetention  time.Duration
	drain        time.Duration
	modelFile    string
}

func (c *serveConfig) register(fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
	DurationVar(*time.Duration, string, time.Duration, string)
}, e env) {
	fs.StringVar(&c.baseURL, "base-url", e.getenv("PARLEY_BASE_URL"), "public URL of this server, e.g. https://comments.example (env PARLEY_BASE_URL); default http://ADDR")
	fs.StringVar(&c.logLevel, "log-level", envOr(e, "PARLEY_LOG_LEVEL", "info"), "debug, info, warn or error (env PARLEY_LOG_LEVEL)")
	fs.BoolVar(&c.noRateLimits, "no-rate-limits", false, "switch every rate limit off (load tests and benchmarks only)")
	fs.DurationVar(&c.ipRetention, "ip-retention", 30*24*time.Hour, "how long hashed IP addresses are kept")
	fs.DurationVar(&c.drain, "drain", 20*time.Second, "how long SIGTERM waits for requests in flight")
	fs.StringVar(&c.modelFile, "model", e.getenv("PARLEY_MODEL"), "ad hominem model file (env PARLEY_MODEL); default the embedded model")
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
}

func newLogger(e env, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: l})), nil
}

// openStore opens the database named by --db.
func openStore(ctx context.Context, db string) (comment.Store, error) {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		return nil, errors.New("PostgreSQL is not supported by this build yet; use a SQLite file path")
	}
	return sqlite.Open(ctx, db)
}

// openApp opens the store and key and builds the API for a listener.
func openApp(ctx context.Context, e env, cfg *serveConfig, ln net.Listener) (*app, error) {
	logger, err := newLogger(e, cfg.logLevel)
	if err != nil {
		return nil, err
	}
	keys, err := secret.LoadOrCreate(cfg.keyPath())
	if err != nil {
		return nil, err
	}
	cls, err := loadClassifier(cfg.modelFile)
	if err != nil {
		return nil, err
	}
	store, err := openStore(ctx, cfg.db)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(cfg.baseURL, "/")
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	mounts := map[string]http.Handler{}
	mountWidget(mounts)
	return &app{cfg: cfg, store: store, keys: keys, logger: logger, baseURL: base, mounts: mounts, classifier: cls}, nil
}

func (a *app) close() { a.store.Close() }

// mountWidget serves the embeddable widget from every Parley server.
func mountWidget(mounts map[string]http.Handler) {
	h := widget.Handler()
	mounts["GET /embed.js"] = h
	mounts["GET /widget/"] = h
}

// serve builds the API with the app's mounts and serves until ctx ends, then
// drains requests in flight.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	policy := moderation.Policy{Classifier: a.classifier}
	live := events.NewBroadcaster()
	a.api = httpapi.New(httpapi.Config{
		Store: a.store, Keys: a.keys, Logger: a.logger, BaseURL: a.baseURL,
		Policy: policy, NoRateLimits: a.cfg.noRateLimits, Mounts: a.mounts, Events: live,
	})
	dash, err := dashboard.New(dashboard.Config{API: a.api, Store: a.store, Keys: a.keys, Events: live, Policy: policy,
		Logger: a.logger.With("component", "dashboard"), ClientIP: httpapi.ClientIP})
	if err != nil {
		return err
	}
	a.api.Mount("/admin/", dash)
	srv := &http.Server{
		Handler:           a.api,
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
