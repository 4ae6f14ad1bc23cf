package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/parleyhq/parley/desk"
)

// articleAutoClose sets one article's own auto-close delay: DAYS after its
// first comment, never, or default (the site's auto_close_days).
func articleAutoClose(ctx context.Context, e env, dk *desk.Desk, site, url, arg string) error {
	var days *int
	switch arg {
	case "default":
	case "never":
		zero := 0
		days = &zero
	default:
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 || n > 1000000 {
			return usagef("the auto-close delay must be a number of days from 1 to 1000000, never or default, not %q", arg)
		}
		days = &n
	}
	if err := dk.SetArticleAutoClose(ctx, site, url, days, cliActor(e)); err != nil {
		return err
	}
	switch {
	case days == nil:
		fmt.Fprintf(e.stdout, "article %s now auto-closes as the site says\n", url)
	case *days == 0:
		fmt.Fprintf(e.stdout, "article %s never auto-closes\n", url)
	default:
		fmt.Fprintf(e.stdout, "article %s auto-closes %d days after its first comment\n", url, *days)
	}
	return nil
}
