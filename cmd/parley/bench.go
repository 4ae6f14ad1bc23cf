package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/moderation"
)

// benchWorkloads are the workloads of parley bench, in the order they run
// by default: reads first, on the data set as seeded, then writes.
var benchWorkloads = []string{"hot-thread", "static-file", "random-threads", "queue", "submit", "mixed"}

// BenchResult is one workload's line in parley bench's report.
type BenchResult struct {
	Name   string  `json:"name"`
	RPS    float64 `json:"rps"`
	P50    float64 `json:"p50_ms"`
	P99    float64 `json:"p99_ms"`
	P999   float64 `json:"p999_ms"`
	Errors int64   `json:"errors"`
	// ReadP99 is, for mixed, the p99 of its reads alone: compare it with
	// random-threads' p99 (the same reads without writes).
	ReadP99 float64 `json:"read_p99_ms,omitempty"`
}

// BenchMachine describes where parley bench ran.
type BenchMachine struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model"`
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	Go       string `json:"go"`
	// LoadAvg is /proc/loadavg's 1, 5 and 15 minute loads at the start.
	LoadAvg string `json:"load_avg"`
	// Store is sqlite or postgres; Server is "own" or the --target URL.
	Store       string `json:"store"`
	Server      string `json:"server"`
	Concurrency int    `json:"concurrency"`
	Duration    string `json:"duration"`
	Comments    int    `json:"seeded_comments"`
}

// BenchReport is what parley bench --json prints.
type BenchReport struct {
	Machine   BenchMachine  `json:"machine"`
	Workloads []BenchResult `json:"workloads"`
	// HotToStatic is hot-thread's rps over static-file's, when both ran.
	HotToStatic float64 `json:"hot_thread_to_static_file,omitempty"`
}

// benchOptions is what parley bench is told.
type benchOptions struct {
	d           dataFlags
	target      string
	duration    time.Duration
	concurrency int
	workloads   []string
	asJSON      bool
	cpuProfile  string
	plan        seedPlan
}

// parseBench parses parley bench's command line.
func parseBench(e env, args []string) (*benchOptions, error) {
	fs := newFlagSet(e, "bench", `bench [--workloads a,b] [--duration 8s] [--concurrency 32] [--json] [--db DB [--target URL]]

Seeds a realistic data set and drives HTTP load at a Parley server, then
prints requests per second, p50, p99, p99.9 and errors per workload. With
neither --db nor --target it works in a temporary directory with its own
server (rate limits off) and removes it after. With --db it seeds that
database (once: a bench site that exists is reused) and serves it; with
--target as well, it loads that running server instead, which must serve
the same database and secret key, with --no-rate-limits.

Workloads: `+strings.Join(benchWorkloads, ", "))
	o := &benchOptions{}
	fs.StringVar(&o.d.db, "db", "", "database to seed and serve: a SQLite file or a postgres:// URL; default a temporary SQLite file")
	fs.StringVar(&o.d.secretFile, "secret-file", "", "secret key file; default parley.key beside the database")
	fs.StringVar(&o.target, "target", "", "URL of a running Parley server to load instead of starting one (needs --db: the database it serves)")
	fs.DurationVar(&o.duration, "duration", 8*time.Second, "how long each workload runs")
	fs.IntVar(&o.concurrency, "concurrency", 32, "requests in flight at once")
	workloadList := fs.String("workloads", strings.Join(benchWorkloads, ","), "comma-separated workloads to run")
	fs.BoolVar(&o.asJSON, "json", false, "print the report as JSON on stdout")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the workloads (this process: load generator and, unless --target, the server) to FILE")
	fs.IntVar(&o.plan.articles, "articles", 100, "articles to seed besides the hot one")
	fs.IntVar(&o.plan.maxComments, "max-comments", 2000, "comments of the largest thread")
	fs.IntVar(&o.plan.pending, "pending", 2000, "pending comments to seed for the queue and decisions")
	fs.Uint64Var(&o.plan.seed, "seed", 1, "random seed of the data set")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, usagef("bench takes no arguments, got %q", pos)
	}
	for _, w := range strings.Split(*workloadList, ",") {
		w = strings.TrimSpace(w)
		if !slices.Contains(benchWorkloads, w) {
			return nil, usagef("--workloads: unknown workload %q (known: %s)", w, strings.Join(benchWorkloads, ", "))
		}
		o.workloads = append(o.workloads, w)
	}
	switch {
	case o.duration <= 0:
		return nil, usagef("--duration must be positive")
	case o.concurrency < 1 || o.concurrency > 10000:
		return nil, usagef("--concurrency must be from 1 to 10000")
	case o.plan.articles < 1 || o.plan.maxComments < 1 || o.plan.pending < 0:
		return nil, usagef("--articles and --max-comments must be at least 1, --pending at least 0")
	case o.target != "" && o.d.db == "":
		return nil, usagef("--target needs --db: the database that server uses, for the data set")
	}
	if o.target != "" {
		if u, err := url.Parse(o.target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, usagef("--target must be an http or https URL")
		}
	}
	return o, nil
}

