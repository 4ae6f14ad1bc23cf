// Command modelcmd runs `parley model ...` without the rest of the server,
// for CI and for working on the classifier: go run ./classify/internal/modelcmd train --out FILE.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/parleyhq/parley/classify"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := classify.RunCommand(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv, nil); err != nil {
		fmt.Fprintln(os.Stderr, "parley model:", err)
		os.Exit(1)
	}
}
