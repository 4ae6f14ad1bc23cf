package dashboard

import (
	"fmt"
	"html/template"
	"net/url"
	"time"

	"github.com/parleyhq/parley/comment"
)

func urlQuery(s string) string { return url.QueryEscape(s) }

var funcs = template.FuncMap{
	"ago": func(now, t time.Time) string {
		d := now.Sub(t)
		switch {
		case d < time.Minute:
			return "just now"
		case d < time.Hour:
			return fmt.Sprintf("%d min ago", int(d.Minutes()))
		case d < 48*time.Hour:
			return fmt.Sprintf("%d h ago", int(d.Hours()))
		}
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	},
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"day": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2 Jan 2006")
	},
	"reason": func(r comment.Reason) string {
		switch r {
		case comment.ReasonAdHominem:
			return "ad hominem"
		case comment.ReasonOffTopic:
			return "off-topic"
		}
		return string(r)
	},
	"isAdmin": func(m *comment.Moderator) bool { return m != nil && m.Role == comment.RoleAdmin },
	"fieldErr": func(errs []comment.FieldError, field string) string {
		for _, e := range errs {
			if e.Field == field {
				return e.Message
			}
		}
		return ""
	},
	"reasons": func() []comment.Reason {
		return []comment.Reason{comment.ReasonAdHominem, comment.ReasonSpam, comment.ReasonOffTopic, comment.ReasonOther}
	},
	"reasonKey": func(r comment.Reason) string {
		return map[comment.Reason]string{comment.ReasonAdHominem: "h", comment.ReasonSpam: "s", comment.ReasonOffTopic: "o", comment.ReasonOther: "t"}[r]
	},
}
