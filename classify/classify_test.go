package classify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// dataDir returns the shared data directory or skips the test.
func dataDir(t testing.TB) string {
	t.Helper()
	dir, err := FindDataDir(os.Getenv)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs the shared data: %v", err)
		}
		t.Skipf("shared data not available: %v", err)
	}
	return dir
}

// TestContrastSuite checks the suite's shape: at least 200 attacks and 200
// criticisms, half of them replies, split into development and test halves,
// and no text in both halves. How the model does on it is in the evaluation
// (contrastMetrics), checked against the recorded baseline.
func TestContrastSuite(t *testing.T) {
	cases := contrastAll()
	var att, crit, attReply, critReply, dev, test int
	seen := map[string]bool{}
	for _, c := range cases {
		k := normKey(c.Text)
		if seen[k] {
			t.Errorf("contrast case twice: %q", c.Text)
		}
		seen[k] = true
		if c.Dev {
			dev++
		} else {
			test++
		}
		if c.Attack {
			att++
			if c.Parent != "" {
				attReply++
			}
		} else {
			crit++
			if c.Parent != "" {
				critReply++
			}
		}
	}
	if att < 200 || crit < 200 {
		t.Errorf("contrast suite has %d attacks and %d criticisms, want at least 200 each", att, crit)
	}
	if attReply < 100 || critReply < 100 {
		t.Errorf("contrast suite has %d attack replies and %d criticism replies, want at least 100 each", attReply, critReply)
	}
	if test < 200 || dev < 200 {
		t.Errorf("contrast suite: %d development and %d test cases, want at least 200 each", dev, test)
	}
	for _, e := range parseSeeds(seedExamples) {
		if seen[normKey(e.Text)] {
			t.Errorf("seed %q is a contrast case", e.Text)
		}
	}
}

func TestScoreRange(t *testing.T) {
	m := Default()
	for _, s := range []string{"", " ", "you are an idiot", strings.Repeat("a", 10000), "\xff\xfe", "日本語のテキスト"} {
		r := m.Score(s)
		if !(r.Score >= 0 && r.Score <= 1) {
			t.Errorf("Score(%q) = %v, want in [0, 1]", s, r.Score)
		}
	}
}

func checkSpans(t *testing.T, text string, spans []Span) {
	t.Helper()
	prev := 0
	for i, s := range spans {
		if s.Start < prev || s.End <= s.Start || s.End > len(text) {
			t.Fatalf("%q: span %d %+v out of order or range", text, i, s)
		}
		if !utf8.ValidString(text[:s.Start]) && utf8.ValidString(text) || !utf8.RuneStart(text[s.Start]) || (s.End < len(text) && !utf8.RuneStart(text[s.End])) {
			t.Fatalf("%q: span %+v not on rune boundaries", text, s)
		}
		if s.Text != text[s.Start:s.End] {
			t.Fatalf("%q: span text %q != text[%d:%d]", text, s.Text, s.Start, s.End)
		}
		prev = s.End
	}
}

