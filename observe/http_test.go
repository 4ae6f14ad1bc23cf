package observe

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestValidRequestID(t *testing.T) {
	for id, want := range map[string]bool{
		"abc-123_x.y": true, strings.Repeat("a", 64): true,
		"": false, strings.Repeat("a", 65): false, "a b": false, "a\"b": false, "a=b": false, "é": false,
	} {
		if got := validRequestID(id); got != want {
			t.Errorf("validRequestID(%q) = %v, want %v", id, got, want)
		}
	}
}

// The route label and log field is the matched pattern; a handler that
// writes nothing is a 200 of 0 bytes; one that panics with
// http.ErrAbortHandler is still logged.
func TestWrap(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /abort", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		panic(http.ErrAbortHandler)
	})
	m := New(Config{})
	defer m.Close()
	h := Wrap(mux, m, logger)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/items/42?email=a@b.example", nil))
	if w.Code != 200 || len(w.Header().Get("X-Request-Id")) != 16 {
		t.Errorf("status %d, request id %q", w.Code, w.Header().Get("X-Request-Id"))
	}
	func() {
		defer func() { recover() }()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/abort", nil))
	}()
	log := buf.String()
	for _, want := range []string{`route="GET /items/{id}" status=200 bytes=0`, `route="GET /abort" status=502 bytes=0`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, "42") || strings.Contains(log, "a@b.example") {
		t.Errorf("the log carries the path or query:\n%s", log)
	}
}
