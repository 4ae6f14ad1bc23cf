package classify

import (
	"context"
	_ "embed"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"strings"
	"sync"
)

// Metric is one row of the evaluation table.
type Metric struct {
	Dataset string  `json:"dataset"`
	Metric  string  `json:"metric"`
	Value   float64 `json:"value"`
	Target  float64 `json:"target,omitempty"` // minimum acceptable value; 0 = no target
	N       int     `json:"n"`
	Note    string  `json:"note,omitempty"`
}

// Met reports whether the metric meets its target (true when it has none).
func (m Metric) Met() bool { return m.Target == 0 || m.Value >= m.Target }

//go:embed testdata/contrast-dev.tsv
var contrastDev string

//go:embed testdata/contrast-test.tsv
var contrastTest string

//go:embed testdata/contrast-parents.tsv
var contrastParents string

// contrastCase is one comment of the contrast suite: an attack on a person
// or harsh criticism of an idea, institution or record, at the top level or
// as a reply (Parent, by ParentAuthor).
type contrastCase struct {
	Attack       bool
	Text         string
	Parent       string
	ParentAuthor string
	Dev          bool
}

func parseContrast(s string, dev bool) []contrastCase {
	parents := map[string][2]string{}
	for _, line := range strings.Split(contrastParents, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) == 3 {
			parents[f[0]] = [2]string{f[1], f[2]}
		}
	}
	var out []contrastCase
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			continue
		}
		c := contrastCase{Attack: f[0] == "attack", Text: f[2], Dev: dev}
		if p, ok := parents[f[1]]; ok {
			c.ParentAuthor, c.Parent = p[0], p[1]
		}
		out = append(out, c)
	}
	return out
}

// contrastAll is both halves of the contrast suite, development first.
func contrastAll() []contrastCase {
	return append(parseContrast(contrastDev, true), parseContrast(contrastTest, false)...)
}

const campaignFolds = 5

// evalOptions control an evaluation run.
type evalOptions struct {
	Decisions []Decision
	Log       io.Writer
	NoCV      bool // skip the cross-validated campaign rows (quick runs)
}

