package importer_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/importer"
	"github.com/parleyhq/parley/store/sqlite"
)

// writeSyntheticWXR writes a WXR export of n comments: articles of 50
// comments each, every fifth comment a reply to the one before it, states
// cycling through approved, pending, spam and trash, and a pingback every
// 100 comments (not counted in n). It returns the file's path.
func writeSyntheticWXR(t testing.TB, dir string, n int) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("synthetic-%d.xml", n))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Synthetic</title><wp:wxr_version>1.2</wp:wxr_version>
`)
	states := []string{"1", "0", "spam", "trash"}
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		if i%50 == 1 {
			if i > 1 {
				fmt.Fprint(w, "</item>\n")
			}
			fmt.Fprintf(w, "<item><title>Article %d</title><link>https://news.example/%d/</link><wp:post_id>%d</wp:post_id>\n", i/50, i/50, i/50)
		}
		parent := 0
		if i%5 == 0 {
			parent = i - 1
		}
		date := base.Add(time.Duration(i) * time.Minute).Format("2006-01-02 15:04:05")
		fmt.Fprintf(w, `<wp:comment><wp:comment_id>%d</wp:comment_id><wp:comment_author><![CDATA[Reader %d]]></wp:comment_author>`+
			`<wp:comment_author_email>reader%d@example.org</wp:comment_author_email><wp:comment_author_url></wp:comment_author_url>`+
			`<wp:comment_date_gmt>%s</wp:comment_date_gmt><wp:comment_content><![CDATA[Comment number %d.
It says <em>something</em> about article %d, at some length so that the file is not trivially small.]]></wp:comment_content>`+
			`<wp:comment_approved>%s</wp:comment_approved><wp:comment_type></wp:comment_type><wp:comment_parent>%d</wp:comment_parent></wp:comment>`+"\n",
			i, i%997, i%997, date, i, i/50, states[i%4], parent)
		if i%100 == 0 {
			fmt.Fprintf(w, `<wp:comment><wp:comment_id>p%d</wp:comment_id><wp:comment_content>ping</wp:comment_content><wp:comment_type>pingback</wp:comment_type></wp:comment>`+"\n", i)
		}
	}
	fmt.Fprint(w, "</item>\n</channel>\n</rss>\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// The import child: TestSyntheticWXR runs each measured import in a fresh
// process (this test binary, started with these variables set), so that
// what it measures is the import's own memory, not what the tests before it
// left in the test process (TestHugeComment parses a 100 MB comment) and not
// how soon the Go runtime hands freed memory back to the system, which
// depends on the machine's load.
const (
	childWXR = "PARLEY_IMPORT_CHILD_WXR" // the file to import
	childDB  = "PARLEY_IMPORT_CHILD_DB"  // the SQLite database to create
)

func TestMain(m *testing.M) {
	if path := os.Getenv(childWXR); path != "" {
		os.Exit(importChild(path, os.Getenv(childDB)))
	}
	os.Exit(m.Run())
}

// childResult is what the import child reports on its standard output.
type childResult struct {
	Comments  map[comment.Status]int
	Articles  int
	Replies   int
	Pingbacks int
	Orphans   int
	Seconds   float64 // the import alone
	// PeakLiveHeap is the largest live heap (runtime/metrics
	// /gc/heap/live:bytes) after a garbage collection run every 1,000
	// records and at the end: what the import holds, measured at a count of
	// records rather than on a clock, so that a loaded machine measures the
	// same as a quiet one.
	PeakLiveHeap uint64
	// PeakRSS is the child's peak resident set (VmHWM, kept by the kernel),
	// which also holds the binary and SQLite's page cache, outside the Go
	// heap; 0 where /proc is missing.
	PeakRSS uint64
	Error   string
}

// importChild imports the WXR at path into a new database at db and
// prints a childResult. It returns the exit code.
func importChild(path, db string) int {
	var res childResult
	err := func() error {
		ctx := context.Background()
		s, err := sqlite.Open(ctx, db)
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.CreateSite(ctx, comment.Site{ID: "demo", Origins: []string{"https://news.example"}, CreatedAt: time.Now()}); err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		var sampleErr error
		opts := testOptions()
		opts.Progress = func(r importer.Report) {
			if r.Records%1000 != 0 && r.Elapsed == 0 { // every 1,000th record, and at the end
				return
			}
			// A collection run here, on the import's own goroutine, finds
			// exactly what the import holds at this record: nothing is
			// allocated meanwhile, however loaded the machine is.
			runtime.GC()
			metrics.Read(live)
			if live[0].Value.Kind() != metrics.KindUint64 {
				sampleErr = errors.New("this Go runtime has no /gc/heap/live:bytes metric")
				return
			}
			res.PeakLiveHeap = max(res.PeakLiveHeap, live[0].Value.Uint64())
		}
		start := time.Now()
		rep, err := importer.Import(ctx, s, importer.NewWordPress(f), opts)
		res.Seconds = time.Since(start).Seconds()
		if err != nil {
			return err
		}
		res.Comments, res.Articles, res.Replies = rep.Comments, rep.Articles, rep.Replies
		res.Pingbacks, res.Orphans = rep.Skipped["pingback"], len(rep.Orphans)
		return sampleErr
	}()
	if err != nil {
		res.Error = err.Error()
	}
	res.PeakRSS = peakRSS()
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil || res.Error != "" {
		return 1
	}
	return 0
}

// peakRSS is this process's peak resident set in bytes (Linux's VmHWM), or
// 0 where it is not known.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kB uint64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kB)
			return kB << 10
		}
	}
	return 0
}

// runImportChild imports a synthetic WXR of n comments in a child process.
func runImportChild(t *testing.T, dir string, n int) (childResult, int64) {
	t.Helper()
	path := writeSyntheticWXR(t, dir, n)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, fmt.Sprintf("parley-%d.db", n))
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childWXR+"="+path, childDB+"="+db)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var res childResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("import child of %d comments: %v, %v\n%s%s", n, runErr, err, stdout.String(), stderr.String())
	}
	if runErr != nil || res.Error != "" {
		t.Fatalf("import child of %d comments: %v: %s\n%s", n, runErr, res.Error, stderr.String())
	}
	for _, p := range []string{path, db, db + "-wal", db + "-shm"} {
		os.Remove(p)
	}
	return res, info.Size()
}

// TestSyntheticWXR imports a generated WXR of 100,000 comments (set
// PARLEY_IMPORT_COMMENTS=1000000 for the documented million), and first one
// of a tenth of that, each in a fresh child process. It checks every count,
// that the live heap stays flat (its peak while importing N comments is no
// more than its peak for N/10 plus 16 MB), that the child's peak resident
// set stays under 256 MiB, and reports the rate.
func TestSyntheticWXR(t *testing.T) {
	n := 100_000
	if v := os.Getenv("PARLEY_IMPORT_COMMENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			t.Fatalf("PARLEY_IMPORT_COMMENTS=%q: want a number of comments, at least 1000", v)
		}
	} else if testing.Short() {
		n = 10_000
	}
	dir := t.TempDir()
	small, _ := runImportChild(t, dir, n/10)
	if got := small.Comments[comment.StatusApproved] + small.Comments[comment.StatusPending] + small.Comments[comment.StatusSpam] + small.Comments[comment.StatusRejected]; got != n/10 {
		t.Fatalf("small run imported %d", got)
	}
	rep, size := runImportChild(t, dir, n)
	q := n / 4
	want := map[comment.Status]int{comment.StatusApproved: q, comment.StatusPending: q, comment.StatusSpam: q, comment.StatusRejected: q}
	for st, w := range want {
		if rep.Comments[st] != w {
			t.Errorf("%s: %d, want %d", st, rep.Comments[st], w)
		}
	}
	if rep.Articles != (n+49)/50 || rep.Replies != n/5 || rep.Pingbacks != n/100 || rep.Orphans != 0 {
		t.Errorf("articles %d (want %d), replies %d (want %d), pingbacks %d (want %d), orphans %d",
			rep.Articles, (n+49)/50, rep.Replies, n/5, rep.Pingbacks, n/100, rep.Orphans)
	}
	if rep.PeakLiveHeap == 0 || small.PeakLiveHeap == 0 {
		t.Fatalf("the live heap was never read (%d, %d bytes)", rep.PeakLiveHeap, small.PeakLiveHeap)
	}
	t.Logf("%d comments (%.1f MB of WXR) in %.1fs: %.0f comments/s; peak live heap %.1f MB (%.1f MB for %d comments); peak resident set %.1f MB (%.1f MB for %d)",
		n, float64(size)/1e6, rep.Seconds, float64(n)/rep.Seconds, float64(rep.PeakLiveHeap)/1e6, float64(small.PeakLiveHeap)/1e6, n/10,
		float64(rep.PeakRSS)/1e6, float64(small.PeakRSS)/1e6, n/10)
	if rep.PeakLiveHeap > small.PeakLiveHeap+16<<20 {
		t.Errorf("the live heap grew with the file: peak %.1f MB for %d comments, %.1f MB for %d", float64(rep.PeakLiveHeap)/1e6, n, float64(small.PeakLiveHeap)/1e6, n/10)
	}
	// The resident set holds the binary, the heap and SQLite's page cache
	// (at most 64 MiB during an import): far less than the file as it
	// grows.
	switch {
	case rep.PeakRSS == 0:
		t.Log("peak resident set not measured: no /proc/self/status")
	case rep.PeakRSS > 256<<20:
		t.Errorf("peak resident set %.1f MB, over 256 MiB", float64(rep.PeakRSS)/1e6)
	}
}
