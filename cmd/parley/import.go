package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/importer"
)

// importFormats are the formats `parley import` reads, in the order its help
// lists them.
var importFormats = []string{"wordpress", "disqus", "isso", "remark42", "commento", "parley"}

func cmdImport(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "import", `import FORMAT FILE --site ID [--map-url s#OLD#NEW#]... [--dry-run] [--batch N] [--skip-bad]

Imports a comment archive into a site. FORMAT is one of:
  wordpress  a WordPress export (WXR 1.0-1.2, Tools > Export)
  disqus     a Disqus XML export
  isso       an Isso SQLite database file
  remark42   a Remark42 backup, gzip or plain
  commento   a Commento JSON export
  parley     a Parley export (parley export --format jsonl)
The import is one transaction: it writes everything or nothing. Importing the
same file again creates no duplicates.`)
	var d dataFlags
	d.register(fs, e)
	site := fs.String("site", "", "the site to import into (required; create it with parley site add)")
	var maps stringList
	fs.Var(&maps, "map-url", "rewrite article URLs, sed style: 's#^http://old.example#https://www.example#' (repeatable)")
	dryRun := fs.Bool("dry-run", false, "report what would be imported and write nothing")
	batch := fs.Int("batch", 0, "commit every N comments instead of once: for a large import into a live database; a rerun resumes")
	skipBad := fs.Bool("skip-bad", false, "skip bad records (listed in the report) instead of importing nothing")
	maxBody := fs.Int("max-body", importer.DefaultMaxBodyBytes, "the longest comment body accepted, in bytes")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 2:
		return usagef("import takes FORMAT FILE, e.g. parley import wordpress export.xml --site demo")
	case !contains(importFormats, pos[0]):
		return usagef("import: unknown format %q; one of %s", pos[0], strings.Join(importFormats, ", "))
	case *site == "":
		return usagef("import: --site is required")
	case *batch < 0:
		return usagef("import: --batch must be a positive number of comments")
	case *maxBody <= 0:
		return usagef("import: --max-body must be positive")
	}
	format, path := pos[0], pos[1]
	opts := importer.Options{SiteID: *site, DryRun: *dryRun, Batch: *batch, SkipBad: *skipBad, MaxBodyBytes: *maxBody}
	for _, m := range maps {
		rw, err := importer.ParseURLRewrite(m)
		if err != nil {
			return usagef("import: %v", err)
		}
		opts.MapURL = append(opts.MapURL, rw)
	}
	store, keys, err := openData(ctx, &d)
	if err != nil {
		return err
	}
	defer store.Close()
	st, err := store.Site(ctx, *site)
	if comment.ErrorCode(err) == comment.CodeNotFound {
		return fmt.Errorf("import: site %q not found: create it first with parley site add %s --origin URL", *site, *site)
	}
	if err != nil {
		return err
	}
	if len(st.Origins) > 0 {
		opts.Origin = st.Origins[0]
	}
	opts.Keys = keys
	opts.Render = httpapi.NewRenderer().RenderFormat

	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	counted := &countingReader{r: f}
	var r importer.Reader
	switch format {
	case "wordpress":
		r = importer.NewWordPress(counted)
	case "disqus":
		r = importer.NewDisqus(counted)
	case "parley":
		r = importer.NewParley(counted, *maxBody)
	case "remark42":
		if r, err = importer.NewRemark42(counted, *maxBody); err != nil {
			return fmt.Errorf("import %s: %w", path, err)
		}
	case "commento":
		if r, err = importer.NewCommento(f); err != nil {
			return fmt.Errorf("import %s: %w", path, err)
		}
		counted.n.Store(0) // the first pass read the commenters
		counted.seeker = f
	case "isso":
		f.Close()
		isso, err := importer.OpenIsso(ctx, path)
		if err != nil {
			return fmt.Errorf("import %s: %w", path, err)
		}
		defer isso.Close()
		r = isso
	}
	prog := newProgress(e.stderr, info.Size(), counted, format != "isso")
	opts.Progress = prog.update
	rep, err := importer.Import(ctx, store, r, opts)
	prog.done()
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	if *dryRun {
		fmt.Fprintf(e.stdout, "dry run: nothing was written; %s would import into site %s:\n", path, *site)
	} else {
		fmt.Fprintf(e.stdout, "imported %s into site %s in %s:\n", path, *site, rep.Elapsed.Round(1e6))
	}
	fmt.Fprint(e.stdout, rep.String())
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r      io.Reader
	n      atomic.Int64
	seeker io.Seeker // when the reader reads f itself (Commento)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReader) read() int64 {
	if c.seeker != nil {
		off, _ := c.seeker.Seek(0, io.SeekCurrent)
		return off
	}
	return c.n.Load()
}

