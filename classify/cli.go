package classify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

const usage = `usage: parley model <command> [flags]

commands:
  train   --data DIR --out FILE [--decisions] [--decisions-file FILE] [--limit N] [--licensed-only]
          train the ad hominem model (same data and recipe give the same bytes)
  eval    --data DIR [--model FILE] [--json] [--no-cv]
          evaluate on every dataset of data/README.md, one table
  score   [--model FILE]
          read JSON lines {"text": ..., "parent": ...} on stdin ("parent", optional:
          the text replied to, or {"text": ..., "author": ...}), write them back
          with "score"
  explain [--model FILE] TEXT
          print the score and the words that drove it
`

// RunCommand implements `parley model <train|eval|score|explain> ...`; args
// excludes "model". getenv supplies PARLEY_DATA_DIR; decisions, when not
// nil, loads the server's moderator decisions for `train --decisions` and
// for the before/after rows of `eval`.
func RunCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, decisions func(ctx context.Context) ([]Decision, error)) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("model: missing command")
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("parley model "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	modelPath := fs.String("model", "", "model file (default: the embedded model)")
	dataDir := fs.String("data", "", "shared data directory (default: $PARLEY_DATA_DIR or ../shared/data)")
	switch cmd {
	case "train":
		out := fs.String("out", "", "output model file (required)")
		useDecisions := fs.Bool("decisions", false, "add the server's moderator decisions, weighted")
		decisionsFile := fs.String("decisions-file", "", "add moderator decisions from a TSV file: 0|1<TAB>text")
		limit := fs.Int("limit", 0, "use only the first N rows of each source (testing)")
		licensedOnly := fs.Bool("licensed-only", false, "train only on the seeds (and decisions): none of the four training sets that state no license")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *out == "" {
			return errors.New("model train: --out is required")
		}
		dir, err := dataDirFrom(*dataDir, getenv)
		if err != nil {
			return err
		}
		var ds []Decision
		if *useDecisions {
			if decisions == nil {
				return errors.New("model train: --decisions needs the server's database")
			}
			if ds, err = decisions(ctx); err != nil {
				return fmt.Errorf("model train: loading decisions: %w", err)
			}
		}
		if *decisionsFile != "" {
			f, err := os.Open(*decisionsFile)
			if err != nil {
				return err
			}
			more, err := readDecisionsTSV(f)
			f.Close()
			if err != nil {
				return err
			}
			ds = append(ds, more...)
		}
		start := time.Now()
		rc := shippedRecipe
		if *licensedOnly {
			rc = licensedRecipe()
		}
		m, err := trainWith(ctx, dir, rc, ds, *limit, stderr)
		if err != nil {
			return err
		}
		b := m.encode()
		for _, h := range m.heads {
			nnz := 0
			for _, c := range h.codes {
				if c != 0 {
					nnz++
				}
			}
			fmt.Fprintf(stderr, "  head %-11s %2d bits, %7d non-zero weights, threshold %.2f\n", h.Name, h.Bits, nnz, h.Threshold)
		}
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %d bytes, version %s, flag threshold %.2f (%s)\n", *out, len(b), m.Version(), m.FlagThreshold(), time.Since(start).Round(time.Millisecond))
		return nil

	case "eval":
		asJSON := fs.Bool("json", false, "write the metrics as JSON")
		noCV := fs.Bool("no-cv", false, "skip the cross-validated campaign-tweet rows (faster)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		m, err := loadModelFlag(*modelPath)
		if err != nil {
			return err
		}
		dir, err := dataDirFrom(*dataDir, getenv)
		if err != nil {
			return err
		}
		var ds []Decision
		if decisions != nil {
			if ds, err = decisions(ctx); err != nil {
				return fmt.Errorf("model eval: loading decisions: %w", err)
			}
		}
		start := time.Now()
		ms, err := evaluate(ctx, m, dir, evalOptions{Decisions: ds, Log: stderr, NoCV: *noCV})
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(struct {
				Model         string   `json:"model"`
				FlagThreshold float64  `json:"flag_threshold"`
				Metrics       []Metric `json:"metrics"`
			}{m.Version(), m.FlagThreshold(), jsonSafe(ms)})
		}
		fmt.Fprintf(stdout, "model %s, flag threshold %.2f\n\n", m.Version(), m.FlagThreshold())
		writeTable(stdout, ms)
		fmt.Fprintf(stdout, "\n(%s)\n", time.Since(start).Round(time.Second))
		return nil

	case "score":
		if err := fs.Parse(args); err != nil {
			return err
		}
		m, err := loadModelFlag(*modelPath)
		if err != nil {
			return err
		}
		return scoreLines(m, stdin, stdout)

	case "explain":
		if err := fs.Parse(args); err != nil {
			return err
		}
		m, err := loadModelFlag(*modelPath)
		if err != nil {
			return err
		}
		text := strings.Join(fs.Args(), " ")
		if text == "" {
			return errors.New(`model explain: usage: parley model explain "TEXT"`)
		}
		explainTo(stdout, m, text, isTerminal(stdout) && getenv("NO_COLOR") == "")
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("model: unknown command %q", cmd)
}

// Train trains a model with the shipped recipe on the data in dir, plus
// optional moderator decisions. limit > 0 uses only the first limit rows of
// each source. Progress goes to log (may be nil).
func Train(ctx context.Context, dir string, decisions []Decision, limit int, log io.Writer) (*Model, error) {
	return trainWith(ctx, dir, shippedRecipe, decisions, limit, log)
}

// licensedRecipe is the shipped recipe on the seeds and decisions only.
func licensedRecipe() recipe {
	rc := shippedRecipe
	rc.Name += "-licensed"
	rc.LicensedOnly = true
	return rc
}

func trainWith(ctx context.Context, dir string, rc recipe, decisions []Decision, limit int, log io.Writer) (*Model, error) {
	c, err := loadCorpus(dir, rc, decisions, limit)
	if err != nil {
		return nil, err
	}
	if log != nil {
		fmt.Fprintf(log, "training rows left out because a test split has them word for word: %d\n", c.dropped)
	}
	return trainModel(ctx, c, trainOptions{Recipe: rc, Limit: limit, Log: log})
}

// Encode returns the model in the versioned file format.
func (m *Model) Encode() []byte { return m.encode() }

func dataDirFrom(flagValue string, getenv func(string) string) (string, error) {
	if flagValue != "" {
		if st, err := os.Stat(flagValue); err != nil || !st.IsDir() {
			return "", fmt.Errorf("%w: %s", ErrNoData, flagValue)
		}
		return flagValue, nil
	}
	return FindDataDir(getenv)
}

func loadModelFlag(path string) (*Model, error) {
	if path == "" {
		return Default(), nil
	}
	return LoadFile(path)
}

// scoreLines adds "score" to each JSON object line, keeping the rest of
// the object as it was.
func scoreLines(m *Model, stdin io.Reader, stdout io.Writer) error {
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var in struct {
			Text         *string         `json:"text"`
			Parent       json.RawMessage `json:"parent"`
			ParentAuthor string          `json:"parent_author"`
		}
		if err := json.Unmarshal(line, &in); err != nil || line[0] != '{' {
			return fmt.Errorf("model score: line %d: want a JSON object with \"text\"", n)
		}
		if in.Text == nil {
			return fmt.Errorf("model score: line %d: missing \"text\"", n)
		}
		var s float64
		if len(in.Parent) > 0 && string(in.Parent) != "null" {
			// "parent": the text replied to, or {"text": ..., "author": ...}.
			c := Context{ParentAuthor: in.ParentAuthor}
			if err := json.Unmarshal(in.Parent, &c.Parent); err != nil {
				var p struct {
					Text   string `json:"text"`
					Author string `json:"author"`
				}
				if err := json.Unmarshal(in.Parent, &p); err != nil {
					return fmt.Errorf("model score: line %d: \"parent\" must be a string or {\"text\", \"author\"}", n)
				}
				c.Parent = p.Text
				if p.Author != "" {
					c.ParentAuthor = p.Author
				}
			}
			s = m.ScoreContext(*in.Text, c).Score
		} else {
			s = m.Score(*in.Text).Score
		}
		body := bytes.TrimSpace(line[:len(line)-1]) // without the closing brace
		w.Write(body)
		if len(body) > 1 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, `"score":%s}`+"\n", strconv.FormatFloat(round4(s), 'f', -1, 64))
	}
	return sc.Err()
}

