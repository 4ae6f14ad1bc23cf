package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// cmdHealthcheck asks a running server's /readyz, for container health
// checks: a distroless or scratch image has no curl.
func cmdHealthcheck(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "healthcheck", "healthcheck [--url URL]\n\nExits 0 when the server answers 200 on /readyz (its database answers), 1\notherwise. Default URL: /readyz on PARLEY_ADDR, reached on loopback when\nthe server listens on every address.")
	url := fs.String("url", "", "the readiness URL; default http://PARLEY_ADDR/readyz")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("healthcheck takes no arguments, got %q", pos)
	}
	if *url == "" {
		*url = "http://" + loopbackFor(envOr(e, "PARLEY_ADDR", "127.0.0.1:8080")) + "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", *url, nil)
	if err != nil {
		return usagef("healthcheck: --url: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", *url, resp.Status)
	}
	fmt.Fprintf(e.stdout, "ready: %s\n", *url)
	return nil
}

// loopbackFor turns a listen address into one to dial: a server listening
// on every address (":8080", "0.0.0.0:8080", "[::]:8080") is reached on
// 127.0.0.1.
func loopbackFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
