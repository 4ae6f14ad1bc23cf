package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/parleyhq/parley/httpapi"
)

// GET /metrics on the main listener answers loopback and --metrics-allow
// clients only, judged through trusted proxies; 404 when the metrics live
// on a listener of their own.
func TestMetricsAccess(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("parley_up 1\n")) })
	e := newEnv(t, func(c *httpapi.Config) {
		c.Metrics = metrics
		c.MetricsAllow = []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("2001:db8::/32")}
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")}
	})
	tests := []struct {
		name   string
		remote string
		xff    string
		want   int
	}{
		{"OKLoopback", "127.0.0.1:5000", "", 200},
		{"OKLoopbackV6", "[::1]:5000", "", 200},
		{"OKAllowed", "10.1.2.3:5000", "", 200},
		{"OKAllowedV6", "[2001:db8::7]:5000", "", 200},
		{"OKAllowedThroughTrustedProxy", "192.0.2.1:5000", "10.1.9.9", 200},
		{"ErrOutside", "10.2.0.1:5000", "", 403},
		{"ErrOutsideThroughTrustedProxy", "192.0.2.1:5000", "203.0.113.9", 403},
		{"ErrTrustedProxyItself", "192.0.2.1:5000", "", 403},
		// A proxy on the same host that nobody declared relays readers'
		// requests from 127.0.0.1: those are not the operator's.
		{"ErrLoopbackRelayingUntrusted", "127.0.0.1:5000", "203.0.113.9", 403},
		{"ErrLoopbackRelayingClaimsLoopback", "127.0.0.1:5000", "127.0.0.1", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/metrics", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			w := httptest.NewRecorder()
			e.api.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.want, w.Body)
			}
			if tt.want == 200 && w.Body.String() != "parley_up 1\n" {
				t.Errorf("body %q", w.Body)
			}
			if tt.want == 403 && (!strings.Contains(w.Header().Get("Content-Type"), "application/problem+json") || strings.Contains(w.Body.String(), "parley_up")) {
				t.Errorf("refusal: %s %q", w.Header().Get("Content-Type"), w.Body)
			}
		})
	}

	t.Run("NotFoundWithOwnListener", func(t *testing.T) {
		e := newEnv(t)
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = "127.0.0.1:5000"
		w := httptest.NewRecorder()
		e.api.ServeHTTP(w, r)
		if w.Code != 404 {
			t.Errorf("status %d, want 404", w.Code)
		}
	})
}

// The thread cache counts its hits and misses.
func TestThreadCacheStats(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/threads?site=news&url=" + origin + "/a"
	for range 3 {
		if resp := e.do("GET", path, nil, nil, nil); resp.StatusCode != 200 {
			t.Fatalf("thread: %d", resp.StatusCode)
		}
	}
	hits, misses := e.api.ThreadCacheStats()
	if hits != 2 || misses != 1 {
		t.Errorf("hits %d, misses %d; want 2 and 1", hits, misses)
	}
}
