package httpapi_test

import (
	"fmt"
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
		// An unparsable hop from a trusted proxy stands for its client
		// (counted below), not the proxy: readers must not share its bucket.
		{"OKMalformedHop", "10.1.2.3:5000", "198.51.100.1, not-an-ip", s, "unparsed:not-an-ip"},
		{"OKHopWithPort", "10.1.2.3:5000", "198.51.100.1:4711", s, "198.51.100.1"},
		{"OKBracketedIPv6", "10.1.2.3:5000", "[2001:db8:5::7]", s, "2001:db8:5::7"},
		{"OKBracketedIPv6Port", "10.1.2.3:5000", "[2001:db8:5::7]:443", s, "2001:db8:5::7"},
		{"OKProxyHopWithPort", "10.1.2.3:5000", "198.51.100.3, 10.9.9.9:80", s, "198.51.100.3"},
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
	if n := s.UnparsedForwardedFor(); n != 1 {
		t.Errorf("UnparsedForwardedFor = %d, want 1 (the malformed hop)", n)
	}
}

// TestRateLimitIPv6Prefix: IPv6 readers share the submission limit by /64
// (or the configured prefix), IPv4 readers by address.
func TestRateLimitIPv6Prefix(t *testing.T) {
	submits := func(e *env, from ...string) map[int]int {
		codes := map[int]int{}
		for i := range 12 {
			resp := e.do("POST", "/api/v1/comments", validSubmission(), map[string]string{"X-Forwarded-For": from[i%len(from)]}, nil)
			codes[resp.StatusCode]++
		}
		return codes
	}
	e := newEnv(t, behindProxy)
	// Twelve addresses of one /64: one bucket of ten.
	var one64 []string
	for i := range 12 {
		one64 = append(one64, fmt.Sprintf("2001:db8:1:2::%x", i+1))
	}
	if codes := submits(e, one64...); codes[202] != 10 || codes[429] != 2 {
		t.Errorf("twelve addresses of one /64: %v, want ten 202 and two 429", codes)
	}
	// Another /64 of the same /48 has its own bucket by default...
	if codes := submits(e, "2001:db8:1:3::1"); codes[202] != 10 {
		t.Errorf("another /64: %v, want ten 202", codes)
	}
	// ...and IPv4 addresses are their own.
	if codes := submits(e, "198.51.100.1", "198.51.100.2"); codes[202] != 12 {
		t.Errorf("two IPv4 addresses: %v, want twelve 202", codes)
	}
	// With a /48 setting, two /64s of one /48 share one bucket.
	e48 := newEnv(t, behindProxy, func(c *httpapi.Config) { c.IPv6Prefix = 48 })
	if codes := submits(e48, "2001:db8:1:2::1", "2001:db8:1:3::1"); codes[202] != 10 || codes[429] != 2 {
		t.Errorf("two /64s of one /48 with IPv6Prefix 48: %v, want ten 202 and two 429", codes)
	}
}

// Logins are throttled by /64 too: one attacker rotating through the
// addresses of a /64 gets one bucket per name, not one per address.
func TestLoginLimitIPv6Prefix(t *testing.T) {
	e := newEnv(t, behindProxy)
	codes := map[int]int{}
	for i := range 7 {
		code, _ := login(e, "cat", "wrong guess", fmt.Sprintf("2001:db8:1:2::%x", i+1))
		codes[code]++
	}
	if codes[401] != 5 || codes[429] != 2 {
		t.Errorf("seven addresses of one /64 guessing one name: %v, want five 401 then 429", codes)
	}
	if code, _ := login(e, "cat", "wrong guess", "2001:db8:1:3::1"); code != 401 {
		t.Errorf("another /64: %d, want 401 (its own bucket)", code)
	}
}
