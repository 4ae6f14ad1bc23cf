package classify

// The OLID level B experiments of round v5: variants of the B head compared
// by 5-fold cross-validation on the OLID training file (development), then
// on the official test file. Not run in CI. Run them with
//
//	PARLEY_EXPERIMENT=olidb GOMAXPROCS=1 nice go test ./classify/ -run OLIDB -v -timeout 60m
//
// (PARLEY_OLIDB_VARIANTS=base,bagB5 picks variants). The figures are in doc.go.

import (
	"context"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"strings"
	"testing"
)

func olidScores(m *Model, rows []olidRow) map[string]float64 {
	out := map[string]float64{}
	for _, lv := range olidLevels {
		var gold, pred []string
		for _, r := range rows {
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
			pred = append(pred, m.olidPredict(lv.level, r.Text))
		}
		out[lv.level] = macroF1(gold, pred, lv.classes)
	}
	return out
}

func TestOLIDBExperiment(t *testing.T) {
	if os.Getenv("PARLEY_EXPERIMENT") != "olidb" {
		t.Skip("set PARLEY_EXPERIMENT=olidb")
	}
	dir := dataDir(t)
	c, err := loadCorpus(dir, shippedRecipe, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, r := range c.olid {
		texts = append(texts, r.Text)
	}
	c.featurize(texts)
	var test []olidRow
	for _, lv := range []string{"a", "b", "c"} {
		ts, gold, _ := loadOLIDTest(dir, lv)
		for i, x := range ts {
			r := olidRow{Text: x}
			switch lv {
			case "a":
				r.A = gold[i]
			case "b":
				r.B = gold[i]
			case "c":
				r.C = gold[i]
			}
			test = append(test, r)
		}
	}
	c.featurize(func() []string {
		var s []string
		for _, r := range test {
			s = append(s, r.Text)
		}
		return s
	}())
	variants := map[string]func(r *recipe){
		"base":    func(r *recipe) {},
		"bagB5":   func(r *recipe) { r.BagB = 5 },
		"bagB9":   func(r *recipe) { r.BagB = 9 },
		"bagAll5": func(r *recipe) { r.BagAux = 5 },
		"folds5":  func(r *recipe) { r.AuxFolds = 5 },
		"bagB5f5": func(r *recipe) { r.BagB = 5; r.AuxFolds = 5 },
		"l1_01":   func(r *recipe) { r.AuxL1 = 0.01 },
		"l1_1":    func(r *recipe) { r.AuxL1 = 0.1 },
		"nbaux":   func(r *recipe) { r.NBAux = true },
		"bal":     func(r *recipe) { r.BalanceB = true },
		"ep3":     func(r *recipe) { r.EpochsB = 3 },
		"ep12":    func(r *recipe) { r.EpochsB = 12 },
		"balbag":  func(r *recipe) { r.BalanceB = true; r.BagB = 5 },
	}
	names := []string{"base", "bagB5", "bagB9", "bagAll5", "folds5", "bagB5f5", "l1_01", "l1_1", "nbaux", "bal", "ep3", "ep12", "balbag"}
	if v := os.Getenv("PARLEY_OLIDB_VARIANTS"); v != "" {
		names = strings.Split(v, ",")
	}
	const K = 5
	for _, name := range names {
		rc := shippedRecipe
		variants[name](&rc)
		// dev: 5-fold CV over the OLID training file, mean of the folds
		var devSum [3]float64
		for k := 0; k < K; k++ {
			inK := func(key string) bool { return int(crc32.ChecksumIEEE([]byte("expcv/"+key))%K) == k }
			heads, err := trainOLIDHeads(context.Background(), c, rc, inK, func(string, int) {})
			if err != nil {
				t.Fatal(err)
			}
			fm := &Model{heads: heads}
			fm.init()
			var rows []olidRow
			for _, r := range c.olid {
				if inK("olid/" + r.ID) {
					rows = append(rows, r)
				}
			}
			s := olidScores(fm, rows)
			devSum[0] += s["a"] / K
			devSum[1] += s["b"] / K
			devSum[2] += s["c"] / K
		}
		heads, err := trainOLIDHeads(context.Background(), c, rc, nil, func(string, int) {})
		if err != nil {
			t.Fatal(err)
		}
		fm := &Model{heads: heads}
		fm.init()
		ts := olidScores(fm, test)
		fmt.Printf("%-10s devCV A %.4f B %.4f C %.4f | test A %.4f B %.4f C %.4f\n", name, devSum[0], devSum[1], devSum[2], ts["a"], ts["b"], ts["c"])
	}
}

func logit(p float64) float64 {
	if p < 1e-9 {
		p = 1e-9
	}
	if p > 1-1e-9 {
		p = 1 - 1e-9
	}
	return math.Log(p / (1 - p))
}

func TestOLIDBStackExperiment(t *testing.T) {
	if os.Getenv("PARLEY_EXPERIMENT") != "olidb" {
		t.Skip("set PARLEY_EXPERIMENT=olidb")
	}
	dir := dataDir(t)
	c, err := loadCorpus(dir, shippedRecipe, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	const K = 5
	var mb, mm []float64
	var ys []bool
	for k := 0; k < K; k++ {
		inK := func(key string) bool {
			id, ok := strings.CutPrefix(key, "olid/")
			return ok && int(crc32.ChecksumIEEE([]byte("expcv/olid/"+id))%K) == k
		}
		m, err := trainModel(context.Background(), c, trainOptions{Recipe: shippedRecipe, Exclude: inK})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range c.olid {
			if r.A != "OFF" || !inK("olid/"+r.ID) {
				continue
			}
			mb = append(mb, logit(m.headProb(HeadOLIDB, r.Text))-logit(m.head(HeadOLIDB).Threshold))
			mm = append(mm, logit(m.Score(r.Text).Score))
			ys = append(ys, r.B == "TIN")
		}
	}
	ts, gold, _ := loadOLIDTest(dir, "b")
	m := Default()
	var tb, tm []float64
	var ty []bool
	for i, x := range ts {
		tb = append(tb, logit(m.headProb(HeadOLIDB, x))-logit(m.head(HeadOLIDB).Threshold))
		tm = append(tm, logit(m.Score(x).Score))
		ty = append(ty, gold[i] == "TIN")
	}
	f1At := func(s []float64, y []bool, th float64) float64 {
		var g, p []string
		for i := range s {
			gl, pl := "UNT", "UNT"
			if y[i] {
				gl = "TIN"
			}
			if s[i] >= th {
				pl = "TIN"
			}
			g, p = append(g, gl), append(p, pl)
		}
		return macroF1(g, p, []string{"TIN", "UNT"})
	}
	for _, w := range []float64{0, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 2, 100} {
		comb := func(b, mm []float64) []float64 {
			o := make([]float64, len(b))
			for i := range b {
				o[i] = b[i] + w*mm[i]
			}
			return o
		}
		ds := comb(mb, mm)
		best, bth := 0.0, 0.0
		for th := -6.0; th <= 6; th += 0.05 {
			if f := f1At(ds, ys, th); f > best {
				best, bth = f, th
			}
		}
		tsc := comb(tb, tm)
		fmt.Printf("w=%.2f dev AUC %.4f devF1 %.4f (th %.2f) | test AUC %.4f F1 %.4f (same-as-shipped th0 F1 %.4f)\n", w, rocAUC(ds, ys), best, bth, rocAUC(tsc, ty), f1At(tsc, ty, bth), f1At(tsc, ty, 0))
	}
}