func cmdBench(ctx context.Context, e env, args []string) error {
	o, err := parseBench(e, args)
	if err != nil {
		return err
	}
	d, plan, workloads := o.d, o.plan, o.workloads
	duration, concurrency, target, asJSON, cpuProfile := &o.duration, &o.concurrency, &o.target, &o.asJSON, &o.cpuProfile
	progress := func(msg string) { fmt.Fprintf(e.stderr, "\r\033[K%s", msg) }

	machine := benchMachine()
	machine.Concurrency, machine.Duration = *concurrency, duration.String()
	if d.db == "" {
		dir, err := os.MkdirTemp("", "parley-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		d.db = filepath.Join(dir, "parley.db")
	}
	machine.Store = "sqlite"
	if strings.Contains(d.db, "://") {
		machine.Store = "postgres"
	}
	store, keys, err := openData(ctx, &d)
	if err != nil {
		return err
	}
	defer store.Close()
	cls, err := loadClassifier("")
	if err != nil {
		return err
	}
	sd := &seeder{store: store, keys: keys, render: httpapi.NewRenderer(), policy: moderation.Policy{Classifier: cls}, start: time.Now().UTC()}
	progress("seeding...")
	seeded, err := sd.seed(ctx, plan, progress)
	if err != nil {
		return err
	}
	machine.Comments = seeded.comments

	base := strings.TrimRight(*target, "/")
	machine.Server = base
	if base == "" {
		machine.Server = "own"
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		cfg := &serveConfig{dataFlags: d, noRateLimits: true, logLevel: "error", drain: 5 * time.Second, ipRetention: 30 * 24 * time.Hour}
		a, err := openApp(ctx, env{getenv: e.getenv, stdin: e.stdin, stdout: io.Discard, stderr: e.stderr}, cfg, ln)
		if err != nil {
			ln.Close()
			return err
		}
		sctx, stop := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- a.serve(sctx, ln) }()
		defer func() {
			stop()
			<-served
			a.close()
		}()
		base = a.baseURL
	}

	b := &bencher{base: base, concurrency: *concurrency, duration: *duration, seeded: seeded, progress: progress,
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConns: *concurrency * 2, MaxIdleConnsPerHost: *concurrency * 2, DisableCompression: true}}}
	defer b.client.CloseIdleConnections()
	if err := b.check(ctx); err != nil {
		return err
	}
	report := BenchReport{Machine: machine}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for _, w := range workloads {
		res, err := b.run(ctx, w)
		if err != nil {
			return fmt.Errorf("%s: %w", w, err)
		}
		report.Workloads = append(report.Workloads, res)
	}
	progress("")
	var hot, static float64
	for _, w := range report.Workloads {
		switch w.Name {
		case "hot-thread":
			hot = w.RPS
		case "static-file":
			static = w.RPS
		}
	}
	if hot > 0 && static > 0 {
		report.HotToStatic = hot / static
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	printBenchReport(e.stdout, report)
	return nil
}