// progress shows an import's progress on stderr: a bar redrawn in place on
// a terminal, else a line at every tenth of the file.
type progress struct {
	w        io.Writer
	size     int64
	counted  *countingReader
	bySize   bool
	terminal bool
	decile   int64
	drawn    bool
	last     importer.Report
}

func newProgress(w io.Writer, size int64, counted *countingReader, bySize bool) *progress {
	p := &progress{w: w, size: size, counted: counted, bySize: bySize && size > 0, decile: -1}
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) update(rep importer.Report) {
	p.last = rep
	pct := int64(-1)
	if p.bySize {
		pct = p.counted.read() * 100 / p.size
		if pct > 100 || rep.Elapsed > 0 { // Elapsed is set on the last call
			pct = 100
		}
	}
	if p.terminal {
		if pct >= 0 {
			bar := strings.Repeat("=", int(pct/4)) + strings.Repeat(" ", 25-int(pct/4))
			fmt.Fprintf(p.w, "\r[%s] %3d%%  %d records, %d imported", bar, pct, rep.Records, rep.Imported())
		} else {
			fmt.Fprintf(p.w, "\r%d records, %d imported", rep.Records, rep.Imported())
		}
		p.drawn = true
		return
	}
	step := pct / 10
	if pct < 0 {
		step = int64(rep.Records / 10000)
	}
	if step <= p.decile {
		return
	}
	p.decile = step
	if pct >= 0 {
		fmt.Fprintf(p.w, "import: %d%% of the file, %d records, %d imported\n", pct, rep.Records, rep.Imported())
	} else {
		fmt.Fprintf(p.w, "import: %d records, %d imported\n", rep.Records, rep.Imported())
	}
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

func cmdExport(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "export", `export --site ID [--format jsonl|wxr] [--private] [--out FILE]

Writes every comment of a site to standard output (or --out). jsonl is
Parley's own format, which parley import parley reads back; wxr is a WordPress
export, for a newsroom leaving for WordPress. Without --private nothing private
is written: no email, no IP hash. With it, emails are decrypted (with the
secret key) for the newsroom's own backups and moves.`)
	var d dataFlags
	d.register(fs, e)
	site := fs.String("site", "", "the site to export (required)")
	format := fs.String("format", "jsonl", "jsonl or wxr")
	private := fs.Bool("private", false, "include emails (decrypted) and IP hashes")
	out := fs.String("out", "", "write to this file instead of standard output")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("export takes no arguments, got %q", pos)
	case *site == "":
		return usagef("export: --site is required")
	case *format != "jsonl" && *format != "wxr":
		return usagef("export: --format must be jsonl or wxr, not %q", *format)
	}
	store, keys, err := openData(ctx, &d)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Site(ctx, *site); comment.ErrorCode(err) == comment.CodeNotFound {
		return fmt.Errorf("export: site %q not found", *site)
	} else if err != nil {
		return err
	}
	w := e.stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer f.Close()
		w = f
	}
	opts := importer.ExportOptions{SiteID: *site, Private: *private, Keys: keys}
	var n int
	if *format == "wxr" {
		n, err = importer.WriteWXR(ctx, store, w, opts, httpapi.NewRenderer().RenderFormat)
	} else {
		n, err = importer.WriteJSONL(ctx, store, w, opts)
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	what := "without private fields"
	if *private {
		what = "with emails and IP hashes"
	}
	fmt.Fprintf(e.stderr, "exported %d comments of site %s (%s, %s)\n", n, *site, *format, what)
	return nil
}