// evaluate runs every protocol of data/README.md against m, on the test
// split of every data set and, where it costs no retraining or opt.NoCV is
// not set, on the development split too (split.go).
func evaluate(ctx context.Context, m *Model, dir string, opt evalOptions) ([]Metric, error) {
	var out []Metric
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format, a...)
		}
	}
	thr := m.FlagThreshold()
	binary := func(dataset, aucName string, target float64, scores []float64, ys []bool, th float64, note string) {
		out = append(out, Metric{Dataset: dataset, Metric: aucName, Value: rocAUC(scores, ys), Target: target, N: len(ys), Note: note})
		out = append(out, Metric{Dataset: dataset, Metric: "PR-AUC", Value: prAUC(scores, ys), N: len(ys)})
		p, n := precisionAt(scores, ys, th)
		out = append(out, Metric{Dataset: dataset, Metric: fmt.Sprintf("precision@%.2f", th), Value: p, N: n})
		r, np := recallAt(scores, ys, th)
		out = append(out, Metric{Dataset: dataset, Metric: fmt.Sprintf("recall@%.2f", th), Value: r, N: np})
	}

	// Kaggle insults: the competition's final verification set.
	logf("eval: kaggle insults\n")
	kv, err := loadKaggle(dir, "impermium_verification_labels.csv", false)
	if err != nil {
		return nil, err
	}
	var texts []string
	var ys []bool
	for _, e := range kv {
		texts, ys = append(texts, e.Text), append(ys, e.Y)
	}
	binary("kaggle-insults verification (test)", "ROC AUC", 0.86, scoreAll(m, texts), ys, thr, "")

	// OLID: macro-F1 per level on the official test files, from the
	// dedicated heads; plus the ad hominem score against the personal
	// attack proxy (TIN + IND) on the level A test tweets.
	logf("eval: olid\n")
	for _, lv := range olidLevels {
		ts, gold, err := loadOLIDTest(dir, lv.level)
		if err != nil {
			return nil, err
		}
		if m.head(HeadOLIDA) == nil {
			out = append(out, Metric{Dataset: "olid level " + strings.ToUpper(lv.level) + " (test)", Metric: "macro-F1", Value: math.NaN(), Target: lv.target, N: len(ts), Note: "the model has no OLID heads"})
			continue
		}
		pred := make([]string, len(ts))
		for i, t := range ts {
			pred[i] = m.olidPredict(lv.level, t)
		}
		out = append(out, Metric{Dataset: "olid level " + strings.ToUpper(lv.level) + " (test)", Metric: "macro-F1", Value: macroF1(gold, pred, lv.classes), Target: lv.target, N: len(ts)})
	}
	{
		ts, _, err := loadOLIDTest(dir, "a")
		if err != nil {
			return nil, err
		}
		cts, cgold, err := loadOLIDTest(dir, "c")
		if err != nil {
			return nil, err
		}
		ind := map[string]bool{}
		for i, t := range cts {
			if cgold[i] == "IND" {
				ind[t] = true
			}
		}
		ys := make([]bool, len(ts))
		for i, t := range ts {
			ys[i] = ind[t]
		}
		binary("olid test, TIN+IND vs rest (test)", "ROC AUC", 0, scoreAll(m, ts), ys, thr, "ad hominem score")
	}

	// Campaign tweets, cross-validated: each fold is scored by a model
	// trained with the recipe on everything except that fold's tweets.
	// Reported on the test half of the tweets; the development half is
	// what recipes are tuned on.
	if !opt.NoCV {
		logf("eval: campaign tweets, %d-fold cross-validation (retrains the main head %d times)\n", campaignFolds, campaignFolds)
		tweets, err := loadCampaign(dir)
		if err != nil {
			return nil, err
		}
		scores, foldThr, err := campaignCV(ctx, dir, tweets, opt.Log)
		if err != nil {
			return nil, err
		}
		for _, half := range []struct {
			name   string
			dev    bool
			target float64
		}{{"test", false, 0.85}, {"dev", true, 0}} {
			var ps, as []float64
			var py, ay []bool
			for i, t := range tweets {
				if campaignDev(t.UID) != half.dev {
					continue
				}
				as, ay = append(as, scores[i]), append(ay, t.Personal)
				if t.Personal || t.Policy {
					ps, py = append(ps, scores[i]), append(py, t.Personal)
				}
			}
			binary("campaign tweets, personal vs policy attack (5-fold CV, "+half.name+")", "ROC AUC", half.target, ps, py, foldThr, "negatives: policy-only attacks")
			out = append(out, Metric{Dataset: "campaign tweets, personal vs all (5-fold CV, " + half.name + ")", Metric: "ROC AUC", Value: rocAUC(as, ay), N: len(ay)})
		}
	}

	// Unhealthy Comments Corpus: evaluation only, never trained on.
	logf("eval: unhealthy comments\n")
	uc, err := loadUCC(dir)
	if err != nil {
		return nil, err
	}
	for _, half := range []struct {
		name, file string
		dev        bool
		target     float64
	}{{"test", "test.csv", false, 0.78}, {"dev", "val.csv", true, 0}} {
		texts = texts[:0]
		var ant, hos []bool
		for _, r := range uc {
			if r.Dev == half.dev {
				texts, ant, hos = append(texts, r.Text), append(ant, r.Antagonize), append(hos, r.Hostile)
			}
		}
		us := scoreAll(m, texts)
		binary("unhealthy comments "+half.file+" ("+half.name+"), antagonize", "ROC AUC", half.target, us, ant, thr, "")
		binary("unhealthy comments "+half.file+" ("+half.name+"), hostile", "ROC AUC", 0, us, hos, thr, "")
	}

	// Bias madlibs: lowest AUC within any identity subgroup.
	logf("eval: bias madlibs\n")
	ml, err := loadMadlibs(dir)
	if err != nil {
		return nil, err
	}
	for _, half := range []struct {
		name   string
		dev    bool
		target float64
	}{{"test", false, 0.90}, {"dev", true, 0}} {
		var rows []madlib
		texts = texts[:0]
		var bad []bool
		for _, r := range ml {
			if madlibDev(r.Text) == half.dev {
				rows = append(rows, r)
				texts, bad = append(texts, r.Text), append(bad, r.Bad)
			}
		}
		msc := scoreAll(m, texts)
		lowest, lowestID := 2.0, ""
		for _, id := range madlibIdentities {
			var s []float64
			var y []bool
			for i, r := range rows {
				if r.Identity == id {
					s, y = append(s, msc[i]), append(y, r.Bad)
				}
			}
			if a := rocAUC(s, y); a < lowest {
				lowest, lowestID = a, id
			}
		}
		ds := "bias madlibs (" + half.name + ")"
		out = append(out, Metric{Dataset: ds, Metric: "lowest per-identity AUC", Value: lowest, Target: half.target, N: len(rows), Note: "lowest: " + lowestID})
		binary(ds, "ROC AUC (all)", 0, msc, bad, thr, "")
	}

	// Contrast suite: attacks must be flagged, criticism must not.
	out = append(out, contrastMetrics(m, thr)...)
	logf("eval: threaded kaggle\n")
	tk, err := threadedKaggle(m, dir, thr)
	if err != nil {
		return nil, err
	}
	out = append(out, tk...)

	// Development slices of Kaggle and OLID: scored by a model trained with
	// the recipe on everything but those slices.
	if !opt.NoCV {
		logf("eval: development slices of kaggle and olid (retrains the model without them)\n")
		rows, err := devSliceMetrics(ctx, dir)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}

	if len(opt.Decisions) > 0 {
		rows, err := decisionsBeforeAfter(ctx, dir, opt.Decisions, opt.Log)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

var olidLevels = []struct {
	level   string
	target  float64
	classes []string
}{{"a", 0, []string{"NOT", "OFF"}}, {"b", 0.72, []string{"TIN", "UNT"}}, {"c", 0.60, []string{"IND", "GRP", "OTH"}}}

// scoreAll scores texts on two goroutines.
func scoreAll(m *Model, texts []string) []float64 {
	s := make([]float64, len(texts))
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(texts); i += 2 {
				s[i] = m.Score(texts[i]).Score
			}
		}()
	}
	wg.Wait()
	return s
}

