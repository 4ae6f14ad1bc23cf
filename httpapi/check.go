package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/moderation"
)

// CheckRequest is the body of POST /api/v1/check.
type CheckRequest struct {
	Body string `json:"body"`
	// Site, when given, applies that site's flag threshold and
	// public-figure policy.
	Site string `json:"site"`
	// ParentID, when given, is the approved comment the text replies to:
	// the text is scored with it as context.
	ParentID *int64 `json:"parent_id"`
}

// CheckResponse tells the form whether a text reads as a personal attack
// before it is sent, and which words made it so.
type CheckResponse struct {
	Score     float64        `json:"score"`
	Flagged   bool           `json:"flagged"`
	Threshold float64        `json:"threshold"`
	Spans     []comment.Span `json:"spans"`
	// Why says in one short line whom the attack is aimed at ("insult
	// aimed at the person replied to"); empty when not flagged.
	Why string `json:"why"`
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
	case req.ParentID != nil && *req.ParentID <= 0:
		return comment.Invalid(comment.FieldError{Field: "parent_id", Message: "must be a positive comment id"})
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
	var cx moderation.Context
	if req.ParentID != nil {
		c, ok, err := s.replyContext(r.Context(), req.Site, *req.ParentID)
		if err != nil {
			return err
		}
		if !ok {
			return comment.Invalid(comment.FieldError{Field: "parent_id", Message: "is not an approved comment of this site"})
		}
		cx = c
	}
	a := s.Policy.AssessContext(site, req.Body, cx)
	out := CheckResponse{Score: a.Score, Flagged: a.Flagged, Threshold: s.Policy.Threshold(site), Spans: a.Spans, Why: a.Why}
	if out.Spans == nil {
		out.Spans = []comment.Span{}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
	return nil
}
