package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/store/postgres/pgtest"
	"github.com/parleyhq/parley/store/sqlite"
)

// crashCycles is how many times the crash test kills the server:
// PARLEY_CRASH_CYCLES, default 5 (CI); the full run uses 20 or more.
func crashCycles(t *testing.T) int {
	t.Helper()
	v := os.Getenv("PARLEY_CRASH_CYCLES")
	if v == "" {
		return 5
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("PARLEY_CRASH_CYCLES=%q: want a positive number", v)
	}
	return n
}

// acked is what the server acknowledged with a 2xx: a comment (with its
// edit token) and, once decided, the status it was given.
type acked struct {
	id     int64
	token  string
	status string // pending, approved or rejected
	// tried is a decision sent without an answer (the server died): it
	// may or may not have been made.
	tried string
}

// The real binary, under concurrent submissions and decisions, is
// SIGKILLed at random moments and restarted: every comment and decision it
// acknowledged survives, and the database passes its integrity check.
func TestCrashSafetySQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	runCrashCycles(t, buildParley(t), db, filepath.Join(dir, "parley.key"), func(t *testing.T) {
		s, err := sqlite.Open(context.Background(), db)
		if err != nil {
			t.Fatalf("reopening after the kill: %v", err)
		}
		defer s.Close()
		if got, err := s.IntegrityCheck(context.Background()); err != nil || got != "ok" {
			t.Fatalf("integrity_check after the kill = %q, %v", got, err)
		}
		checkCounts(t, s, nil)
	})
}

// The same on PostgreSQL (PARLEY_TEST_POSTGRES).
func TestCrashSafetyPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	url := pgtest.URL(t)
	dir := t.TempDir()
	runCrashCycles(t, buildParley(t), url, filepath.Join(dir, "parley.key"), func(t *testing.T) {
		ctx := context.Background()
		s, err := openStore(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		checkCounts(t, s, func() (map[comment.Status]int, error) {
			rows, err := conn.Query(ctx, "SELECT status, count(*) FROM comments GROUP BY status")
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			got := map[comment.Status]int{}
			for rows.Next() {
				var st string
				var n int
				if err := rows.Scan(&st, &n); err != nil {
					return nil, err
				}
				got[comment.Status(st)] = n
			}
			return got, rows.Err()
		})
	})
}

