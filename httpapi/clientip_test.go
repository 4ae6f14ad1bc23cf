package httpapi_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/parleyhq/parley/httpapi"
)

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::1/128")}
	s := httpapi.New(httpapi.Config{TrustedProxies: proxies})
	plain := httpapi.New(httpapi.Config{})
	tests := []struct {
		name, remote, xff string
		srv               *httpapi.Server
		want              string
	}{
		{"OKDirect", "203.0.113.7:5000", "", s, "203.0.113.7"},
		{"OKUntrustedSenderCannotSpoof", "203.0.113.7:5000", "198.51.100.1", s, "203.0.113.7"},
		{"OKNoProxiesConfigured", "10.1.2.3:5000", "198.51.100.1", plain, "10.1.2.3"},
		{"OKBehindProxy", "10.1.2.3:5000", "198.51.100.1", s, "198.51.100.1"},
		{"OKRightmostUntrusted", "10.1.2.3:5000", "192.0.2.9, 198.51.100.1, 10.9.9.9", s, "198.51.100.1"},
		{"OKIPv6Proxy", "[2001:db8::1]:443", "198.51.100.2", s, "198.51.100.2"},
		{"OKMalformedHop", "10.1.2.3:5000", "198.51.100.1, not-an-ip", s, "10.1.2.3"},
		{"OKOnlyProxies", "10.1.2.3:5000", "10.4.4.4", s, "10.1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := tt.srv.ClientIP(r); got != tt.want {
				t.Errorf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}