// contrastMetrics scores both halves of the contrast suite, without and
// with the reply context (the parent and its author, the default
// public-figure policy), and reports the share of attacks flagged and of
// criticisms passed at th, overall and for the replies alone.
func contrastMetrics(m *Model, th float64) []Metric {
	var out []Metric
	for _, half := range []struct {
		name string
		dev  bool
	}{{"test", false}, {"dev", true}} {
		for _, withCtx := range []bool{false, true} {
			var att, crit, attOK, critOK, ratt, rcrit, rattOK, rcritOK int
			for _, c := range contrastAll() {
				if c.Dev != half.dev {
					continue
				}
				var s float64
				if withCtx {
					s = m.ScoreContext(c.Text, Context{Parent: c.Parent, ParentAuthor: c.ParentAuthor}).Score
				} else {
					s = m.Score(c.Text).Score
				}
				reply := c.Parent != ""
				if c.Attack {
					att++
					if reply {
						ratt++
					}
					if s >= th {
						attOK++
						if reply {
							rattOK++
						}
					}
				} else {
					crit++
					if reply {
						rcrit++
					}
					if s < th {
						critOK++
						if reply {
							rcritOK++
						}
					}
				}
			}
			ds := "contrast suite (" + half.name + ")"
			target := 0.95
			if withCtx {
				ds = "contrast suite with context (" + half.name + ")"
				target = 0
			}
			out = append(out, Metric{Dataset: ds, Metric: "attacks flagged", Value: frac(attOK, att), Target: target, N: att})
			out = append(out, Metric{Dataset: ds, Metric: "criticism passed", Value: frac(critOK, crit), Target: target, N: crit})
			out = append(out, Metric{Dataset: ds, Metric: "reply attacks flagged", Value: frac(rattOK, ratt), N: ratt})
			out = append(out, Metric{Dataset: ds, Metric: "reply criticism passed", Value: frac(rcritOK, rcrit), N: rcrit})
		}
	}
	return out
}