// checkCounts compares the store's kept per-status counts with a count of
// the rows themselves (when actual is given).
func checkCounts(t *testing.T, s comment.Store, actual func() (map[comment.Status]int, error)) {
	t.Helper()
	kept, err := s.CountByStatus(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if actual == nil {
		return
	}
	rows, err := actual()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []comment.Status{comment.StatusPending, comment.StatusApproved, comment.StatusRejected, comment.StatusSpam} {
		if kept[st] != rows[st] {
			t.Errorf("kept count of %s = %d, rows = %d", st, kept[st], rows[st])
		}
	}
}

func runCrashCycles(t *testing.T, bin, db, key string, afterKill func(*testing.T)) {
	cli := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--db", db, "--secret-file", key)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("parley %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	cli("", "migrate")
	cli("", "site", "add", "news", "--origin", "https://news.example")
	cli("correct horse battery\n", "moderator", "add", "ann", "--role", "admin")
	lines := strings.Split(strings.TrimSpace(cli("", "token", "create", "--moderator", "ann")), "\n")
	token := strings.TrimSpace(lines[len(lines)-1])

	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	t.Logf("random seed %d", seed)
	var (
		mu   sync.Mutex
		all  []*acked
		kill []time.Duration
	)
	cycles := crashCycles(t)
	for cycle := range cycles {
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--secret-file", key, "--no-rate-limits", "--log-level", "warn")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr syncBuffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		m := listenRE.FindStringSubmatch(line)
		if err != nil || m == nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("cycle %d: no listen line: %q %v\n%s", cycle, line, err, stderr.String())
		}
		base := m[1]

		// Everything acknowledged before this start must be there.
		mu.Lock()
		verify(t, base, all)
		mu.Unlock()

		stop := make(chan struct{})
		var wg sync.WaitGroup
		client := &http.Client{Timeout: 10 * time.Second}
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []*acked
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					if i%3 == 2 && len(mine) > 0 { // decide one of ours
						a := mine[0]
						mine = mine[1:]
						action, status := "approve", "approved"
						if a.id%2 == 0 {
							action, status = "reject", "rejected"
						}
						body := `{}`
						if action == "reject" {
							body = `{"reason":"off_topic"}`
						}
						req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/admin/comments/%d/%s", base, a.id, action), strings.NewReader(body))
						req.Header.Set("Authorization", "Bearer "+token)
						req.Header.Set("Content-Type", "application/json")
						mu.Lock()
						a.tried = status
						mu.Unlock()
						resp, err := client.Do(req)
						if err != nil {
							continue // killed: the outcome is unknown, so either is right
						}
						resp.Body.Close()
						if resp.StatusCode == 200 {
							mu.Lock()
							a.status = status
							mu.Unlock()
						}
						continue
					}
					sub := fmt.Sprintf(`{"site":"news","article_url":"https://news.example/a%d","article_title":"Crash","name":"Writer %d","email":"w%d@example.com","body":"Cycle %d, comment %d: the patrols matter."}`,
						i%5, w, w, cycle, i)
					req, _ := http.NewRequest("POST", base+"/api/v1/comments", strings.NewReader(sub))
					req.Header.Set("Content-Type", "application/json")
					resp, err := client.Do(req)
					if err != nil {
						continue
					}
					var out struct {
						ID        int64  `json:"id"`
						EditToken string `json:"edit_token"`
					}
					ok := resp.StatusCode == 202 && json.NewDecoder(resp.Body).Decode(&out) == nil && out.ID > 0
					resp.Body.Close()
					if ok {
						a := &acked{id: out.ID, token: out.EditToken, status: "pending"}
						mu.Lock()
						all = append(all, a)
						mu.Unlock()
						mine = append(mine, a)
					}
				}
			}()
		}
		wait := time.Duration(200+rng.IntN(1300)) * time.Millisecond
		time.Sleep(wait)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()
		kill = append(kill, wait)
		afterKill(t)
		if t.Failed() {
			t.Fatalf("cycle %d failed; server log:\n%s", cycle, stderr.String())
		}
	}

	// A last start: everything acknowledged in every cycle is there.
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--secret-file", key, "--log-level", "warn")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	m := listenRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no listen line: %q", line)
	}
	verify(t, m[1], all)
	decided := 0
	for _, a := range all {
		if a.status != "pending" {
			decided++
		}
	}
	t.Logf("%d cycles (killed after %v): %d acknowledged comments and %d acknowledged decisions, all survived", cycles, kill, len(all), decided)
	if len(all) == 0 || decided == 0 {
		t.Fatalf("%d comments and %d decisions acknowledged: the load never reached the server", len(all), decided)
	}
}

// verify reads every acknowledged comment back through its author's view
// and checks its status.
func verify(t *testing.T, base string, all []*acked) {
	t.Helper()
	for _, a := range all {
		resp, err := http.Get(fmt.Sprintf("%s/api/v1/comments/%d?token=%s", base, a.id, a.token))
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Status string `json:"status"`
		}
		raw := new(bytes.Buffer)
		raw.ReadFrom(resp.Body)
		resp.Body.Close()
		json.Unmarshal(raw.Bytes(), &got)
		if resp.StatusCode != 200 {
			t.Fatalf("acknowledged comment %d: %d %s", a.id, resp.StatusCode, raw)
		}
		if got.Status != a.status && !(a.status == "pending" && got.Status == a.tried) {
			t.Errorf("acknowledged comment %d: status %q, want %q", a.id, got.Status, a.status)
		}
	}
}
