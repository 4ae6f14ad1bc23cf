package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/secret"
)

func cmdModerator(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "moderator", `moderator add NAME [--role admin|moderator] < password-file
moderator password NAME < password-file
moderator list
moderator sites NAME [SITE...]
moderator mail NAME [--email ADDRESS] [--digest off|hourly|daily]

The password is read from the first line of standard input. A new password
ends every session and token of the account. "sites" limits a moderator to
the sites named; with none, to every site.`)
	var d dataFlags
	d.register(fs, e)
	d.registerLogLevel(fs, e)
	role := fs.String("role", "moderator", "admin (everything) or moderator (queues and decisions)")
	email := fs.String("email", "", "the moderator's email address, for queue digests and alerts (stored encrypted; add or mail; empty with mail: none)")
	digest := fs.String("digest", "off", "how often the moderator gets a digest of the queue by email: off, hourly or daily")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return usagef("usage: parley moderator add|password|list|sites")
	}
	switch pos[0] {
	case "list":
		if len(pos) != 1 {
			return usagef("moderator list takes no arguments")
		}
		return listModerators(ctx, e, &d)
	case "sites":
		if len(pos) < 2 {
			return usagef("usage: parley moderator sites NAME [SITE...] (no sites: every site)")
		}
		return setModeratorSites(ctx, e, &d, pos[1], pos[2:])
	case "mail":
		if len(pos) != 2 {
			return usagef("usage: parley moderator mail NAME [--email ADDRESS] [--digest off|hourly|daily]")
		}
		return setModeratorMail(ctx, e, &d, pos[1], *email, *digest)
	case "add", "password":
	default:
		fs.Usage()
		return usagef("moderator: unknown action %q (add, password, list or sites)", pos[0])
	}
	if len(pos) != 2 {
		return usagef("usage: parley moderator %s NAME", pos[0])
	}
	if !comment.Role(*role).Valid() {
		return usagef("--role must be admin or moderator")
	}
	name := pos[1]
	if strings.TrimSpace(name) == "" || len(name) > 64 {
		return usagef("the moderator name must be 1 to 64 characters")
	}
	pw, err := readPassword(e.stdin)
	if err != nil {
		return err
	}
	hash, err := secret.HashPassword(pw)
	if err != nil {
		return err
	}
	store, keys, err := openData(ctx, &d)
	if err != nil {
		return err
	}
	defer store.Close()
	if pos[0] == "password" {
		if err := store.SetModeratorPassword(ctx, name, hash); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "password of %s changed; its sessions and tokens are ended\n", name)
		return nil
	}
	if _, err := store.CreateModerator(ctx, comment.Moderator{Name: name, Role: comment.Role(*role), PasswordHash: hash, CreatedAt: time.Now().UTC()}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "moderator %s added (%s)\n", name, *role)
	if *email != "" || *digest != "off" {
		return setModeratorMailIn(ctx, e, store, keys, name, *email, *digest)
	}
	return nil
}