// threadedKaggle is the threaded evaluation built from the data: every
// Kaggle verification comment (an insult at another participant, or not)
// is posted as a reply to a neutral comment (a healthy comment from the
// Unhealthy Comments test file, none antagonizing, hostile, condescending
// or dismissive, taken in turn) by an author from a fixed list of names.
// Scored with that context it must do as well as without.
func threadedKaggle(m *Model, dir string, th float64) ([]Metric, error) {
	kv, err := loadKaggle(dir, "impermium_verification_labels.csv", false)
	if err != nil {
		return nil, err
	}
	parents, err := loadNeutralParents(dir)
	if err != nil {
		return nil, err
	}
	if len(parents) == 0 {
		return nil, fmt.Errorf("no neutral parents in the unhealthy comments test file")
	}
	names := []string{"Marta Olsen", "Dev Kapoor", "Greg Haines", "Lena Fischer", "Tomasz Wrona", "Aisha Bello", "Sam Ortega", "Ruth Adler", "Kofi Mensah", "Ingrid Sand"}
	s := make([]float64, len(kv))
	ys := make([]bool, len(kv))
	for i, e := range kv {
		s[i] = m.ScoreContext(e.Text, Context{Parent: parents[i%len(parents)], ParentAuthor: names[i%len(names)]}).Score
		ys[i] = e.Y
	}
	ds := "kaggle-insults verification as replies to neutral comments (test)"
	out := []Metric{{Dataset: ds, Metric: "ROC AUC", Value: rocAUC(s, ys), N: len(ys), Note: "threaded evaluation"}}
	p, n := precisionAt(s, ys, th)
	out = append(out, Metric{Dataset: ds, Metric: fmt.Sprintf("precision@%.2f", th), Value: p, N: n})
	r, np := recallAt(s, ys, th)
	out = append(out, Metric{Dataset: ds, Metric: fmt.Sprintf("recall@%.2f", th), Value: r, N: np})
	return out, nil
}

// devSliceMetrics trains a model without the development tenth of the
// Kaggle and OLID training rows and reports it on that tenth.
func devSliceMetrics(ctx context.Context, dir string) ([]Metric, error) {
	c, err := loadCorpus(dir, shippedRecipe, nil, 0)
	if err != nil {
		return nil, err
	}
	dm, err := trainModel(ctx, c, trainOptions{Recipe: shippedRecipe, Exclude: devSlice})
	if err != nil {
		return nil, err
	}
	var out []Metric
	var texts []string
	var ys []bool
	for _, e := range c.main {
		if strings.HasPrefix(e.Key, "kaggle/") && devSlice(e.Key) {
			texts, ys = append(texts, e.Text), append(ys, e.Y)
		}
	}
	s := scoreAll(dm, texts)
	out = append(out, Metric{Dataset: "kaggle-insults training tenth (dev)", Metric: "ROC AUC", Value: rocAUC(s, ys), N: len(ys)})
	p, n := precisionAt(s, ys, dm.FlagThreshold())
	out = append(out, Metric{Dataset: "kaggle-insults training tenth (dev)", Metric: fmt.Sprintf("precision@%.2f", dm.FlagThreshold()), Value: p, N: n})
	for _, lv := range olidLevels {
		var gold, pred []string
		for _, r := range c.olid {
			if !devSlice("olid/" + r.ID) {
				continue
			}
			g := r.A
			switch lv.level {
			case "b":
				g = r.B
			case "c":
				g = r.C
			}
			if g == "" {
				continue
			}
			gold = append(gold, g)
			pred = append(pred, dm.olidPredict(lv.level, r.Text))
		}
		out = append(out, Metric{Dataset: "olid level " + strings.ToUpper(lv.level) + " training tenth (dev)", Metric: "macro-F1", Value: macroF1(gold, pred, lv.classes), N: len(gold)})
	}
	return out, nil
}

