package httpapi

import (
	"time"

	"github.com/parleyhq/parley/comment"
)

// autoCloseAt is when an article auto-closes under its site's policy:
// AutoCloseDays (or the article's own override) after its first comment;
// zero when it never does or has no comment yet.
func autoCloseAt(site comment.Site, url string, a comment.Article) time.Time {
	days := site.Policy.AutoCloseDaysFor(url)
	if days <= 0 || a.CreatedAt.IsZero() || a.ID == 0 {
		return time.Time{}
	}
	return a.CreatedAt.Add(time.Duration(days) * 24 * time.Hour)
}
