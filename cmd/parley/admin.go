package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/store/postgres"
)

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// openData opens the store and key of a data command.
func openData(ctx context.Context, d *dataFlags) (comment.Store, *secret.Keyring, error) {
	keys, err := secret.LoadOrCreate(d.keyPath())
	if err != nil {
		return nil, nil, err
	}
	store, err := openStore(ctx, d.db)
	if err != nil {
		return nil, nil, err
	}
	return store, keys, nil
}

func cmdMigrate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "migrate", "migrate [--db FILE] [--secret-file FILE]\n\nCreates the database when absent and applies every embedded migration not yet\napplied; creates the secret key too when absent, so that instances started\nafterwards share it.")
	var d dataFlags
	d.register(fs, e)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("migrate takes no arguments")
	}
	store, _, err := openData(ctx, &d) // opening migrates; the key is created when absent
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(e.stdout, "database %s is up to date\n", d.db)
	return nil
}

func cmdSite(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "site", "site add ID --origin URL [--origin URL...] | site list\n\nA site is one newsroom property. Its origins (scheme://host[:port]) are where\narticles live and where the widget may post from.")
	var d dataFlags
	d.register(fs, e)
	var origins stringList
	fs.Var(&origins, "origin", "an allowed origin, e.g. https://news.example (repeatable)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return usagef("site: say add or list")
	}
	store, _, err := openData(ctx, &d)
	if err != nil {
		return err
	}
	defer store.Close()
	switch pos[0] {
	case "add":
		if len(pos) != 2 {
			return usagef("site add takes one ID, e.g. parley site add demo --origin https://news.example")
		}
		if len(origins) == 0 {
			return usagef("site add needs at least one --origin")
		}
		var norm []string
		for _, o := range origins {
			n, err := normalizeOrigin(o)
			if err != nil {
				return usagef("%v", err)
			}
			norm = append(norm, n)
		}
		if err := store.CreateSite(ctx, comment.Site{ID: pos[1], Origins: norm, CreatedAt: time.Now().UTC()}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "site %s added with origins %s\n", pos[1], strings.Join(norm, " "))
	case "list":
		sites, err := store.Sites(ctx)
		if err != nil {
			return err
		}
		for _, s := range sites {
			fmt.Fprintf(e.stdout, "%s\t%s\n", s.ID, strings.Join(s.Origins, " "))
		}
	default:
		return usagef("site: unknown action %q (add or list)", pos[0])
	}
	return nil
}

// readPassword reads a password from the first line of r.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if len(pw) < 8 {
		return "", usagef("the password (read from stdin) must be at least 8 characters")
	}
	return pw, nil
}

func cmdModerator(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "moderator", "moderator add NAME [--role admin|moderator] < password-file\nmoderator password NAME < password-file\n\nThe password is read from the first line of standard input.")
	var d dataFlags
	d.register(fs, e)
	role := fs.String("role", "moderator", "admin (everything) or moderator (queues and decisions)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[0] != "add" && pos[0] != "password") {
		fs.Usage()
		return usagef("usage: parley moderator add NAME [--role admin|moderator]")
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
	store, _, err := openData(ctx, &d)
	if err != nil {
		return err
	}
	defer store.Close()
	if pos[0] == "password" {
		if err := store.SetModeratorPassword(ctx, name, hash); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "password of %s changed\n", name)
		return nil
	}
	if _, err := store.CreateModerator(ctx, comment.Moderator{Name: name, Role: comment.Role(*role), PasswordHash: hash, CreatedAt: time.Now().UTC()}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "moderator %s added (%s)\n", name, *role)
	return nil
}

func cmdToken(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "token", "token create --moderator NAME\n\nPrints a new bearer token for the moderator's API calls as the last line of output.")
	var d dataFlags
	d.register(fs, e)
	mod := fs.String("moderator", "", "the moderator the token acts as")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "create" || *mod == "" {
		fs.Usage()
		return usagef("usage: parley token create --moderator NAME")
	}
	store, _, err := openData(ctx, &d)
	if err != nil {
		return err
	}
	defer store.Close()
	token, err := createToken(ctx, store, *mod)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "token for %s (keep it secret; send it as 'Authorization: Bearer TOKEN'):\n%s\n", *mod, token)
	return nil
}

func createToken(ctx context.Context, store comment.Store, moderator string) (string, error) {
	m, err := store.ModeratorByName(ctx, moderator)
	if err != nil {
		return "", err
	}
	token := secret.NewToken()
	if err := store.CreateToken(ctx, m.ID, secret.TokenHash(token), time.Now().UTC()); err != nil {
		return "", err
	}
	return token, nil
}

func cmdArticle(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "article", "article close|open --site SITE URL\n\nClosing an article refuses new comments on it; its thread stays visible.")
	var d dataFlags
	d.register(fs, e)
	site := fs.String("site", "", "the site of the article")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[0] != "close" && pos[0] != "open") || *site == "" {
		fs.Usage()
		return usagef("usage: parley article close|open --site SITE URL")
	}
	store, _, err := openData(ctx, &d)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.SetArticleClosed(ctx, *site, pos[1], pos[0] == "close"); err != nil {
		return err
	}
	if ps, ok := store.(*postgres.Store); ok {
		// Running servers drop their cached copy of the thread.
		payload, _ := json.Marshal(httpapi.ThreadNotice{Site: *site, URL: pos[1]})
		if err := ps.Notify(ctx, httpapi.NoticeThread, payload); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "article %s is now %s\n", pos[1], map[string]string{"close": "closed", "open": "open"}[pos[0]])
	return nil
}
