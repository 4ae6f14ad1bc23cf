package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/demo"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/widget"
)

// Names of what the demo sets up.
const (
	demoSite      = "demo"
	demoModerator = "moderator"
)

func cmdDemo(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "demo", "demo [--addr ADDR] [--dir DIR]\n\nStarts Parley on a SQLite file in DIR with a demo site, a moderator account\n(a new password each run) and an API token, and serves a sample article at /demo/.")
	cfg := serveConfig{}
	fs.StringVar(&cfg.addr, "addr", envOr(e, "PARLEY_ADDR", "127.0.0.1:8080"), "address to listen on")
	dir := fs.String("dir", "parley-demo", "directory for the demo's database and key")
	cfg.register(fs, e)
	cfg.mailCatcher = true
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("demo takes no arguments, got %q", pos)
	}
	cfg.db = filepath.Join(*dir, "parley.db")
	cfg.secretFile = filepath.Join(*dir, "parley.key")

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("%w (is another Parley running? try --addr 127.0.0.1:8081)", err)
	}
	a, err := openApp(ctx, e, &cfg, ln)
	if err != nil {
		ln.Close()
		return err
	}
	defer a.close()
	password, token, err := setUpDemo(ctx, a.store, a.baseURL)
	if err != nil {
		return err
	}
	if err := setUpDemoMail(ctx, a); err != nil {
		return err
	}
	a.mounts["GET /demo/"] = demo.Handler(demo.Page{BaseURL: a.baseURL, Site: demoSite,
		Widget: widget.Snippet(a.baseURL, demoSite, demo.ArticleURL(a.baseURL), demo.Title, ""), WidgetStyle: widget.StyleSource()})
	a.mounts["GET /{$}"] = http.RedirectHandler("/demo/", http.StatusFound)

	w := e.stdout
	fmt.Fprintf(w, "Parley demo is running. Stop it with Ctrl-C.\n\n")
	fmt.Fprintf(w, "  Sample article:   %s\n", demo.ArticleURL(a.baseURL))
	fmt.Fprintf(w, "  Dashboard:        %s/admin/\n", a.baseURL)
	fmt.Fprintf(w, "  Moderator login:  name %q, password %q\n", demoModerator, password)
	fmt.Fprintf(w, "  API token:        %s\n", token)
	fmt.Fprintf(w, "  Data:             %s (delete it to start over)\n\n", *dir)
	fmt.Fprintf(w, "Comment, approve, read:\n")
	fmt.Fprintf(w, "  curl -s %s/api/v1/comments -H 'Content-Type: application/json' \\\n", a.baseURL)
	fmt.Fprintf(w, "    -d '{\"site\":\"%s\",\"article_url\":\"%s\",\"name\":\"Ada\",\"email\":\"ada@example.com\",\"body\":\"A hotline is a start.\"}'\n", demoSite, demo.ArticleURL(a.baseURL))
	fmt.Fprintf(w, "  curl -s -X POST %s/api/v1/admin/comments/ID/approve -H 'Authorization: Bearer %s'\n", a.baseURL, token)
	fmt.Fprintf(w, "  curl -s '%s/api/v1/threads?site=%s&url=%s'\n\n", a.baseURL, demoSite, demo.ArticleURL(a.baseURL))
	fmt.Fprintf(w, "Parley listening on %s\n", a.baseURL)
	return a.serve(ctx, ln)
}

// setUpDemo makes sure the demo site allows this server's origin and that
// the demo moderator exists with a fresh password and token.
func setUpDemo(ctx context.Context, store comment.Store, baseURL string) (password, token string, err error) {
	now := time.Now().UTC()
	origin, err := normalizeOrigin(baseURL)
	if err != nil {
		return "", "", err
	}
	site, err := store.Site(ctx, demoSite)
	switch comment.ErrorCode(err) {
	case comment.CodeNotFound:
		err = store.CreateSite(ctx, comment.Site{ID: demoSite, Origins: []string{origin}, CreatedAt: now})
	case "":
		if !slices.Contains(site.Origins, origin) {
			site.Origins = append(site.Origins, origin)
			err = store.UpdateSite(ctx, site)
		}
	}
	if err != nil {
		return "", "", err
	}
	password = secret.NewToken()[:16]
	hash, err := secret.HashPassword(password)
	if err != nil {
		return "", "", err
	}
	_, err = store.ModeratorByName(ctx, demoModerator)
	switch comment.ErrorCode(err) {
	case comment.CodeNotFound:
		_, err = store.CreateModerator(ctx, comment.Moderator{Name: demoModerator, Role: comment.RoleAdmin, PasswordHash: hash, CreatedAt: now})
	case "":
		err = store.SetModeratorPassword(ctx, demoModerator, hash)
	}
	if err != nil {
		return "", "", err
	}
	token, err = createToken(ctx, store, demoModerator)
	return password, token, err
}
