package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/store/postgres"
	"github.com/parleyhq/parley/store/sqlite"
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
	d.registerLogLevel(fs, e)
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
	if len(args) > 0 && args[0] == "set" {
		return cmdSiteSet(ctx, e, args[1:])
	}
	fs := newFlagSet(e, "site", "site add ID --origin URL [--origin URL...] | site list | site set ID --mode ... (see site set -h) | site identity ID [--verify on|off] [--require-sso on|off] [--jwks-url URL|none] [--sso-secret-file FILE|none]\n\nA site is one newsroom property. Its origins (scheme://host[:port]) are where\narticles live and where the widget may post from.")
	var d dataFlags
	d.register(fs, e)
	d.registerLogLevel(fs, e)
	var origins stringList
	fs.Var(&origins, "origin", "an allowed origin, e.g. https://news.example (repeatable)")
	idf := registerIdentityFlags(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return usagef("site: say add or list")
	}
	store, keys, err := openData(ctx, &d)
	if err != nil {
		return err
	}
	defer store.Close()
	switch pos[0] {
	case "identity":
		return siteIdentity(ctx, e, store, keys, pos, idf)
	case "add":
		if len(pos) != 2 {
			return usagef("site add takes one ID, e.g. parley site add demo --origin https://news.example")
		}
		if err := checkSiteID(pos[1]); err != nil {
			return err
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
		return usagef("site: unknown action %q (add, list or identity)", pos[0])
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

func cmdArticle(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "article", "article close|open --site SITE URL | article title --site SITE URL \"TITLE\" | article auto-close --site SITE URL DAYS|never|default\n\nClosing an article refuses new comments on it; its thread stays visible.\nA title set here is the newsroom's own, shown to readers and moderators.\nauto-close gives the article its own delay (days after its first comment,\nor never) over the site's auto_close_days; default returns it to the site's.\nEach change is audited and reaches running servers.")
	var d dataFlags
	d.register(fs, e)
	d.registerLogLevel(fs, e)
	site := fs.String("site", "", "the site of the article")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	okArgs := len(pos) == 2 && (pos[0] == "close" || pos[0] == "open") || len(pos) == 3 && (pos[0] == "title" || pos[0] == "auto-close")
	if !okArgs || *site == "" {
		fs.Usage()
		return usagef("usage: parley article close|open --site SITE URL, parley article title --site SITE URL \"TITLE\", or parley article auto-close --site SITE URL DAYS|never|default")
	}
	store, _, err := openData(ctx, &d)
	if err != nil {
		return err
	}
	defer store.Close()
	dk := cliDesk(store)
	if pos[0] == "auto-close" {
		return articleAutoClose(ctx, e, dk, *site, pos[1], pos[2])
	}
	ch := comment.ArticleChange{SiteID: *site, URL: pos[1], Moderator: cliActor(e)}
	switch pos[0] {
	case "title":
		title := strings.TrimSpace(pos[2])
		if msg := desk.CheckTitle(title); msg != "" {
			return usagef("the title %s", msg)
		}
		ch.Title = &title
	default:
		closed := pos[0] == "close"
		ch.Closed = &closed
	}
	if _, err := dk.ChangeArticle(ctx, ch); err != nil {
		return err
	}
	switch pos[0] {
	case "title":
		fmt.Fprintf(e.stdout, "article %s is now titled %q\n", pos[1], *ch.Title)
	default:
		fmt.Fprintf(e.stdout, "article %s is now %s\n", pos[1], map[string]string{"close": "closed", "open": "open"}[pos[0]])
	}
	return nil
}

func cmdComment(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "comment", "comment remove ID --reason R [--note N] | comment restore ID\n\nRemoving takes a published comment back (a libel notice, a court order):\nreasons ad_hominem, spam, off_topic, legal or other. Readers see it gone at\nonce, or \"Removed by a moderator\" where it has replies. Restoring publishes\nit again. Each change is audited and reaches running servers.")
	var d dataFlags
	d.register(fs, e)
	reason := fs.String("reason", "", "why it is removed: ad_hominem, spam, off_topic, legal or other")
	note := fs.String("note", "", "a note for the audit log and the author")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[0] != "remove" && pos[0] != "restore") {
		fs.Usage()
		return usagef("usage: parley comment remove ID --reason R [--note N], or parley comment restore ID")
	}
	id, err := strconv.ParseInt(pos[1], 10, 64)
	if err != nil || id <= 0 {
		return usagef("the comment ID must be a positive integer, not %q", pos[1])
	}
	store, _, err := openData(ctx, &d)
	if err != nil {
		return err
	}
	defer store.Close()
	dec := comment.Decision{CommentID: id, Action: comment.ActionRemove, Reason: comment.Reason(*reason), Note: *note, Moderator: cliActor(e)}
	if pos[0] == "restore" {
		if *reason != "" {
			return usagef("restore takes no --reason")
		}
		dec.Action = comment.ActionRestore
	}
	c, err := cliDesk(store).Decide(ctx, dec)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "comment %d is now %s\n", c.ID, c.Status)
	return nil
}

// cliActor is the name the audit log gives a change made at the command
// line: the operating-system user, marked as the CLI's.
func cliActor(e env) string {
	user := e.getenv("USER")
	if user == "" {
		user = "unknown"
	}
	return "cli:" + user
}

// cliDesk is the desk a data command changes things through, with a bus
// that reaches running servers: PostgreSQL's NOTIFY, or on SQLite the
// database's own change log when the store offers one.
func cliDesk(store comment.Store) *desk.Desk {
	var bus desk.Bus = desk.NewLocalBus()
	switch st := store.(type) {
	case *postgres.Store:
		bus = notifyBus{st}
	case *sqlite.Store:
		// The changes table, which every running server on the file polls.
		bus = notifyBus{st}
	}
	return desk.New(desk.Config{Store: store, Bus: bus})
}

// notifyBus publishes to the servers on one database (PostgreSQL's NOTIFY,
// SQLite's changes table) without listening itself: a CLI command's bus.
type notifyBus struct {
	s interface {
		Notify(ctx context.Context, kind string, payload json.RawMessage) error
	}
}

func (b notifyBus) Publish(ctx context.Context, kind string, payload json.RawMessage) error {
	return b.s.Notify(ctx, kind, payload)
}

func (b notifyBus) Subscribe(func(string, json.RawMessage)) func() { return func() {} }
