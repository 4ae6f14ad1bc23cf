package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
)

// CheckRequest is the body of POST /api/v1/check.
type CheckRequest struct {
	Body string `json:"body"`
	// Site, when given, applies that site's flag threshold.
	Site string `json:"site"`
}

// CheckResponse tells the form whether a text reads as a personal attack
// before it is sent, and which words made it so.
type CheckResponse struct {
	Score     float64        `json:"score"`
	Flagged   bool           `json:"flagged"`
	Threshold float64        `json:"threshold"`
	Spans     []comment.Span `json:"spans"`
}

func (s *Server) check(w http.ResponseWriter, r *http.Request) error {
	if s.Policy.Classifier == nil {
		return comment.Errorf(comment.CodeNotFound, "This server has no classifier.")
	}
	var req CheckRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(req.Body) == "":
		return comment.Invalid(comment.FieldError{Field: "body", Message: "is required"})
	case utf8.RuneCountInString(req.Body) > MaxBodyRunes:
		return comment.Invalid(comment.FieldError{Field: "body", Message: "must be at most " + strconv.Itoa(MaxBodyRunes) + " characters"})
	case checkText(req.Body, true) != "":
		return comment.Invalid(comment.FieldError{Field: "body", Message: checkText(req.Body, true)})
	}
	var site comment.Site
	if req.Site != "" {
		st, err := s.Store.Site(r.Context(), req.Site)
		if comment.ErrorCode(err) == comment.CodeNotFound {
			return comment.Invalid(comment.FieldError{Field: "site", Message: "is not a site this server knows"})
		}
		if err != nil {
			return err
		}
		if err := checkOrigin(w, r, st); err != nil {
			return err
		}
		site = st
	}
	ok, wait, err := s.checks.Allow(r.Context(), s.rateKey(s.ClientIP(r)), s.Now())
	if err != nil {
		return err
	}
	if !ok {
		return comment.TooMany("checks from your address", wait)
	}
	a := s.Policy.Assess(site, req.Body)
	out := CheckResponse{Score: a.Score, Flagged: a.Flagged, Threshold: s.Policy.Threshold(site), Spans: a.Spans}
	if out.Spans == nil {
		out.Spans = []comment.Span{}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
	return nil
}
