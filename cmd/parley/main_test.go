package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// runCmd runs one parley command to completion.
func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, envFrom(nil), strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := runCmd(t, stdin, args...)
	if err != nil {
		t.Fatalf("parley %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

var listenRE = regexp.MustCompile(`Parley listening on (http://\S+)`)

// startServer runs `parley ARGS` in-process until the test ends and returns
// the base URL it printed.
func startServer(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, envFrom(nil), strings.NewReader(""), &out, &out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server exited with %v\n%s", err, out.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRE.FindStringSubmatch(out.String()); m != nil {
			return m[1], &out
		}
		select {
		case err := <-done:
			t.Fatalf("server stopped: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("server did not start:\n%s", out.String())
	return "", nil
}

type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) call(method, path string, body any, header map[string]string) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" && strings.HasPrefix(path, "/api/v1/admin/") {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (c client) threadIDs(site, article string) []float64 {
	c.t.Helper()
	code, th := c.call("GET", "/api/v1/threads?site="+site+"&url="+url.QueryEscape(article), nil, nil)
	if code != 200 {
		c.t.Fatalf("thread: %d %v", code, th)
	}
	var ids []float64
	var walk func(any)
	walk = func(v any) {
		for _, c := range v.([]any) {
			m := c.(map[string]any)
			ids = append(ids, m["id"].(float64))
			walk(m["replies"])
		}
	}
	walk(th["comments"])
	return ids
}

// The whole pipeline through the real program: set up with the CLI, serve
// on :0 over SQLite in a temp dir, submit, moderate, read.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	mustRun(t, "", "migrate", "--db", db)
	// Flags after and before the positional arguments.
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	mustRun(t, "", "site", "--db", db, "add", "--origin", "http://127.0.0.1:1", "blog")
	mustRun(t, "s3cret-passw0rd\n", "moderator", "add", "ann", "--role", "admin", "--db", db)
	out := mustRun(t, "", "token", "create", "--moderator", "ann", "--db", db)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	if len(token) < 40 || strings.Contains(token, " ") {
		t.Fatalf("token create's last line %q is not a token", token)
	}
	if st, err := os.Stat(filepath.Join(dir, "parley.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, st.Mode().Perm())
	}

	base, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn")
	c := client{t: t, base: base, token: token}
	article := "https://news.example/world/talks"
	submit := func(extra map[string]any, header map[string]string) (int, map[string]any) {
		body := map[string]any{"site": "news", "article_url": article, "article_title": "Talks", "name": "Ada", "email": "ada@example.com", "body": "A hotline is a start."}
		for k, v := range extra {
			body[k] = v
		}
		return c.call("POST", "/api/v1/comments", body, header)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _ := c.call("GET", path, nil, nil); code != 200 {
			t.Errorf("%s: %d", path, code)
		}
	}

	code, a := submit(nil, nil)
	if code != 202 || a["status"] != "pending" || a["message"] != "Your comment will be posted pending moderator approval." {
		t.Fatalf("submit: %d %v", code, a)
	}
	idA := a["id"].(float64)
	if ids := c.threadIDs("news", article); len(ids) != 0 {
		t.Fatalf("pending comment visible: %v", ids)
	}
	if code, body := submit(map[string]any{"parent_id": idA}, nil); code != 422 {
		t.Errorf("reply to pending comment: %d %v", code, body)
	}
	if code, body := c.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", idA), nil, nil); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	if ids := c.threadIDs("news", article); len(ids) != 1 || ids[0] != idA {
		t.Fatalf("approved comment not visible: %v", ids)
	}
	_, b := submit(map[string]any{"body": "Only a fool trusts these people."}, nil)
	idB := b["id"].(float64)
	if code, body := c.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/reject", idB), map[string]any{"reason": "ad_hominem"}, nil); code != 200 {
		t.Fatalf("reject: %d %v", code, body)
	}
	if ids := c.threadIDs("news", article); len(ids) != 1 {
		t.Fatalf("rejected comment visible: %v", ids)
	}
	// CORS from an unknown origin is refused; from the site's origin it is answered.
	if code, _ := submit(nil, map[string]string{"Origin": "https://evil.example"}); code != 403 {
		t.Errorf("unknown origin: %d, want 403", code)
	}
	if code, _ := submit(nil, map[string]string{"Origin": "https://news.example"}); code != 202 {
		t.Errorf("site origin: %d, want 202", code)
	}
	// A closed article refuses comments (closed from the CLI while serving).
	mustRun(t, "", "article", "close", "--site", "news", article, "--db", db)
	if code, body := submit(nil, nil); code != 422 {
		t.Errorf("closed article: %d %v", code, body)
	}
	if code, _ := c.call("GET", "/api/v1/admin/audit", nil, nil); code != 200 {
		t.Errorf("audit: %d", code)
	}
}

