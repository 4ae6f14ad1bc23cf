package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP is the address a request came from, for rate limits, login
// throttling and the hashed address kept with a comment. Behind a trusted
// proxy it is the right-most address of X-Forwarded-For that is not itself
// a trusted proxy; otherwise the connection's address. Hops may be written
// as an address, address:port or [IPv6]:port. A hop that is none of these
// is counted (UnparsedForwardedFor) and its text stands for the client, so
// that readers behind a proxy writing odd values do not all share the
// proxy's own rate limits.
func (s *Server) ClientIP(r *http.Request) string {
	host := remoteHost(r)
	addr, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		raw := strings.TrimSpace(hops[i])
		if raw == "" {
			continue
		}
		hop, ok := parseHop(raw)
		if !ok {
			// Written by a trusted proxy, so it is that proxy's idea of
			// the client: trust nothing to its left.
			s.unparsedHops.Add(1)
			s.Logger.Debug("X-Forwarded-For hop is no address", "hop", raw)
			if len(raw) > 64 {
				raw = raw[:64]
			}
			return "unparsed:" + raw
		}
		if !s.trusted(hop) {
			return hop.Unmap().String()
		}
	}
	return host
}

// UnparsedForwardedFor counts the X-Forwarded-For hops from trusted
// proxies that were no address, since the server started.
func (s *Server) UnparsedForwardedFor() int64 { return s.unparsedHops.Load() }

// parseHop reads one X-Forwarded-For entry: 192.0.2.1, 192.0.2.1:443,
// 2001:db8::1, [2001:db8::1] or [2001:db8::1]:443.
func parseHop(v string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(v); err == nil {
		return a, true
	}
	if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
		a, err := netip.ParseAddr(v[1 : len(v)-1])
		return a, err == nil && a.Is6()
	}
	host, _, err := net.SplitHostPort(v)
	if err != nil {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(host)
	return a, err == nil && a.Zone() == ""
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// rateKey is the key a client's rate limits go by: its keyed address hash,
// with IPv6 addresses grouped by IPv6Prefix (a /64 by default), since one
// subscriber commonly holds a whole /64.
func (s *Server) rateKey(ip string) string {
	if a, err := netip.ParseAddr(ip); err == nil {
		a = a.Unmap()
		if a.Is6() {
			p, _ := a.WithZone("").Prefix(s.IPv6Prefix)
			ip = p.String()
		}
	}
	return string(s.Keys.IPHash(ip))
}

// remoteHost is the address of the connection's other end.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
