package observe

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// Wrap returns next with request metrics (when m is not nil), an access log
// line per request (when accessLog is not nil) and a request ID: the
// X-Request-Id a trusted front end sent, if it looks like one, or a new
// one, echoed in the response's X-Request-Id.
//
// The route is the pattern the server's mux matched (for example
// "GET /api/v1/threads"), never the path itself, so neither the metrics'
// labels nor the log carry anything a reader typed: no query string (it may
// hold an edit token), no email, no article URL.
func Wrap(next http.Handler, m *Metrics, accessLog *slog.Logger) http.Handler {
	now := time.Now
	if m != nil {
		now = m.cfg.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		rec := &recorder{ResponseWriter: w}
		defer func() {
			// Runs also when a handler aborts with http.ErrAbortHandler.
			took := now().Sub(start)
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			method := knownMethod(r.Method)
			if m != nil {
				m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
				m.requestDuration.WithLabelValues(route, method).Observe(took.Seconds())
			}
			if accessLog != nil {
				accessLog.LogAttrs(r.Context(), slog.LevelInfo, "request",
					slog.String("method", method), slog.String("route", route),
					slog.Int("status", status), slog.Int64("bytes", rec.bytes),
					slog.Duration("duration", took), slog.String("request_id", id))
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// knownMethod bounds the method label: anything unusual is OTHER.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// validRequestID accepts 1 to 64 characters of [A-Za-z0-9._-], so that a
// forwarded ID can neither break a log line nor smuggle data into it.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recorder notes the status and the bytes written.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Flush lets event streams through.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