func listModerators(ctx context.Context, e env, d *dataFlags) error {
	store, _, err := openData(ctx, d)
	if err != nil {
		return err
	}
	defer store.Close()
	ms, err := store.Moderators(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, m := range ms {
		state, sites := "active", "every site"
		if m.Disabled {
			state = "disabled"
		}
		if m.Role != comment.RoleAdmin && len(m.Sites) > 0 {
			sites = strings.Join(m.Sites, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Name, m.Role, state, sites)
	}
	return tw.Flush()
}

func setModeratorSites(ctx context.Context, e env, d *dataFlags, name string, sites []string) error {
	store, _, err := openData(ctx, d)
	if err != nil {
		return err
	}
	defer store.Close()
	for _, id := range sites {
		if _, err := store.Site(ctx, id); err != nil {
			if comment.ErrorCode(err) == comment.CodeNotFound {
				return usagef("%q is not a site (see parley site list)", id)
			}
			return err
		}
	}
	if err := store.SetModeratorSites(ctx, name, sites); err != nil {
		return err
	}
	if len(sites) == 0 {
		fmt.Fprintf(e.stdout, "%s now works on every site\n", name)
	} else {
		fmt.Fprintf(e.stdout, "%s now works on %s\n", name, strings.Join(sites, ", "))
	}
	return nil
}

// parseExpiry reads --expires: a duration from now (720h) or a date
// (2027-01-31, the start of that day in UTC) or an RFC 3339 time.
func parseExpiry(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return now.Add(d), nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			if !t.After(now) {
				return time.Time{}, usagef("--expires %s is in the past", v)
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, usagef("--expires %q: want a duration such as 720h, or a date such as 2027-01-31", v)
}

func cmdToken(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "token", `token create --moderator NAME [--expires 720h|2027-01-31]
token list [--moderator NAME]
token revoke ID [--moderator NAME]

create prints a new bearer token for the moderator's API calls as the last
line of output. list shows each token's ID (never the token), owner, and
expiry. revoke ends a token at once, also in running servers.`)
	var d dataFlags
	d.register(fs, e)
	d.registerLogLevel(fs, e)
	mod := fs.String("moderator", "", "the moderator the token acts as (create), or whose tokens to list or revoke")
	expires := fs.String("expires", "", "create: the token stops working after this duration (720h) or at this date (2027-01-31); default never")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return usagef("usage: parley token create|list|revoke")
	}
	now := time.Now().UTC()
	switch {
	case pos[0] == "create" && len(pos) == 1 && *mod != "":
		exp, err := parseExpiry(*expires, now)
		if err != nil {
			return err
		}
		store, _, err := openData(ctx, &d)
		if err != nil {
			return err
		}
		defer store.Close()
		token, err := createExpiringToken(ctx, store, *mod, now, exp)
		if err != nil {
			return err
		}
		until := "never expires"
		if !exp.IsZero() {
			until = "expires " + exp.Format(time.RFC3339)
		}
		fmt.Fprintf(e.stdout, "token for %s, %s (keep it secret; send it as 'Authorization: Bearer TOKEN'):\n%s\n", *mod, until, token)
	case pos[0] == "list" && len(pos) == 1:
		store, _, err := openData(ctx, &d)
		if err != nil {
			return err
		}
		defer store.Close()
		toks, err := store.Tokens(ctx, *mod)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		for _, t := range toks {
			fmt.Fprintf(tw, "%s\t%s\tcreated %s\t%s\n", t.ID, t.Moderator, t.CreatedAt.Format(time.RFC3339), expiryText(t.ExpiresAt, now))
		}
		return tw.Flush()
	case pos[0] == "revoke" && len(pos) == 2:
		store, _, err := openData(ctx, &d)
		if err != nil {
			return err
		}
		defer store.Close()
		if err := store.RevokeToken(ctx, *mod, pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "token %s revoked\n", pos[1])
	default:
		fs.Usage()
		return usagef("usage: parley token create --moderator NAME [--expires D] | token list [--moderator NAME] | token revoke ID")
	}
	return nil
}

func expiryText(exp, now time.Time) string {
	switch {
	case exp.IsZero():
		return "never expires"
	case !exp.After(now):
		return "expired " + exp.Format(time.RFC3339)
	}
	return "expires " + exp.Format(time.RFC3339)
}

// createToken makes a token that never expires (the demo's).
func createToken(ctx context.Context, store comment.Store, moderator string) (string, error) {
	return createExpiringToken(ctx, store, moderator, time.Now().UTC(), time.Time{})
}

func createExpiringToken(ctx context.Context, store comment.Store, moderator string, now, expires time.Time) (string, error) {
	m, err := store.ModeratorByName(ctx, moderator)
	if err != nil {
		return "", err
	}
	token := secret.NewToken()
	if err := store.CreateExpiringToken(ctx, m.ID, secret.TokenHash(token), now, expires); err != nil {
		return "", err
	}
	return token, nil
}
