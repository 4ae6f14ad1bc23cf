// Package httpapi is Parley's HTTP interface: the public JSON API that the
// widget and newsrooms call, and the moderators' API. Every route is listed
// in routes.go; every error leaves through writeError.
package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/events"
	"github.com/parleyhq/parley/identity"
	"github.com/parleyhq/parley/moderation"
	"github.com/parleyhq/parley/secret"
)

// Config is what a Server needs; cmd/parley fills it from flags.
type Config struct {
	Store  comment.Store
	Keys   *secret.Keyring
	Policy moderation.Policy
	Logger *slog.Logger
	// Now is the clock; tests inject a fixed one.
	Now func() time.Time
	// BaseURL is where this server is reached, e.g. https://comments.example.
	BaseURL string
	// NoRateLimits switches every rate limit off, for load tests.
	NoRateLimits bool
	// TrustedProxies are the reverse proxies (load balancers, CDNs) whose
	// X-Forwarded-For header is believed. Requests from anywhere else are
	// judged by their own address, so a client cannot pick its own.
	TrustedProxies []netip.Prefix
	// SessionTTL is how long a moderator's login lasts; default 12 hours.
	SessionTTL time.Duration
	// Mounts adds handlers under extra patterns (the demo page, the widget,
	// the dashboard), so that one mux serves everything.
	Mounts map[string]http.Handler
	// Bus carries change notices between instances sharing a database;
	// default a LocalBus (one instance). The Server subscribes to it.
	Bus Bus
	// Limiters makes the rate limiters; default in-memory token buckets,
	// which hold for one instance only. store/postgres offers limiters that
	// every instance on one database shares.
	Limiters LimiterFactory
	// Events, when set, hears of every comment submitted and decided.
	Events events.Events
	// ThreadCacheBytes bounds the memory kept for rendered threads;
	// default DefaultThreadCacheBytes.
	ThreadCacheBytes int64
	// Desk makes every change; default one built from Store, Bus, Events,
	// Now, Logger and IPRetention.
	Desk *desk.Desk
	// IPRetention is how long hashed IP addresses are kept (--ip-retention):
	// a ban never holds an address longer. Default the desk's, 30 days.
	IPRetention time.Duration
	// Metrics, when set, is served at GET /metrics to loopback clients and
	// to MetricsAllow; nil when the metrics have a listener of their own.
	Metrics      http.Handler
	MetricsAllow []netip.Prefix
	// MaxConcurrentHashes bounds the password hashes (argon2id, 19 MiB
	// each) that logins run at once; default the number of CPUs.
	MaxConcurrentHashes int
	// IPv6Prefix is the prefix length by which IPv6 clients share rate
	// limits: 64 (default), 56 or 48. One subscriber usually holds a whole
	// /64, so limiting single addresses would give them endless buckets.
	IPv6Prefix int
	// FetchArticles reads each new article's title from its page (on the
	// site's own origins, in the background) so that the newsroom, not the
	// first commenter, names it. Off, titles stay unverified and unpublished
	// until a moderator sets them.
	FetchArticles bool
	// ArticleClient fetches article pages; default a client with a timeout.
	ArticleClient *http.Client
	// MaxReplyDepth caps how deep replies nest (a reply to a comment at
	// the cap is stored under that comment's parent); default
	// DefaultMaxReplyDepth.
	MaxReplyDepth int
	// MailPages serves the pages of the links in emails (package mail's
	// Handler: /mail/unsubscribe, /mail/appeal); nil answers 404.
	MailPages http.Handler
	// SSOClient fetches the sites' sign-in keys (JWKS); default a client
	// with a 5-second timeout.
	SSOClient *http.Client
}