func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"ErrUnknownCommand", "", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"ErrSiteNoOrigin", "", []string{"site", "add", "x", "--db", db}, "at least one --origin"},
		{"ErrSiteBadOrigin", "", []string{"site", "add", "x", "--origin", "news.example", "--db", db}, "must look like"},
		{"ErrShortPassword", "short\n", []string{"moderator", "add", "bob", "--db", db}, "at least 8"},
		{"ErrBadRole", "longenough\n", []string{"moderator", "add", "bob", "--role", "king", "--db", db}, "admin or moderator"},
		{"ErrTokenUnknownModerator", "", []string{"token", "create", "--moderator", "nobody", "--db", db}, "not found"},
		{"ErrServeBadFlag", "", []string{"serve", "--nope"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCmd(t, tt.stdin, tt.args...)
			if err == nil || !strings.Contains(out+err.Error(), tt.want) {
				t.Errorf("err = %v, output %q; want %q", err, out, tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	out := mustRun(t, "", "help")
	for _, c := range commands() {
		if !strings.Contains(out, c.name) {
			t.Errorf("help does not list %s", c.name)
		}
		sub, _ := runCmd(t, "", c.name, "-h")
		if !strings.Contains(sub, "Usage: parley "+c.name) {
			t.Errorf("parley %s -h = %q", c.name, sub)
		}
	}
}

func TestEnvironmentConfig(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PARLEY_DB": filepath.Join(dir, "env.db"), "PARLEY_SECRET_FILE": filepath.Join(dir, "env.key")}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, envFrom(env), strings.NewReader(""), &out, &out); err != nil {
		t.Fatal(err, out.String())
	}
	if err := run(context.Background(), []string{"site", "add", "x", "--origin", "https://x.example"}, envFrom(env), strings.NewReader(""), &out, &out); err != nil {
		t.Fatal(err, out.String())
	}
	for _, f := range []string{"env.db", "env.key"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not created from the environment: %v", f, err)
		}
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	base, out := startServer(t, "demo", "--addr", "127.0.0.1:0", "--dir", dir)
	text := out.String()
	pw := regexp.MustCompile(`password "([^"]+)"`).FindStringSubmatch(text)
	tok := regexp.MustCompile(`API token:\s+(\S+)`).FindStringSubmatch(text)
	if pw == nil || tok == nil {
		t.Fatalf("demo did not print a login and a token:\n%s", text)
	}
	resp, err := http.Get(base + "/demo/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "ambassadors") || !strings.Contains(string(page), "data-parley") {
		t.Fatalf("demo page: %d\n%.500s", resp.StatusCode, page)
	}
	c := client{t: t, base: base, token: tok[1]}
	article := base + "/demo/"
	code, sub := c.call("POST", "/api/v1/comments", map[string]any{"site": "demo", "article_url": article, "name": "Ada", "email": "ada@example.com", "body": "A start."}, map[string]string{"Origin": base})
	if code != 202 {
		t.Fatalf("demo submit: %d %v", code, sub)
	}
	if code, _ := c.call("POST", fmt.Sprintf("/api/v1/admin/comments/%.0f/approve", sub["id"].(float64)), nil, nil); code != 200 {
		t.Fatalf("approve with the printed token: %d", code)
	}
	if ids := c.threadIDs("demo", article); len(ids) != 1 {
		t.Fatalf("thread: %v", ids)
	}
	code, login := c.call("POST", "/api/v1/admin/login", map[string]any{"name": "moderator", "password": pw[1]}, nil)
	if code != 200 {
		t.Errorf("login with the printed password: %d %v", code, login)
	}
}

// SIGTERM lets a request in flight finish before the process exits, and the
// comment it carried is stored.
func TestSIGTERMDrains(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "parley")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "parley.db")
	if out, err := exec.Command(bin, "site", "add", "news", "--origin", "https://news.example", "--db", db).CombinedOutput(); err != nil {
		t.Fatalf("site add: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db)
	stdout, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := listenRE.FindStringSubmatch(line)
	if err != nil || m == nil {
		t.Fatalf("no listen line: %q %v", line, err)
	}
	addr := strings.TrimPrefix(m[1], "http://")

	// Send the headers and half the body, then SIGTERM, then the rest.
	body := `{"site":"news","article_url":"https://news.example/a","name":"Ada","email":"ada@example.com","body":"Sent while the server stops."}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/comments HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:40])
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	fmt.Fprint(conn, body[40:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request got no answer: %v\n%s", err, stderr.String())
	}
	if resp.StatusCode != 202 {
		t.Fatalf("in-flight request: %d", resp.StatusCode)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "draining") {
		t.Errorf("no drain message:\n%s", stderr.String())
	}
	// The comment is in the database.
	store, err := openStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	counts, err := store.CountByStatus(context.Background(), "news")
	if err != nil {
		t.Fatal(err)
	}
	if n := counts["pending"]; n != 1 {
		t.Errorf("pending comments after drain = %d, want 1", n)
	}
}

// The shipped classifier is wired into the running server: the check
// endpoint warns about an attack on a person and not about harsh criticism
// of a policy, and the attack goes first in the queue, flagged.
func TestClassifierInPipeline(t *testing.T) {
	dir := t.TempDir()
	base, out := startServer(t, "demo", "--addr", "127.0.0.1:0", "--dir", dir)
	tok := regexp.MustCompile(`API token:\s+(\S+)`).FindStringSubmatch(out.String())
	c := client{t: t, base: base, token: tok[1]}
	attack := "You're a paid troll and everyone here knows it."
	criticism := "NATO's policy here is reckless, and this article is one-sided."
	_, a := c.call("POST", "/api/v1/check", map[string]any{"body": attack, "site": "demo"}, nil)
	_, b := c.call("POST", "/api/v1/check", map[string]any{"body": criticism, "site": "demo"}, nil)
	if a["flagged"] != true || len(a["spans"].([]any)) == 0 {
		t.Errorf("attack not flagged: %v", a)
	}
	if b["flagged"] != false {
		t.Errorf("criticism flagged: %v", b)
	}
	article := base + "/demo/"
	for _, body := range []string{criticism, attack} {
		if code, r := c.call("POST", "/api/v1/comments", map[string]any{"site": "demo", "article_url": article, "name": "Reader", "email": "r@example.com", "body": body}, nil); code != 202 {
			t.Fatalf("submit: %d %v", code, r)
		}
	}
	_, q := c.call("GET", "/api/v1/admin/queue?site=demo", nil, nil)
	items := q["items"].([]any)
	first := items[0].(map[string]any)
	if len(items) != 2 || first["body"] != attack || first["flagged"] != true || first["score"].(float64) < a["threshold"].(float64) {
		t.Errorf("queue does not put the flagged attack first: %v", items)
	}
}
