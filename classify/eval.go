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

//go:embed testdata/contrast.tsv
var contrastSuite string

// contrastCase is one comment of the contrast suite: an attack on a person
// or harsh criticism of an idea, about the same article.
type contrastCase struct {
	Attack bool
	Text   string
}

func parseContrast(s string) []contrastCase {
	var out []contrastCase
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, text, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		out = append(out, contrastCase{Attack: label == "attack", Text: text})
	}
	return out
}

const campaignFolds = 5

// evalOptions control an evaluation run.
type evalOptions struct {
	Decisions []Decision
	Log       io.Writer
	NoCV      bool // skip the cross-validated campaign rows (quick runs)
}

// evaluate runs every protocol of data/README.md against m.
func evaluate(ctx context.Context, m *Model, dir string, opt evalOptions) ([]Metric, error) {
	var out []Metric
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format, a...)
		}
	}
	thr := m.FlagThreshold()
	scoreAll := func(texts []string) []float64 {
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
	binary := func(dataset, aucName string, target float64, scores []float64, ys []bool, th float64, note string) {
		out = append(out, Metric{Dataset: dataset, Metric: aucName, Value: rocAUC(scores, ys), Target: target, N: len(ys), Note: note})
		out = append(out, Metric{Dataset: dataset, Metric: "PR-AUC", Value: prAUC(scores, ys), N: len(ys)})
		p, n := precisionAt(scores, ys, th)
		out = append(out, Metric{Dataset: dataset, Metric: fmt.Sprintf("precision@%.2f", th), Value: p, N: n})
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
	binary("kaggle-insults verification", "ROC AUC", 0.86, scoreAll(texts), ys, thr, "")

	// OLID: macro-F1 per level on the official test files, from the
	// dedicated heads; plus the ad hominem score against the personal
	// attack proxy (TIN + IND) on the level A test tweets.
	logf("eval: olid\n")
	for _, lv := range []struct {
		level   string
		target  float64
		classes []string
	}{{"a", 0, []string{"NOT", "OFF"}}, {"b", 0.72, []string{"TIN", "UNT"}}, {"c", 0.60, []string{"IND", "GRP", "OTH"}}} {
		ts, gold, err := loadOLIDTest(dir, lv.level)
		if err != nil {
			return nil, err
		}
		pred := make([]string, len(ts))
		for i, t := range ts {
			pred[i] = m.olidPredict(lv.level, t)
		}
		out = append(out, Metric{Dataset: "olid level " + strings.ToUpper(lv.level), Metric: "macro-F1", Value: macroF1(gold, pred, lv.classes), Target: lv.target, N: len(ts)})
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
		binary("olid test, TIN+IND vs rest", "ROC AUC", 0, scoreAll(ts), ys, thr, "ad hominem score")
	}

	// Campaign tweets, cross-validated: each fold is scored by a model
	// trained with the recipe on everything except that fold's tweets.
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
		var ps []float64
		var py []bool
		var all []bool
		for i, t := range tweets {
			all = append(all, t.Personal)
			if t.Personal || t.Policy {
				ps, py = append(ps, scores[i]), append(py, t.Personal)
			}
		}
		binary("campaign tweets, personal vs policy attack (5-fold CV)", "ROC AUC", 0.85, ps, py, foldThr, "negatives: policy-only attacks")
		out = append(out, Metric{Dataset: "campaign tweets, personal vs all (5-fold CV)", Metric: "ROC AUC", Value: rocAUC(scores, all), N: len(all)})
	}

	// Unhealthy Comments Corpus: evaluation only, never trained on.
	logf("eval: unhealthy comments\n")
	uc, err := loadUCC(dir)
	if err != nil {
		return nil, err
	}
	texts = texts[:0]
	var ant, hos []bool
	for _, r := range uc {
		texts, ant, hos = append(texts, r.Text), append(ant, r.Antagonize), append(hos, r.Hostile)
	}
	us := scoreAll(texts)
	binary("unhealthy comments (val+test), antagonize", "ROC AUC", 0.78, us, ant, thr, "")
	binary("unhealthy comments (val+test), hostile", "ROC AUC", 0, us, hos, thr, "")

	// Bias madlibs: lowest AUC within any identity subgroup.
	logf("eval: bias madlibs\n")
	ml, err := loadMadlibs(dir)
	if err != nil {
		return nil, err
	}
	texts = texts[:0]
	var bad []bool
	for _, r := range ml {
		texts, bad = append(texts, r.Text), append(bad, r.Bad)
	}
	msc := scoreAll(texts)
	lowest, lowestID := 2.0, ""
	for _, id := range madlibIdentities {
		var s []float64
		var y []bool
		for i, r := range ml {
			if r.Identity == id {
				s, y = append(s, msc[i]), append(y, r.Bad)
			}
		}
		if a := rocAUC(s, y); a < lowest {
			lowest, lowestID = a, id
		}
	}
	out = append(out, Metric{Dataset: "bias madlibs", Metric: "lowest per-identity AUC", Value: lowest, Target: 0.90, N: len(ml), Note: "lowest: " + lowestID})
	binary("bias madlibs", "ROC AUC (all)", 0, msc, bad, thr, "")

	// Contrast suite: attacks must be flagged, criticism must not.
	cs := parseContrast(contrastSuite)
	var att, crit, attOK, critOK int
	for _, c := range cs {
		s := m.Score(c.Text).Score
		if c.Attack {
			att++
			if s >= thr {
				attOK++
			}
		} else {
			crit++
			if s < thr {
				critOK++
			}
		}
	}
	out = append(out, Metric{Dataset: "contrast suite (testdata)", Metric: "attacks flagged", Value: frac(attOK, att), Target: 1, N: att})
	out = append(out, Metric{Dataset: "contrast suite (testdata)", Metric: "criticism passed", Value: frac(critOK, crit), Target: 1, N: crit})

	if len(opt.Decisions) > 0 {
		rows, err := decisionsBeforeAfter(ctx, m, dir, opt.Decisions, opt.Log)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
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

func decisionsBeforeAfter(ctx context.Context, m *Model, dir string, ds []Decision, log io.Writer) ([]Metric, error) {
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
	}{{"before (evaluated model)", m}, {"after (retrained with decisions)", after}} {
		var s []float64
		var y []bool
		for _, d := range held {
			s, y = append(s, v.m.Score(d.Text).Score), append(y, d.Attack)
		}
		ds := "moderator decisions held out, " + v.name
		out = append(out, Metric{Dataset: ds, Metric: "ROC AUC", Value: rocAUC(s, y), N: len(held)})
		p, n := precisionAt(s, y, v.m.FlagThreshold())
		out = append(out, Metric{Dataset: ds, Metric: fmt.Sprintf("precision@%.2f", v.m.FlagThreshold()), Value: p, N: n})
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