// Server serves the API.
type Server struct {
	Config
	render  *Renderer
	threads *threadCache
	sites   siteCache
	aliases aliasCache
	submit  Limiter
	checks  Limiter
	logins  loginLimits
	hashes  *hashSlots
	reports Limiter
	pages   *articlePages
	mux     *http.ServeMux
	// unparsedHops counts X-Forwarded-For values from a trusted proxy that
	// are no address.
	unparsedHops atomic.Int64
	// unsubscribe stops the Server hearing the Bus.
	unsubscribe func()
	// sso checks the sites' sign-in tokens; names keeps the trusted
	// commenters' folded names per site.
	sso   *identity.Verifier
	names *nameCache

	// dataRequests limits data-request emails per address and per email.
	dataRequests Limiter
}

// Close stops the Server's subscription to its Bus. The Bus and Store are
// the caller's to close.
func (s *Server) Close() { s.unsubscribe() }

// New builds a Server and its routes.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Bus == nil {
		cfg.Bus = NewLocalBus()
	}
	if cfg.ThreadCacheBytes <= 0 {
		cfg.ThreadCacheBytes = DefaultThreadCacheBytes
	}
	if cfg.IPv6Prefix == 0 {
		cfg.IPv6Prefix = 64
	}
	if cfg.Limiters == nil {
		cfg.Limiters = MemoryLimiters
	}
	if cfg.Desk == nil {
		cfg.Desk = desk.New(desk.Config{Store: cfg.Store, Bus: cfg.Bus, Events: cfg.Events, Now: cfg.Now, Logger: cfg.Logger, IPRetention: cfg.IPRetention})
	}
	s := &Server{
		Config:  cfg,
		render:  NewRenderer(),
		threads: newThreadCache(cfg.ThreadCacheBytes),
		sites:   newSiteCache(),
		aliases: newAliasCache(),
		// A reader may post a burst of 10 comments, then one every 6 seconds.
		submit: newLimiter(cfg, "submit", 10, 6*time.Second),
		// The form checks as the reader pauses typing: 30, then one every 2 seconds.
		checks: newLimiter(cfg, "check", 30, 2*time.Second),
		logins: newLoginLimits(cfg),
		hashes: newHashSlots(cfg.MaxConcurrentHashes),
		// A reader may report 10 comments, then one every 30 seconds.
		reports: newLimiter(cfg, "report", 10, 30*time.Second),
		mux:     http.NewServeMux(),

		// Data-request emails: 5, then one every 10 minutes.
		dataRequests: newLimiter(cfg, "data_request", 5, 10*time.Minute),
	}
	if cfg.FetchArticles {
		s.pages = newArticlePages(cfg.ArticleClient)
	}
	s.sso, s.names = s.newVerifier(), &nameCache{sites: map[string]protectedNames{}}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.Method+" "+rt.Pattern, rt.Handler)
	}
	for pattern, h := range cfg.Mounts {
		s.mux.Handle(pattern, h)
	}
	s.unsubscribe = cfg.Bus.Subscribe(s.onNotice)
	return s
}

// Mount adds a handler after New, for a handler that itself needs the
// Server (the dashboard). Call it before serving.
func (s *Server) Mount(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ServeHTTP serves one request through the recover and log middleware.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.Logger.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			if !rec.wrote {
				s.writeError(rec, r, comment.Errorf(comment.CodeInternal, "Internal error."))
			}
		}
		// The query is never logged: it may carry an edit token.
		s.Logger.LogAttrs(r.Context(), slog.LevelDebug, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Duration("took", s.Now().Sub(start)))
	}()
	rec.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(rec, r)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// handlerFunc is a handler that returns its error to one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// ForgetIPs runs until ctx ends, dropping IP hashes older than retention once
// an hour (and once at start).
func (s *Server) ForgetIPs(ctx context.Context, retention time.Duration) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		now := s.Now()
		n, err := s.Store.ForgetIPs(ctx, now.Add(-retention), now)
		if err != nil && ctx.Err() == nil {
			s.Logger.Warn("dropping old IP hashes failed", "err", err)
		} else if n > 0 {
			s.Logger.Info("dropped old IP hashes", "comments", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}
