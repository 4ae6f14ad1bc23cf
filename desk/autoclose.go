package desk

import (
	"context"
	"strconv"

	"github.com/parleyhq/parley/comment"
)

// CheckAutoClose refuses a new comment on an article that its site's
// auto-close setting (or the article's own override) has closed: one whose
// first comment is at least that many days old. The refusal is the one a
// closed article gets: CodeInvalid naming article_url.
func (d *Desk) CheckAutoClose(ctx context.Context, site comment.Site, url string) error {
	days := site.Policy.AutoCloseDaysFor(url)
	if days <= 0 {
		return nil
	}
	a, err := d.Store.Article(ctx, site.ID, url)
	switch comment.ErrorCode(err) {
	case "":
	case comment.CodeNotFound:
		return nil // the first comment opens it
	default:
		return err
	}
	if site.Policy.AutoClosed(url, a.CreatedAt, d.Now()) {
		return comment.Invalid(comment.FieldError{Field: "article_url",
			Message: "is closed to new comments (comments close " + plural(days, "day") + " after the first)"})
	}
	return nil
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// SetArticleAutoClose gives one article its own auto-close delay (days
// after its first comment; 0: never) or, with days nil, returns it to the
// site's setting. It is a change of the site's policy, validated and
// audited as one (set_policy, "auto_close: old -> new"). CodeInvalid
// naming url or days; CodeNotFound for an unknown site.
func (d *Desk) SetArticleAutoClose(ctx context.Context, siteID, url string, days *int, moderator string) error {
	site, err := d.Store.Site(ctx, siteID)
	if err != nil {
		return err
	}
	if days != nil && (*days < 0 || *days > 1000000) {
		return comment.Invalid(comment.FieldError{Field: "days", Message: "must be a whole number from 0 to 1000000, or default"})
	}
	var list []comment.AutoCloseOverride
	for _, o := range site.Policy.AutoClose {
		if o.URL != url {
			list = append(list, o)
		}
	}
	if days != nil {
		list = append(list, comment.AutoCloseOverride{URL: url, Days: *days})
	}
	site.Policy.AutoClose = list
	if errs := site.ValidatePolicy(); len(errs) > 0 {
		for i := range errs {
			if errs[i].Field == "auto_close" {
				errs[i].Field = "url"
			}
		}
		return comment.Invalid(errs...)
	}
	if err := d.SetSitePolicy(ctx, site, moderator); err != nil {
		return err
	}
	// The article's thread says whether it is closed.
	d.threadChanged(ctx, siteID, url)
	return nil
}