func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }

func explainTo(w io.Writer, m *Model, text string, color bool) {
	r := m.Score(text)
	verdict := "not flagged"
	if r.Score >= m.FlagThreshold() {
		verdict = "FLAGGED as a personal attack"
	}
	fmt.Fprintf(w, "score %.3f (flag threshold %.2f): %s\n", r.Score, m.FlagThreshold(), verdict)
	if r.Score >= m.FlagThreshold() && r.Why != "" {
		fmt.Fprintf(w, "why: %s\n", r.Why)
	}
	var b strings.Builder
	prev := 0
	open, closeMark := "[", "]"
	if color {
		open, closeMark = "\x1b[1;41;97m", "\x1b[0m"
	}
	for _, s := range r.Spans {
		b.WriteString(text[prev:s.Start])
		b.WriteString(open + text[s.Start:s.End] + closeMark)
		prev = s.End
	}
	b.WriteString(text[prev:])
	fmt.Fprintf(w, "\n  %s\n\n", b.String())
	for _, s := range r.Spans {
		fmt.Fprintf(w, "  %d-%d  %q\n", s.Start, s.End, s.Text)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// jsonSafe replaces NaN (not representable in JSON) with -1.
func jsonSafe(ms []Metric) []Metric {
	out := make([]Metric, len(ms))
	for i, m := range ms {
		if m.Value != m.Value {
			m.Value = -1
		}
		out[i] = m
	}
	return out
}
