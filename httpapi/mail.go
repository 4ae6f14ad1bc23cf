package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
)

// checkMailOptIn validates a submission's email opt-ins.
func checkMailOptIn(notify []string, _ string) []comment.FieldError {
	var ce *comment.Error
	if err := desk.CheckNotify(notify); errors.As(err, &ce) {
		return ce.Fields
	}
	return nil
}

// mailLang is the language of a commenter's messages: French for "fr" and
// its regional forms, else English (a page in another language gets
// English rather than a refused comment).
func mailLang(lang string) string {
	l := strings.ToLower(lang)
	if l == "fr" || strings.HasPrefix(l, "fr-") {
		return "fr"
	}
	return "en"
}

// mailRoutes are the pages the links in emails lead to, served by
// Config.MailPages.
func (s *Server) mailRoutes() []Route {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.MailPages == nil {
			http.NotFound(w, r)
			return
		}
		s.MailPages.ServeHTTP(w, r)
	})
	return []Route{
		{"GET", "/mail/unsubscribe", h},
		{"POST", "/mail/unsubscribe", h},
		{"GET", "/mail/appeal", h},
		{"POST", "/mail/appeal", h},
	}
}