func frac(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// olidPredict labels a test tweet for one OLID level with the model's
// dedicated heads.
func (m *Model) olidPredict(level, text string) string {
	switch level {
	case "a":
		if m.headProb(HeadOLIDA, text) >= m.head(HeadOLIDA).Threshold {
			return "OFF"
		}
		return "NOT"
	case "b":
		if m.headProb(HeadOLIDB, text) >= m.head(HeadOLIDB).Threshold {
			return "TIN"
		}
		return "UNT"
	}
	var p, o [3]float64
	for k, name := range []string{HeadOLIDCInd, HeadOLIDCGrp, HeadOLIDCOth} {
		p[k] = m.headProb(name, text)
		o[k] = m.head(name).Threshold
	}
	return argmaxC(p, o)
}

func campaignFold(uid string) int {
	return int(crc32.ChecksumIEEE([]byte("fold/"+uid)) % campaignFolds)
}

// campaignCV returns out-of-fold scores for every tweet and the mean flag
// threshold of the fold models.
func campaignCV(ctx context.Context, dir string, tweets []campaignTweet, log io.Writer) ([]float64, float64, error) {
	c, err := loadCorpus(dir, shippedRecipe, nil, 0)
	if err != nil {
		return nil, 0, err
	}
	scores := make([]float64, len(tweets))
	var thrSum float64
	for k := 0; k < campaignFolds; k++ {
		if log != nil {
			fmt.Fprintf(log, "  fold %d/%d\n", k+1, campaignFolds)
		}
		m, err := trainModel(ctx, c, trainOptions{
			Recipe:   shippedRecipe,
			MainOnly: true,
			Exclude: func(key string) bool {
				uid, ok := strings.CutPrefix(key, "campaign/")
				return ok && campaignFold(uid) == k
			},
		})
		if err != nil {
			return nil, 0, err
		}
		thrSum += m.FlagThreshold()
		for i, t := range tweets {
			if campaignFold(t.UID) == k {
				scores[i] = m.Score(t.Text).Score
			}
		}
	}
	return scores, thrSum / campaignFolds, nil
}

// decisionHeldOut puts a fifth of the moderators' decisions aside for
// measuring what learning from them changed.
func decisionHeldOut(d Decision) bool { return crc32.ChecksumIEEE([]byte(d.Text))%5 == 0 }

// decisionsBeforeAfter measures what learning from moderators changes, on
// a held-out fifth of their decisions: "before" is the model shipped in
// the binary, "after" is a model trained with the recipe on the data plus
// the other four fifths of the decisions, never the held-out ones. (The
// model being evaluated plays no part: it may have been trained on all the
// decisions, held-out ones included.)
func decisionsBeforeAfter(ctx context.Context, dir string, ds []Decision, log io.Writer) ([]Metric, error) {
	var train, held []Decision
	for _, d := range ds {
		if decisionHeldOut(d) {
			held = append(held, d)
		} else {
			train = append(train, d)
		}
	}
	if len(held) == 0 || len(train) == 0 {
		return []Metric{{Dataset: "moderator decisions", Metric: "before/after", Value: math.NaN(), N: len(ds), Note: "too few decisions to hold some out"}}, nil
	}
	if log != nil {
		fmt.Fprintf(log, "eval: moderator decisions: retraining with %d, testing on %d held out\n", len(train), len(held))
	}
	c, err := loadCorpus(dir, shippedRecipe, train, 0)
	if err != nil {
		return nil, err
	}
	after, err := trainModel(ctx, c, trainOptions{Recipe: shippedRecipe, MainOnly: true})
	if err != nil {
		return nil, err
	}
	var out []Metric
	for _, v := range []struct {
		name string
		m    *Model
	}{{"before (embedded model)", Default()}, {"after (trained without the held-out decisions)", after}} {
		var s []float64
		var y []bool
		for _, d := range held {
			s, y = append(s, v.m.Score(d.Text).Score), append(y, d.Attack)
		}
		ds := "moderator decisions held out, " + v.name
		th := v.m.FlagThreshold()
		out = append(out, Metric{Dataset: ds, Metric: "ROC AUC", Value: rocAUC(s, y), N: len(held)})
		p, n := precisionAt(s, y, th)
		out = append(out, Metric{Dataset: ds, Metric: fmt.Sprintf("precision@%.2f", th), Value: p, N: n})
		r, np := recallAt(s, y, th)
		out = append(out, Metric{Dataset: ds, Metric: fmt.Sprintf("recall@%.2f", th), Value: r, N: np})
		var sum float64
		for i, x := range s {
			if y[i] {
				sum += x
			}
		}
		out = append(out, Metric{Dataset: ds, Metric: "mean score of rejected", Value: sum / float64(max(np, 1)), N: np})
	}
	return out, nil
}

// writeTable prints the metrics as one aligned table.
func writeTable(w io.Writer, ms []Metric) {
	dw, mw := len("dataset"), len("metric")
	for _, m := range ms {
		dw = max(dw, len(m.Dataset))
		mw = max(mw, len(m.Metric))
	}
	fmt.Fprintf(w, "%-*s  %-*s  %7s  %6s  %6s  %s\n", dw, "dataset", mw, "metric", "value", "target", "n", "")
	for _, m := range ms {
		target, status := "", ""
		if m.Target > 0 {
			target = fmt.Sprintf("%.2f", m.Target)
			status = "ok"
			if !m.Met() {
				status = fmt.Sprintf("MISS by %.3f", m.Target-m.Value)
			}
		}
		note := status
		if m.Note != "" {
			note = strings.TrimSpace(status + "  " + m.Note)
		}
		fmt.Fprintf(w, "%-*s  %-*s  %7.4f  %6s  %6d  %s\n", dw, m.Dataset, mw, m.Metric, m.Value, target, m.N, note)
	}
}
