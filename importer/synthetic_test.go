package importer_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/importer"
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

// rss returns the process's resident set in bytes (Linux), or 0: the Go
// heap does not hold SQLite's page cache, the resident set does.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, resident uint64
	fmt.Sscan(string(b), &size, &resident)
	return resident * uint64(os.Getpagesize())
}

// peakHeap samples the live heap and the resident set while fn runs and
// returns their peaks.
func peakHeap(fn func()) (heap, res uint64) {
	runtime.GC()
	var peak, peakRSS atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			if r := rss(); r > peakRSS.Load() {
				peakRSS.Store(r)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	return peak.Load(), peakRSS.Load()
}

// TestSyntheticWXR imports a generated WXR of 100,000 comments (set
// PARLEY_IMPORT_COMMENTS=1000000 for the documented million) and checks
// every count, that the heap stays flat (the peak while importing N
// comments is no more than the peak for N/10 plus a small margin), and
// reports the rate.
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
	var elapsed time.Duration
	var peakRSS uint64
	run := func(n int) (importer.Report, uint64, int64) {
		path := writeSyntheticWXR(t, dir, n)
		info, _ := os.Stat(path)
		s := openStore(t)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var rep importer.Report
		start := time.Now()
		peak, res := peakHeap(func() {
			rep, err = importer.Import(context.Background(), s, importer.NewWordPress(f), testOptions())
		})
		elapsed = time.Since(start)
		peakRSS = res
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(path)
		return rep, peak, info.Size()
	}
	small, smallPeak, _ := run(n / 10)
	if small.Imported() != n/10 {
		t.Fatalf("small run imported %d", small.Imported())
	}
	rep, peak, size := run(n)
	q := n / 4
	want := map[comment.Status]int{comment.StatusApproved: q, comment.StatusPending: q, comment.StatusSpam: q, comment.StatusRejected: q}
	for st, w := range want {
		if rep.Comments[st] != w {
			t.Errorf("%s: %d, want %d", st, rep.Comments[st], w)
		}
	}
	if rep.Articles != (n+49)/50 || rep.Replies != n/5 || rep.Skipped["pingback"] != n/100 || len(rep.Orphans) != 0 {
		t.Errorf("articles %d (want %d), replies %d (want %d), pingbacks %d (want %d), orphans %d",
			rep.Articles, (n+49)/50, rep.Replies, n/5, rep.Skipped["pingback"], n/100, len(rep.Orphans))
	}
	rate := float64(n) / elapsed.Seconds()
	t.Logf("%d comments (%.1f MB of WXR) in %s: %.0f comments/s; peak heap %.1f MB (%.1f MB for %d comments); peak resident set %.1f MB",
		n, float64(size)/1e6, elapsed.Round(time.Millisecond), rate, float64(peak)/1e6, float64(smallPeak)/1e6, n/10, float64(peakRSS)/1e6)
	// The resident set holds the test binary, the heap and SQLite's page
	// cache (at most 64 MiB during an import): far less than the file as
	// it grows.
	if peakRSS > 256<<20 {
		t.Errorf("peak resident set %.1f MB", float64(peakRSS)/1e6)
	}
	if peak > smallPeak+16<<20 {
		t.Errorf("heap grew with the file: peak %.1f MB for %d comments, %.1f MB for %d", float64(peak)/1e6, n, float64(smallPeak)/1e6, n/10)
	}
}
