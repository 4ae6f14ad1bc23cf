// Command parley is Parley's one binary: the comment server, its demo, and
// the commands that set it up. Flags and environment are parsed here only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "parley:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// env is what every command receives.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the comment server", cmdServe},
		{"demo", "run a ready-made demo: sample article, moderator login and API token", cmdDemo},
		{"migrate", "create or upgrade the database schema", cmdMigrate},
		{"copy", "move a SQLite database into PostgreSQL: copy --from FILE --to postgres://...", cmdCopy},
		{"site", "manage sites: site add ID --origin URL..., site list", cmdSite},
		{"moderator", "manage moderator accounts: moderator add NAME [--role admin|moderator]", cmdModerator},
		{"token", "create API bearer tokens: token create --moderator NAME", cmdToken},
		{"article", "open or close an article: article close|open --site S URL", cmdArticle},
		{"model", "the ad hominem classifier: model train|eval|score|explain", cmdModel},
		{"backup", "copy a running SQLite database, checked: backup --to FILE", cmdBackup},
		{"restore", "restore a SQLite backup: restore --from FILE [--force]", cmdRestore},
		{"healthcheck", "exit 0 when a running server is ready (for container health checks)", cmdHealthcheck},
		{"version", "print the version, commit and model version", cmdVersion},
	}
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "-h"}, getenv, stdin, stdout, stderr)
		}
		printUsage(stdout)
		if len(args) == 0 {
			return usagef("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	printUsage(stderr)
	return usagef("unknown command %q", args[0])
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Parley: a self-hosted comment and moderation server for news sites.")
	fmt.Fprintln(w, "\nUsage: parley COMMAND [flags] [arguments]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "  help CMD   explain a command (same as parley CMD -h)")
}

// parseInterspersed parses flags that may come before or after positional
// arguments, returning the positionals in order.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// newFlagSet makes a flag set whose -h output explains the command.
func newFlagSet(e env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: parley %s\n\nFlags:\n", usage)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	return fs
}

// dataFlags are the flags of every command that touches data.
type dataFlags struct {
	db         string
	secretFile string
}

func (d *dataFlags) register(fs *flag.FlagSet, e env) {
	fs.StringVar(&d.db, "db", envOr(e, "PARLEY_DB", "parley.db"), "database: a SQLite file path or a postgres:// URL (env PARLEY_DB)")
	fs.StringVar(&d.secretFile, "secret-file", e.getenv("PARLEY_SECRET_FILE"), "file holding the secret key, created (mode 0600) when absent; default parley.key beside the database (env PARLEY_SECRET_FILE)")
}

func (d *dataFlags) keyPath() string {
	if d.secretFile != "" {
		return d.secretFile
	}
	if strings.Contains(d.db, "://") {
		// A database URL has no directory: the key sits in the working
		// directory. Instances sharing a database must share this key.
		return "parley.key"
	}
	return filepath.Join(filepath.Dir(d.db), "parley.key")
}

func envOr(e env, key, def string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return def
}

// sortedKeys is for stable output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func normalizeOrigin(raw string) (string, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	scheme, host, ok := strings.Cut(raw, "://")
	if !ok || (scheme != "http" && scheme != "https") || host == "" || strings.ContainsAny(host, "/?#@ ") {
		return "", fmt.Errorf("origin %q must look like https://news.example or http://localhost:8080", raw)
	}
	return strings.ToLower(scheme + "://" + host), nil
}