func TestExplanationSpans(t *testing.T) {
	m := Default()
	for _, tc := range []struct {
		text, want string
	}{
		{"you are an idiot", "idiot"},
		{"Honestly, you are an IDIOT.", "IDIOT"},
		{"you are an 1d10t", "1d10t"},
		{"you are an i.d.i.o.t", "i.d.i.o.t"},
		{"you are a stuuuupid moron", "moron"},
		{"ｙｏｕ ａｒｅ ａｎ ｉｄｉｏｔ", "ｉｄｉｏｔ"},
		{"The author is a pathetic hack.", "pathetic"},
	} {
		r := m.Score(tc.text)
		checkSpans(t, tc.text, r.Spans)
		found := false
		for _, s := range r.Spans {
			if strings.Contains(s.Text, tc.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%q (score %.3f): spans %+v do not cover %q", tc.text, r.Score, r.Spans, tc.want)
		}
	}
}

func TestSpansSaneOnOddInput(t *testing.T) {
	m := Default()
	for _, s := range []string{
		"ﬁne you moron ﬁ", "e\u0301diot you idiot", "you\u200bidiot", "@@@ 1!1!1 $$$", "a.b.c.d.e.f idiot",
		"you're a  \t\n idiot!!!", "Ｉｄｉｏｔ", "\xffyou idiot\xfe", "ǅ you idiot ß",
	} {
		checkSpans(t, s, m.Score(s).Spans)
	}
}

func TestTokenizeOffsets(t *testing.T) {
	var tk tokenizer
	text := "Ｙｏｕ’re a 1d10t, i.d.i.o.t and stuuuupid ﬁne"
	toks := tk.tokenize(text)
	var got []string
	for _, tok := range toks {
		got = append(got, string(tk.buf[tok.off:tok.off+tok.n])+"="+text[tok.start:tok.end])
	}
	want := []string{"you're=Ｙｏｕ’re", "a=a", "idiot=1d10t", "idiot=i.d.i.o.t", "and=and", "stupid=stuuuupid", "fine=ﬁne"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("tokens\n got %v\nwant %v", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(strings.NewReader("not a model at all, definitely")); !errors.Is(err, ErrFormat) {
		t.Errorf("wrong magic: err = %v, want ErrFormat", err)
	}
	b := append([]byte(nil), embeddedModel...)
	b[8] = 99
	if _, err := Load(bytes.NewReader(b)); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "version") {
		t.Errorf("wrong version: err = %v", err)
	}
	b = append([]byte(nil), embeddedModel...)
	b[len(b)/2] ^= 1
	if _, err := Load(bytes.NewReader(b)); !errors.Is(err, ErrFormat) {
		t.Errorf("corrupt: err = %v", err)
	}
	m, err := Load(bytes.NewReader(embeddedModel))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.encode(), embeddedModel) {
		t.Error("Load then encode does not round-trip")
	}
}

func TestScoreCommand(t *testing.T) {
	in := strings.NewReader(`{"id":7,"text":"you are an idiot"}` + "\n" + `{"text":"the plan is flawed"}` + "\n")
	var out, errb bytes.Buffer
	if err := RunCommand(context.Background(), []string{"score"}, in, &out, &errb, nil, nil); err != nil {
		t.Fatal(err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %s", len(lines), out.String())
	}
	var v struct {
		ID    int     `json:"id"`
		Text  string  `json:"text"`
		Score float64 `json:"score"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &v); err != nil || v.ID != 7 || v.Score < Default().FlagThreshold() {
		t.Errorf("line 1 = %s (%v)", lines[0], err)
	}
}

// TestTrainingDeterministic trains twice on a small subset and compares bytes.
func TestTrainingDeterministic(t *testing.T) {
	dir := dataDir(t)
	ds := []Decision{{"you absolute walnut", true}, {"fair point about the tariffs", false}}
	a, err := Train(context.Background(), dir, ds, 300, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train(context.Background(), dir, ds, 300, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.encode(), b.encode()) {
		t.Fatal("two trainings on the same data gave different bytes")
	}
}

// TestEmbeddedModelReproducible retrains the shipped model from the shared
// data and checks it is byte-identical to the embedded file.
func TestEmbeddedModelReproducible(t *testing.T) {
	dir := dataDir(t)
	m, err := Train(context.Background(), dir, nil, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.encode(); !bytes.Equal(got, embeddedModel) {
		out := filepath.Join(t.TempDir(), "retrained.bin")
		os.WriteFile(out, got, 0o644)
		t.Fatalf("retrained model (%d bytes, %s) differs from the embedded one (%d bytes, %s); run: go run ./classify/internal/modelcmd train --out classify/model/parley-adhominem.bin",
			len(got), m.Version(), len(embeddedModel), Default().Version())
	}
}

// TestEvalBaseline evaluates the embedded model and fails if any metric
// dropped more than 0.01 below the figure recorded in testdata.
func TestEvalBaseline(t *testing.T) {
	dir := dataDir(t)
	if testing.Short() {
		t.Skip("full evaluation retrains the model for cross-validation")
	}
	var base struct {
		Model   string   `json:"model"`
		Metrics []Metric `json:"metrics"`
	}
	b, err := os.ReadFile("testdata/eval-baseline.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &base); err != nil {
		t.Fatal(err)
	}
	ms, err := evaluate(context.Background(), Default(), dir, evalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, m := range ms {
		got[m.Dataset+" / "+m.Metric] = m.Value
	}
	for _, m := range base.Metrics {
		k := m.Dataset + " / " + m.Metric
		v, ok := got[k]
		if !ok {
			t.Errorf("metric %q missing from the evaluation", k)
			continue
		}
		if m.Value >= 0 && v < m.Value-0.01 {
			t.Errorf("%s dropped from %.4f to %.4f", k, m.Value, v)
		}
	}
}
