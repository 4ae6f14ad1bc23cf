package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/parleyhq/parley/comment"
)

// statusOf is the one map from error codes to HTTP statuses.
var statusOf = map[comment.Code]int{
	comment.CodeInvalid:      http.StatusUnprocessableEntity,
	comment.CodeNotFound:     http.StatusNotFound,
	comment.CodeConflict:     http.StatusConflict,
	comment.CodeUnauthorized: http.StatusUnauthorized,
	comment.CodeForbidden:    http.StatusForbidden,
	comment.CodeTooMany:      http.StatusTooManyRequests,
	comment.CodeUnavailable:  http.StatusServiceUnavailable,
	comment.CodeInternal:     http.StatusInternalServerError,
}

// problem is an RFC 9457 problem details body.
type problem struct {
	Type   string               `json:"type"`
	Title  string               `json:"title"`
	Status int                  `json:"status"`
	Detail string               `json:"detail,omitempty"`
	Errors []comment.FieldError `json:"errors,omitempty"`
}

// httpError carries a status that is not one of the domain codes' (400, 413, 415).
type httpError struct {
	status int
	detail string
	fields []comment.FieldError
}

func (e *httpError) Error() string { return e.detail }

func badRequest(detail string, fields ...comment.FieldError) error {
	return &httpError{status: http.StatusBadRequest, detail: detail, fields: fields}
}

// problemFor is what a client is told of err: its status, message and
// fields, with the Retry-After header set where it says when to retry;
// a server-side failure is logged whole, never shown.
func (s *Server) problemFor(w http.ResponseWriter, r *http.Request, err error) problem {
	p := problem{Type: "about:blank"}
	var he *httpError
	if errors.As(err, &he) {
		p.Status, p.Detail, p.Errors = he.status, he.detail, he.fields
	} else {
		code := comment.ErrorCode(err)
		p.Status = statusOf[code]
		if p.Status == 0 {
			p.Status = http.StatusInternalServerError
		}
		p.Detail = comment.ErrorMessage(err)
		var ce *comment.Error
		if errors.As(err, &ce) {
			p.Errors = ce.Fields
			if ce.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(ce.RetryAfter.Seconds())))
			}
		}
	}
	p.Title = http.StatusText(p.Status)
	if p.Status >= 500 {
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	return p
}

// writeError answers with problem+json.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := s.problemFor(w, r, err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
