package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testenv"
)

// setUpSite prepares a database with a site and an admin token, through
// the CLI, and returns the token.
func setUpSite(t *testing.T, db string) string {
	t.Helper()
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	mustRun(t, "correct horse battery\n", "moderator", "add", "ann", "--role", "admin", "--db", db)
	out := strings.TrimSpace(mustRun(t, "", "token", "create", "--moderator", "ann", "--db", db))
	return out[strings.LastIndex(out, "\n")+1:]
}

func getBody(t *testing.T, url string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// metricFamilies returns the names in a Prometheus text exposition's
// "# TYPE" lines.
func metricFamilies(text string) map[string]bool {
	fams := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
			fams[f[2]] = true
		}
	}
	return fams
}

// TestMetrics drives a server through submissions, decisions and thread
// reads, then checks /metrics: every name is parley_, every required
// family is there with the values the traffic implies, and every query of
// the Grafana dashboard in docs/ names a family the server exports.
func TestMetrics(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	token := setUpSite(t, db)
	base, _ := startServer(t, "serve", "--db", db, "--addr", "127.0.0.1:0", "--no-rate-limits")
	c := client{t: t, base: base}
	auth := map[string]string{"Authorization": "Bearer " + token}

	article := "https://news.example/story"
	submit := func(body string, extra map[string]any) int64 {
		req := map[string]any{"site": "news", "article_url": article, "article_title": "Story",
			"name": "Reader", "email": "reader@example.com", "body": body}
		for k, v := range extra {
			req[k] = v
		}
		code, resp := c.call("POST", "/api/v1/comments", req, nil)
		if code != 202 {
			t.Fatalf("submit: %d %v", code, resp)
		}
		return int64(resp["id"].(float64))
	}
	a := submit("The hotline is a start, but the patrol question decides everything.", nil)
	b := submit("You are an idiot and a paid troll, everybody knows it.", nil)
	submit("Buy cheap watches", map[string]any{"homepage": "http://spam.example"}) // the honeypot: spam at once
	submit("Still waiting for a moderator.", nil)
	time.Sleep(1100 * time.Millisecond) // so the decisions wait a measurable second
	if code, resp := c.call("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", a), nil, auth); code != 200 {
		t.Fatalf("approve: %d %v", code, resp)
	}
	if code, resp := c.call("POST", fmt.Sprintf("/api/v1/admin/comments/%d/reject", b), map[string]any{"reason": "ad_hominem"}, auth); code != 200 {
		t.Fatalf("reject: %d %v", code, resp)
	}
	thread := "/api/v1/threads?site=news&url=" + article
	for range 3 {
		if code, _ := c.call("GET", thread, nil, nil); code != 200 {
			t.Fatalf("thread: %d", code)
		}
	}

	// The decision metrics are counted off the request path: wait for them.
	var text string
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, hdr, body := getBody(t, base+"/metrics", nil)
		if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
			t.Fatalf("/metrics: %d %s\n%s", code, hdr.Get("Content-Type"), body)
		}
		text = body
		if strings.Contains(text, `parley_decision_latency_seconds_count{outcome="rejected",site="news"} 1`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(line, "parley_") {
			t.Errorf("metric not named parley_: %s", line)
		}
	}
	for _, want := range []string{
		`parley_http_requests_total{method="POST",route="POST /api/v1/comments",status="202"} 4`,
		`parley_http_requests_total{method="GET",route="GET /api/v1/threads",status="200"} 3`,
		`parley_http_request_duration_seconds_count{method="GET",route="GET /api/v1/threads"} 3`,
		`parley_submissions_total{outcome="pending",site="news"} 3`,
		`parley_submissions_total{outcome="spam",site="news"} 1`,
		`parley_decisions_total{moderator="",outcome="spam",reason="spam",rule="honeypot",site="news"} 1`,
		`parley_decisions_total{moderator="ann",outcome="approved",reason="",rule="",site="news"} 1`,
		`parley_decisions_total{moderator="ann",outcome="rejected",reason="ad_hominem",rule="",site="news"} 1`,
		`parley_decision_latency_seconds_count{outcome="approved",site="news"} 1`,
		`parley_decision_latency_seconds_bucket{outcome="approved",site="news",le="30"} 1`,
		`parley_decision_latency_seconds_count{outcome="rejected",site="news"} 1`,
		`parley_classifier_score_count 4`,
		`parley_queue_depth{site="news",status="pending"} 1`,
		`parley_queue_depth{site="news",status="approved"} 1`,
		`parley_queue_depth{site="news",status="rejected"} 1`,
		`parley_queue_depth{site="news",status="spam"} 1`,
		`parley_thread_cache_hits_total 2`,
		`parley_thread_cache_misses_total 1`,
		`parley_db_max_connections{pool="writer"} 1`,
		`parley_db_max_connections{pool="reader"} 8`,
		`parley_build_info{commit=`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The latency is the real wait: at least the second slept, well under 30 s.
	if m := regexp.MustCompile(`parley_decision_latency_seconds_sum\{outcome="approved",site="news"\} (\S+)`).FindStringSubmatch(text); m == nil {
		t.Error("no latency sum")
	} else if v := parseFloat(t, m[1]); v < 1 || v > 30 {
		t.Errorf("approval latency %v s, want between 1 and 30", v)
	}
	m := regexp.MustCompile(`parley_oldest_pending_age_seconds\{site="news"\} (\S+)`).FindStringSubmatch(text)
	if m == nil {
		t.Error("no parley_oldest_pending_age_seconds for news")
	} else if v := parseFloat(t, m[1]); v < 1 || v > 60 {
		t.Errorf("oldest pending age %v s, want between 1 and 60", v)
	}
	if !strings.Contains(text, `model="adhominem-`) {
		t.Error("parley_build_info does not name the model")
	}

	checkGrafanaDashboard(t, metricFamilies(text))
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	var v float64
	if _, err := fmt.Sscan(s, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

var promName = regexp.MustCompile(`\bparley_[a-z0-9_]+`)

// checkGrafanaDashboard checks that every query in docs/grafana-dashboard.json
// names only metric families in exported, and that the dashboard plots the
// families an operator most needs.
func checkGrafanaDashboard(t *testing.T, exported map[string]bool) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "docs", "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	used := map[string]bool{}
	queries := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			queries++
			names := promName.FindAllString(tg.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: query %q names no parley_ metric", p.Title, tg.Expr)
			}
			for _, n := range names {
				fam := n
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if f := strings.TrimSuffix(n, suffix); f != n && exported[f] {
						fam = f
					}
				}
				if !exported[fam] {
					t.Errorf("panel %q: query %q names %s, which the server does not export", p.Title, tg.Expr, n)
				}
				used[fam] = true
			}
		}
	}
	if queries < 10 {
		t.Errorf("the dashboard has %d queries", queries)
	}
	for _, must := range []string{"parley_decision_latency_seconds", "parley_queue_depth", "parley_oldest_pending_age_seconds",
		"parley_http_requests_total", "parley_http_request_duration_seconds", "parley_submissions_total", "parley_decisions_total",
		"parley_classifier_score", "parley_thread_cache_hits_total", "parley_db_connections"} {
		if !used[must] {
			t.Errorf("the dashboard does not plot %s", must)
		}
	}
}

