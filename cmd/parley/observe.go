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
	"net/http/pprof"
	"net/netip"
	"strings"
	"time"

	"github.com/parleyhq/parley/observe"
)

// opsConfig is how an operator watches the server: metrics, profiling and
// the access log.
type opsConfig struct {
	// metricsAllow are the networks besides loopback that may read /metrics
	// on the main listener.
	metricsAllow []netip.Prefix
	// metricsAddr, when set, moves /metrics to a listener of its own.
	metricsAddr string
	// pprof serves /debug/pprof/ on the metrics listener.
	pprof     bool
	accessLog bool
	opsErr    error
}

func (c *opsConfig) register(fs *flag.FlagSet, e env) {
	if v := e.getenv("PARLEY_METRICS_ALLOW"); v != "" {
		if err := c.addMetricsAllow(v); err != nil {
			c.opsErr = usagef("PARLEY_METRICS_ALLOW: %v", err)
		}
	}
	fs.Func("metrics-allow", "address or CIDR besides loopback that may read /metrics on the main listener (repeatable; env PARLEY_METRICS_ALLOW, comma-separated)", c.addMetricsAllow)
	fs.StringVar(&c.metricsAddr, "metrics-addr", e.getenv("PARLEY_METRICS_ADDR"), "serve /metrics on this address instead of the main listener, to anyone who reaches it (env PARLEY_METRICS_ADDR)")
	fs.BoolVar(&c.pprof, "pprof", false, "serve Go's profiler at /debug/pprof/ on the --metrics-addr listener")
	fs.BoolVar(&c.accessLog, "access-log", envOr(e, "PARLEY_ACCESS_LOG", "true") != "false", "log one line per request at info (env PARLEY_ACCESS_LOG)")
}

func (c *opsConfig) addMetricsAllow(v string) error {
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
			c.metricsAllow = append(c.metricsAllow, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return fmt.Errorf("%q is not an IP address or CIDR prefix", part)
		}
		c.metricsAllow = append(c.metricsAllow, p.Masked())
	}
	return nil
}

func (c *opsConfig) check() error {
	if c.opsErr != nil {
		return c.opsErr
	}
	if c.pprof && c.metricsAddr == "" {
		return usagef("--pprof needs --metrics-addr: the profiler is never served on the main listener")
	}
	return nil
}

// metricsServer serves /metrics (and /debug/pprof/ with --pprof) on the
// listener of --metrics-addr.
func metricsServer(m *observe.Metrics, withPprof bool, logger *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		// A CPU profile or trace runs for ?seconds=N (30 by default).
		WriteTimeout: 5 * time.Minute,
		ErrorLog:     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// startMetrics opens the --metrics-addr listener, if any, and serves on it
// until the returned stop is called.
func (a *app) startMetrics(e io.Writer, m *observe.Metrics) (stop func(), err error) {
	if a.cfg.metricsAddr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", a.cfg.metricsAddr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	srv := metricsServer(m, a.cfg.pprof, a.logger)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.logger.Error("metrics listener stopped", "err", err)
		}
	}()
	fmt.Fprintf(e, "Metrics on http://%s/metrics\n", ln.Addr())
	if a.cfg.pprof {
		fmt.Fprintf(e, "Profiler on http://%s/debug/pprof/\n", ln.Addr())
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// accessLogger is the access log's logger, nil with --access-log=false.
func (a *app) accessLogger() *slog.Logger {
	if !a.cfg.accessLog {
		return nil
	}
	return a.logger.With("component", "access")
}

// build names this binary and its classifier for parley_build_info.
func (a *app) build() observe.Build {
	model := ""
	if c, ok := a.classifier.(classifier); ok {
		model = c.m.Version()
	}
	return buildInfo(model)
}