func printBenchReport(w io.Writer, r BenchReport) {
	m := r.Machine
	fmt.Fprintf(w, "%s, %d CPUs, %s/%s, %s, load %s; %s store, server %s; concurrency %d, %s per workload\n\n",
		m.CPUModel, m.CPUs, m.OS, m.Arch, m.Go, m.LoadAvg, m.Store, m.Server, m.Concurrency, m.Duration)
	fmt.Fprintf(w, "%-15s %10s %9s %9s %9s %7s\n", "workload", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors")
	for _, x := range r.Workloads {
		fmt.Fprintf(w, "%-15s %10.0f %9.2f %9.2f %9.2f %7d\n", x.Name, x.RPS, x.P50, x.P99, x.P999, x.Errors)
	}
	if r.HotToStatic > 0 {
		fmt.Fprintf(w, "\nhot-thread / static-file: %.2f\n", r.HotToStatic)
	}
	for _, x := range r.Workloads {
		if x.Name == "mixed" {
			fmt.Fprintf(w, "mixed: reads p99 %.2f ms\n", x.ReadP99)
		}
	}
}

// benchMachine describes this machine.
func benchMachine() BenchMachine {
	m := BenchMachine{CPUs: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH, Go: runtime.Version()}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(raw), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(raw)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}

// bencher drives the workloads against one server.
type bencher struct {
	base        string
	client      *http.Client
	concurrency int
	duration    time.Duration
	seeded      seedResult
	progress    func(string)
	// pending holds comments that mixed may decide, each once.
	pendingOnce sync.Once
	pending     chan int64
}

func (b *bencher) threadURL(article int) string {
	return b.base + "/api/v1/threads?site=" + benchSite + "&url=" + url.QueryEscape(benchArticleURL(article))
}

// check reads the hot thread once: it must hold the hot thread's comments.
func (b *bencher) check(ctx context.Context) error {
	var th httpapi.ThreadResponse
	req, _ := http.NewRequestWithContext(ctx, "GET", b.threadURL(0), nil)
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("the server does not answer: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("reading the hot thread: status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&th); err != nil {
		return fmt.Errorf("reading the hot thread: %w", err)
	}
	if th.Article.CommentCount != hotComments {
		return fmt.Errorf("the hot thread has %d comments, want %d: is --target serving --db?", th.Article.CommentCount, hotComments)
	}
	return nil
}

// request is one request of a workload: it reports whether it was a read
// (for mixed) and whether the answer was the expected one.
type request func(ctx context.Context, r *rand.Rand) (read bool, err error)

// run drives one workload for the duration at the concurrency.
func (b *bencher) run(ctx context.Context, name string) (BenchResult, error) {
	res := BenchResult{Name: name}
	var do request
	switch name {
	case "hot-thread":
		u := b.threadURL(0)
		do = func(ctx context.Context, r *rand.Rand) (bool, error) { return true, b.get(ctx, u, "") }
	case "static-file":
		stop, u, err := b.staticServer(ctx)
		if err != nil {
			return res, err
		}
		defer stop()
		do = func(ctx context.Context, r *rand.Rand) (bool, error) { return true, b.get(ctx, u, "") }
	case "random-threads":
		do = b.randomThread
	case "queue":
		u := b.base + "/api/v1/admin/queue?site=" + benchSite
		do = func(ctx context.Context, r *rand.Rand) (bool, error) { return true, b.get(ctx, u, b.seeded.token) }
	case "submit":
		do = func(ctx context.Context, r *rand.Rand) (bool, error) { _, err := b.submit(ctx, r); return false, err }
	case "mixed":
		b.pendingOnce.Do(func() {
			b.pending = make(chan int64, 1<<16)
			for _, id := range b.seeded.pending {
				select {
				case b.pending <- id:
				default:
				}
			}
		})
		do = b.mixed
	}

	type sample struct {
		d    time.Duration
		read bool
	}
	var (
		mu      sync.Mutex
		samples []sample
		count   atomic.Int64
		errs    atomic.Int64
		wg      sync.WaitGroup
	)
	// Requests in flight at the end are let finish (and counted): cutting
	// them off would make errors of them.
	start := time.Now()
	end := start.Add(b.duration)
	for w := range b.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			local := make([]sample, 0, 4096)
			for ctx.Err() == nil && time.Now().Before(end) {
				t := time.Now()
				read, err := do(ctx, r)
				if ctx.Err() != nil {
					break
				}
				local = append(local, sample{time.Since(t), read})
				count.Add(1)
				if err != nil {
					if errs.Add(1) == 1 {
						b.progress(fmt.Sprintf("%s: first error: %v\n", name, err))
					}
				}
			}
			mu.Lock()
			samples = append(samples, local...)
			mu.Unlock()
		}()
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
loop:
	for {
		select {
		case <-done:
			break loop
		case <-tick.C:
			el := time.Since(start).Seconds()
			b.progress(fmt.Sprintf("%-15s %4.0fs %9.0f req/s %6d errors", name, el, float64(count.Load())/el, errs.Load()))
		}
	}
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	all := make([]time.Duration, 0, len(samples))
	var reads []time.Duration
	for _, s := range samples {
		all = append(all, s.d)
		if s.read {
			reads = append(reads, s.d)
		}
	}
	res.RPS = float64(len(all)) / elapsed.Seconds()
	res.P50, res.P99, res.P999 = percentile(all, 0.50), percentile(all, 0.99), percentile(all, 0.999)
	res.Errors = errs.Load()
	if name == "mixed" {
		res.ReadP99 = percentile(reads, 0.99)
	}
	return res, nil
}