// With --metrics-addr the metrics leave the main listener; --pprof adds the
// profiler there and never on the main listener.
func TestMetricsListener(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	setUpSite(t, db)

	t.Run("ErrPprofWithoutMetricsAddr", func(t *testing.T) {
		out, err := runCmd(t, "", "serve", "--db", db, "--addr", "127.0.0.1:0", "--pprof")
		if err == nil || !strings.Contains(err.Error(), "--pprof needs --metrics-addr") {
			t.Errorf("err %v, out %s", err, out)
		}
	})
	t.Run("ErrBadAllow", func(t *testing.T) {
		out, err := runCmd(t, "", "serve", "--db", db, "--addr", "127.0.0.1:0", "--metrics-allow", "10.0.0.0/40")
		if err == nil || !strings.Contains(out+err.Error(), "metrics-allow") {
			t.Errorf("err %v, out %s", err, out)
		}
	})

	for _, pprofOn := range []bool{false, true} {
		t.Run(fmt.Sprintf("pprof=%v", pprofOn), func(t *testing.T) {
			args := []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}
			if pprofOn {
				args = append(args, "--pprof")
			}
			base, out := startServer(t, args...)
			var metricsURL string
			deadline := time.Now().Add(5 * time.Second)
			for metricsURL == "" && time.Now().Before(deadline) {
				if m := regexp.MustCompile(`Metrics on (http://\S+)/metrics`).FindStringSubmatch(out.String()); m != nil {
					metricsURL = m[1]
				}
				time.Sleep(10 * time.Millisecond)
			}
			if metricsURL == "" {
				t.Fatalf("no metrics address printed:\n%s", out)
			}
			if code, _, _ := getBody(t, base+"/metrics", nil); code != 404 {
				t.Errorf("main listener /metrics: %d, want 404", code)
			}
			code, _, body := getBody(t, metricsURL+"/metrics", nil)
			if code != 200 || !strings.Contains(body, "parley_build_info") {
				t.Errorf("metrics listener: %d %.200s", code, body)
			}
			if code, _, _ := getBody(t, base+"/debug/pprof/", nil); code != 404 {
				t.Errorf("main listener /debug/pprof/: %d, want 404", code)
			}
			code, _, body = getBody(t, metricsURL+"/debug/pprof/", nil)
			if pprofOn && (code != 200 || !strings.Contains(body, "goroutine")) {
				t.Errorf("--pprof: /debug/pprof/ %d", code)
			}
			if !pprofOn && code != 404 {
				t.Errorf("without --pprof: /debug/pprof/ %d, want 404", code)
			}
		})
	}
}

