package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/parleyhq/parley/classify"
	"github.com/parleyhq/parley/observe"
)

// version and commit are set at build time:
//
//	go build -ldflags "-X main.version=1.2.0 -X main.commit=$(git rev-parse HEAD)" ./cmd/parley
//
// Without them the commit comes from the build's VCS stamp when there is one.
var (
	version = "dev"
	commit  = ""
)

// buildInfo names this binary and the model it scores with.
func buildInfo(model string) observe.Build {
	c := commit
	if c == "" {
		c = "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && s.Value != "" {
					c = s.Value
				}
			}
		}
	}
	if model == "" {
		model = classify.Default().Version()
	}
	return observe.Build{Version: version, Commit: c, Model: model}
}

func cmdVersion(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "version", "version [--model FILE]\n\nPrints the version, the commit it was built from, the Go version and the ad hominem model's version.")
	modelFile := fs.String("model", e.getenv("PARLEY_MODEL"), "report this model file's version instead of the embedded model's (env PARLEY_MODEL)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("version takes no arguments, got %q", pos)
	}
	model := ""
	if *modelFile != "" {
		m, err := classify.LoadFile(*modelFile)
		if err != nil {
			return fmt.Errorf("--model: %w", err)
		}
		model = m.Version()
	}
	b := buildInfo(model)
	fmt.Fprintf(e.stdout, "parley %s\ncommit %s\ngo %s\nmodel %s\n", b.Version, b.Commit, runtime.Version(), b.Model)
	return nil
}
