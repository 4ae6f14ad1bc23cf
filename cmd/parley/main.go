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

	"github.com/parleyhq/parley/comment"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if code := runMain(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); code != 0 {
		stop()
		os.Exit(code)
	}
}

// runMain runs a command and reports its error on stderr: the domain
// message only (never SQL), the cause too at log level debug. It returns
// the exit code: 2 for a mistake in the command line, 1 for other errors.
func runMain(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := run(ctx, args, getenv, stdin, stdout, stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "parley:", errorText(err, debugLevel(args, getenv)))
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// errorText is what the CLI prints for an error: a domain error's message
// and bad fields; its cause (a driver's message) only when debug.
func errorText(err error, debug bool) string {
	var ce *comment.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	msg := ce.Message
	for _, f := range ce.Fields {
		msg += fmt.Sprintf(" (%s %s)", f.Field, f.Message)
	}
	switch {
	case debug && ce.Err != nil:
		msg += "\n  cause: " + ce.Err.Error()
	case ce.Err != nil && ce.Code == comment.CodeInternal:
		msg += " (--log-level debug shows the cause)"
	}
	return msg
}

// debugLevel reports whether the command line or PARLEY_LOG_LEVEL asks for
// log level debug.
func debugLevel(args []string, getenv func(string) string) bool {
	level := getenv("PARLEY_LOG_LEVEL")
	for i, a := range args {
		switch {
		case (a == "--log-level" || a == "-log-level") && i+1 < len(args):
			level = args[i+1]
		case strings.HasPrefix(a, "--log-level="), strings.HasPrefix(a, "-log-level="):
			_, level, _ = strings.Cut(a, "=")
		}
	}
	return level == "debug"
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
		{"article", "open, close or retitle an article: article close|open --site S URL, article title --site S URL TITLE", cmdArticle},
		{"comment", "take a published comment back or restore it: comment remove ID --reason R [--note N], comment restore ID", cmdComment},
		{"moderator", "manage moderator accounts: moderator add|password|list|sites", cmdModerator},
		{"token", "API bearer tokens: token create|list|revoke", cmdToken},
		{"model", "the ad hominem classifier: model train|eval|score|explain", cmdModel},
		{"bench", "seed a data set and measure a server under HTTP load: bench [--workloads a,b] [--json]", cmdBench},
		{"backup", "copy a running SQLite database, checked: backup --to FILE", cmdBackup},
		{"restore", "restore a SQLite backup: restore --from FILE [--force]", cmdRestore},
		{"healthcheck", "exit 0 when a running server is ready (for container health checks)", cmdHealthcheck},
		{"version", "print the version, commit and model version", cmdVersion},
		{"import", "import comments: import wordpress|disqus|isso|remark42|commento|parley FILE --site ID", cmdImport},
		{"export", "export a site's comments: export --site ID [--format jsonl|wxr] [--private]", cmdExport},
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

// registerLogLevel gives a data command --log-level, which only decides
// whether an error's cause is printed (runMain reads it).
func (d *dataFlags) registerLogLevel(fs *flag.FlagSet, e env) {
	fs.String("log-level", envOr(e, "PARLEY_LOG_LEVEL", "info"), "debug prints the cause of an error beside its message (env PARLEY_LOG_LEVEL)")
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

// checkSiteID enforces what a site ID may be: it goes into URLs, the
// dashboard's paths and the embed snippet unescaped.
func checkSiteID(id string) error {
	ok := len(id) >= 1 && len(id) <= 64
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			ok = false
		}
	}
	if !ok {
		return usagef("site ID %q: use 1 to 64 of a-z, 0-9 and '-' (it appears in URLs and the embed snippet), e.g. ledger or ledger-sport", id)
	}
	return nil
}

func normalizeOrigin(raw string) (string, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	scheme, host, ok := strings.Cut(raw, "://")
	if !ok || (scheme != "http" && scheme != "https") || host == "" || strings.ContainsAny(host, "/?#@ ") {
		return "", fmt.Errorf("origin %q must look like https://news.example or http://localhost:8080", raw)
	}
	return strings.ToLower(scheme + "://" + host), nil
}