// One info line per request: method, route pattern, status, bytes, duration
// and request ID, never the query string or an email; --access-log=false
// turns it off.
func TestAccessLog(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	setUpSite(t, db)
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("access-log=%v", on), func(t *testing.T) {
			base, out := startServer(t, "serve", "--db", db, "--addr", "127.0.0.1:0", "--no-rate-limits", fmt.Sprintf("--access-log=%v", on))
			c := client{t: t, base: base}
			code, _ := c.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": "https://news.example/log-test",
				"article_title": "T", "name": "Secretive Reader", "email": "hidden.reader@example.com", "body": "A point of view."}, nil)
			if code != 202 {
				t.Fatalf("submit: %d", code)
			}
			code, hdr, _ := getBody(t, base+"/api/v1/threads?site=news&url=https://news.example/log-test&sort=newest", map[string]string{"X-Request-Id": "lb-4f2a.9"})
			if code != 200 {
				t.Fatalf("thread: %d", code)
			}
			if hdr.Get("X-Request-Id") != "lb-4f2a.9" {
				t.Errorf("X-Request-Id %q, want the front end's", hdr.Get("X-Request-Id"))
			}
			_, hdr404, _ := getBody(t, base+"/no/such/page?edit=secret-token", map[string]string{"X-Request-Id": "bad id forged=1"})
			gen := hdr404.Get("X-Request-Id")
			if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(gen) {
				t.Errorf("a malformed X-Request-Id should be replaced by a new one; got %q", gen)
			}

			var lines []string
			deadline := time.Now().Add(3 * time.Second)
			for {
				lines = lines[:0]
				sc := bufio.NewScanner(strings.NewReader(out.String()))
				for sc.Scan() {
					if strings.Contains(sc.Text(), "component=access") {
						lines = append(lines, sc.Text())
					}
				}
				if !on || len(lines) >= 3 || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			log := out.String()
			for _, secret := range []string{"hidden.reader", "example.com", "Secretive", "log-test", "sort=newest", "secret-token", "forged", "?"} {
				if strings.Contains(strings.Join(lines, "\n"), secret) {
					t.Errorf("the access log carries %q:\n%s", secret, strings.Join(lines, "\n"))
				}
			}
			if strings.Contains(log, "hidden.reader") {
				t.Errorf("the log carries the email:\n%s", log)
			}
			if !on {
				if len(lines) != 0 {
					t.Errorf("--access-log=false still logs:\n%s", strings.Join(lines, "\n"))
				}
				return
			}
			wants := []*regexp.Regexp{
				regexp.MustCompile(`level=INFO msg=request component=access method=POST route="POST /api/v1/comments" status=202 bytes=[1-9][0-9]* duration=\S+ request_id=[0-9a-f]{16}$`),
				regexp.MustCompile(`level=INFO msg=request component=access method=GET route="GET /api/v1/threads" status=200 bytes=[1-9][0-9]* duration=\S+ request_id=lb-4f2a\.9$`),
				regexp.MustCompile(`level=INFO msg=request component=access method=GET route=unmatched status=404 bytes=[1-9][0-9]* duration=\S+ request_id=` + gen + `$`),
			}
			for _, re := range wants {
				found := false
				for _, l := range lines {
					found = found || re.MatchString(l)
				}
				if !found {
					t.Errorf("no access log line matching %s in:\n%s", re, strings.Join(lines, "\n"))
				}
			}
		})
	}
}

// The operator's settings also come from the environment.
func TestOpsEnvironment(t *testing.T) {
	var c opsConfig
	fs := newFlagSet(env{getenv: envFrom(nil), stdout: io.Discard, stderr: io.Discard}, "serve", "")
	c.register(fs, env{getenv: envFrom(map[string]string{
		"PARLEY_ACCESS_LOG": "false", "PARLEY_METRICS_ALLOW": "10.0.0.0/8, 192.0.2.1", "PARLEY_METRICS_ADDR": "127.0.0.1:9100",
	})})
	if err := fs.Parse([]string{"--metrics-allow", "2001:db8::/32"}); err != nil {
		t.Fatal(err)
	}
	if err := c.check(); err != nil {
		t.Fatal(err)
	}
	if c.accessLog || c.metricsAddr != "127.0.0.1:9100" || fmt.Sprint(c.metricsAllow) != "[10.0.0.0/8 192.0.2.1/32 2001:db8::/32]" {
		t.Errorf("from the environment: access log %v, metrics addr %q, allow %v", c.accessLog, c.metricsAddr, c.metricsAllow)
	}
	var d opsConfig
	d.register(newFlagSet(env{getenv: envFrom(nil), stdout: io.Discard, stderr: io.Discard}, "serve", ""), env{getenv: envFrom(map[string]string{"PARLEY_METRICS_ALLOW": "nonsense"})})
	if err := d.check(); err == nil || !strings.Contains(err.Error(), "PARLEY_METRICS_ALLOW") {
		t.Errorf("a bad PARLEY_METRICS_ALLOW: %v", err)
	}
	var e opsConfig
	fs = newFlagSet(env{getenv: envFrom(nil), stdout: io.Discard, stderr: io.Discard}, "serve", "")
	e.register(fs, env{getenv: envFrom(nil)})
	fs.Parse(nil)
	if !e.accessLog || e.metricsAddr != "" || e.pprof || len(e.metricsAllow) != 0 {
		t.Errorf("defaults: %+v", e)
	}
}
