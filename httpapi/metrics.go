package httpapi

import (
	"net/http"
	"net/netip"

	"github.com/parleyhq/parley/comment"
)

// metrics serves Config.Metrics (Prometheus's text format) to loopback
// clients and to Config.MetricsAllow only; 404 when the metrics are served
// on a listener of their own (or not at all).
//
// The client is the connection's address, or, through a --trusted-proxy,
// the address the proxy forwarded. A request that carries X-Forwarded-For
// or Forwarded from a proxy that is not trusted is refused even from
// loopback: it is a reader's request relayed by a proxy on the same host.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	if s.Metrics == nil {
		return comment.Errorf(comment.CodeNotFound, "Metrics are not served on this address.")
	}
	if !s.metricsAllowed(r) {
		return comment.Errorf(comment.CodeForbidden, "Metrics are served to loopback and --metrics-allow addresses only.")
	}
	s.Metrics.ServeHTTP(w, r)
	return nil
}

func (s *Server) metricsAllowed(r *http.Request) bool {
	host := remoteHost(r)
	client := s.ClientIP(r)
	forwarded := r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != ""
	if forwarded && client == host {
		return false // relayed by a proxy we were not told to trust
	}
	a, err := netip.ParseAddr(client)
	if err != nil {
		return false
	}
	a = a.Unmap()
	if a.IsLoopback() {
		return true
	}
	for _, p := range s.MetricsAllow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
