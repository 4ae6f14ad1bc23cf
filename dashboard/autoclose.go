package dashboard

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/comment"
)

// autoCloseLines shows the per-article auto-close overrides, one a line:
// "URL days" or "URL never".
func autoCloseLines(p comment.PolicySettings) string {
	var out []string
	for _, o := range p.AutoClose {
		d := strconv.Itoa(o.Days)
		if o.Days == 0 {
			d = "never"
		}
		out = append(out, o.URL+" "+d)
	}
	return strings.Join(out, "\n")
}

// parseSortAndAutoClose reads the thread order and the per-article
// auto-close lines of the site form; ranges are checked by
// comment.Site.ValidatePolicy.
func parseSortAndAutoClose(r *http.Request, p *comment.PolicySettings, bad func(field, msg string)) {
	if _, ok := r.PostForm["default_sort"]; ok {
		p.DefaultSort = comment.Sort(r.PostFormValue("default_sort"))
		if p.DefaultSort == comment.SortOldest {
			p.DefaultSort = ""
		}
	}
	if _, ok := r.PostForm["auto_close"]; !ok {
		return
	}
	p.AutoClose = nil
	for _, line := range lines(r.PostFormValue("auto_close")) {
		u, d, _ := strings.Cut(line, " ")
		d = strings.TrimSpace(d)
		days := 0
		if d != "never" {
			n, err := strconv.Atoi(d)
			if err != nil {
				bad("auto_close", "each line must be an article URL, a space, and a number of days or never")
				return
			}
			days = n
		}
		p.AutoClose = append(p.AutoClose, comment.AutoCloseOverride{URL: u, Days: days})
	}
}