// percentile returns the q-th latency in milliseconds (nearest rank).
func percentile(d []time.Duration, q float64) float64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(float64(len(d))*q+0.5) - 1
	i = min(max(i, 0), len(d)-1)
	return float64(d[i].Microseconds()) / 1000
}

// get reads a URL to the end and wants a 200.
func (b *bencher) get(ctx context.Context, u, token string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return nil
}

func (b *bencher) randomThread(ctx context.Context, r *rand.Rand) (bool, error) {
	return true, b.get(ctx, b.threadURL(r.IntN(b.seeded.articles)), "")
}

// submit posts one comment to a random article and returns its ID.
func (b *bencher) submit(ctx context.Context, r *rand.Rand) (int64, error) {
	reader := r.IntN(5000)
	raw, _ := json.Marshal(httpapi.SubmitRequest{Site: benchSite, ArticleURL: benchArticleURL(r.IntN(b.seeded.articles)),
		Name: fmt.Sprintf("Reader %d", reader), Email: fmt.Sprintf("reader%d@example.com", reader), Body: commentBody(r)})
	req, err := http.NewRequestWithContext(ctx, "POST", b.base+"/api/v1/comments", bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out httpapi.SubmitResponse
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusAccepted || out.ID == 0 {
		return 0, fmt.Errorf("submit: status %d", resp.StatusCode)
	}
	return out.ID, nil
}

// decide approves or rejects one pending comment.
func (b *bencher) decide(ctx context.Context, r *rand.Rand, id int64) error {
	action, body := "approve", ""
	if r.IntN(4) == 0 {
		action, body = "reject", `{"reason":"ad_hominem"}`
	}
	req, err := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/api/v1/admin/comments/%d/%s", b.base, id, action), strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+b.seeded.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: status %d", action, resp.StatusCode)
	}
	return nil
}

// mixed is 95% thread reads and 5% writes: submissions, and decisions on
// pending comments (which drop the decided thread from every cache).
func (b *bencher) mixed(ctx context.Context, r *rand.Rand) (bool, error) {
	if r.IntN(100) >= 5 {
		return b.randomThread(ctx, r)
	}
	if r.IntN(2) == 0 {
		select {
		case id := <-b.pending:
			return false, b.decide(ctx, r, id)
		default:
		}
	}
	id, err := b.submit(ctx, r)
	if err == nil {
		select {
		case b.pending <- id:
		default:
		}
	}
	return false, err
}

// staticServer serves the hot thread's exact bytes from a file with
// http.FileServer in this process: the limit hot-thread compares with.
func (b *bencher) staticServer(ctx context.Context) (stop func(), fileURL string, err error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", b.threadURL(0), nil)
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		return nil, "", fmt.Errorf("reading the hot thread: %d %v", resp.StatusCode, err)
	}
	dir, err := os.MkdirTemp("", "parley-bench-static-")
	if err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "thread.json"), body, 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() {
		srv.Close()
		os.RemoveAll(dir)
	}, "http://" + ln.Addr().String() + "/thread.json", nil
}
