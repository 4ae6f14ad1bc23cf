package classify

// The second-stage experiment of the round after v5: a richer model that rescores
// only the comments the shipped bag of words is unsure about, so that its
// cost is paid on a fraction of the comments. Two second stages were tried,
// both trained here in pure Go, single-threaded and seeded:
//
//   - a hashed character n-gram model across word boundaries ("you i",
//     "u idio", "s idiot") with target-aware features (each word keyed by
//     the kind of the nearest person, "you" or thing reference before it and
//     after it within four tokens), logistic regression with Adagrad;
//   - the convolutional network of the v5 word-order experiment
//     (wordorder_test.go).
//
// The combined score of a comment whose bag-of-words probability lies in
// [lo, hi] is sigmoid((1-w)·logit(bag of words) + w·logit(second stage)),
// elsewhere the bag of words alone. Chosen on development splits only; see
// doc.go for the numbers. Run it with
//
//	PARLEY_EXPERIMENT=secondstage GOMAXPROCS=1 nice go test ./classify/ -run TestSecondStageExperiment -v -timeout 60m
//
// PARLEY_SECONDSTAGE_CNN=1 adds the network, _SPECIALIST=1 a character
// model trained on the campaign tweets, LOGIC and the seeds only, PARLEY_SECONDSTAGE_HARD and
// _ONLYHARD train the second stage on the unsure rows (below). CI never
// runs it.

import (
	"context"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	ccBits    = 20
	ccMin     = 3
	ccMax     = 6
	ccMaxText = 600 // bytes of normalised text read
)

// charCtx is the character n-gram + target-aware logistic model.
type charCtx struct {
	w, g  []float32
	b, gb float32
	lr    float32
	e     extractor
	buf   []byte
	ids   []uint32
}

func newCharCtx() *charCtx {
	return &charCtx{w: make([]float32, 1<<ccBits), g: make([]float32, 1<<ccBits), lr: 0.1}
}

func (c *charCtx) features(text string) {
	toks := c.e.extract(text)
	tb := c.e.tk.buf
	c.ids = c.ids[:0]
	const mask = 1<<ccBits - 1
	// Normalised tokens joined by spaces, with a space at either end.
	c.buf = append(c.buf[:0], ' ')
	for _, t := range toks {
		if len(c.buf) >= ccMaxText {
			break
		}
		c.buf = append(c.buf, tb[t.off:t.off+t.n]...)
		c.buf = append(c.buf, ' ')
	}
	b := c.buf
	for s := 0; s+ccMin <= len(b); s++ {
		h := uint64(seedChar) ^ 0x9e3779b97f4a7c15
		for k := 0; k < ccMax && s+k < len(b); k++ {
			h ^= uint64(b[s+k])
			h *= fnvPrime
			if k+1 >= ccMin {
				c.ids = append(c.ids, mix(h+uint64(k))&mask)
			}
		}
	}
	// Target-aware: each word keyed by the nearest reference kind before
	// it and after it (within four tokens).
	n := len(c.e.th)
	for i := 0; i < n; i++ {
		if c.e.kinds[i] != targetNone {
			continue
		}
		before, after := targetNone, targetNone
		for j := i - 1; j >= 0 && j >= i-4; j-- {
			if k := c.e.kinds[j] &^ 0x80; k != targetNone {
				before = k
				break
			}
		}
		for j := i + 1; j < n && j <= i+4; j++ {
			if k := c.e.kinds[j] &^ 0x80; k != targetNone {
				after = k
				break
			}
		}
		if before != targetNone {
			c.ids = append(c.ids, mix((c.e.th[i]^seedEdge)*fnvPrime+uint64(before)+16)&mask)
		}
		if after != targetNone {
			c.ids = append(c.ids, mix((c.e.th[i]^seedEdge)*fnvPrime+uint64(after)+32)&mask)
		}
	}
}

func (c *charCtx) margin() float32 {
	if len(c.ids) == 0 {
		return c.b
	}
	var s float32
	for _, i := range c.ids {
		s += c.w[i]
	}
	return c.b + s/float32(math.Sqrt(float64(len(c.ids))))
}

func (c *charCtx) step(y bool, weight float64) {
	p := 1 / (1 + math.Exp(-float64(c.margin())))
	t := 0.0
	if y {
		t = 1
	}
	gr := float32((p - t) * weight)
	norm := float32(1 / math.Sqrt(float64(max(len(c.ids), 1))))
	for _, i := range c.ids {
		adagrad(&c.w[i], &c.g[i], gr*norm, c.lr)
	}
	adagrad(&c.b, &c.gb, gr, c.lr)
}

func (c *charCtx) score(text string) float64 {
	c.features(text)
	return float64(c.margin())
}

func trainCharCtx(ex []example, epochs int, seed uint64) *charCtx {
	c := newCharCtx()
	order := make([]int, len(ex))
	for i := range order {
		order[i] = i
	}
	r := rng{seed}
	for ep := 0; ep < epochs; ep++ {
		for i := len(order) - 1; i > 0; i-- {
			j := int(r.next() % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for _, i := range order {
			c.features(ex[i].Text)
			c.step(ex[i].Y, math.Min(ex[i].W, 4))
		}
	}
	return c
}

type secondStage interface{ score(string) float64 }

type cnnStage struct {
	c *cnn
	e *extractor
}

func (s cnnStage) score(x string) float64 { return s.c.score(s.e, x) }

func TestSecondStageExperiment(t *testing.T) {
	if os.Getenv("PARLEY_EXPERIMENT") != "secondstage" {
		t.Skip("set PARLEY_EXPERIMENT=secondstage")
	}
	epochs := envInt("PARLEY_SECONDSTAGE_EPOCHS", 3)
	useCNN := os.Getenv("PARLEY_SECONDSTAGE_CNN") != ""
	dir := dataDir(t)
	ctx := context.Background()
	c, err := loadCorpus(dir, shippedRecipe, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	logitOf := func(p float64) float64 {
		p = math.Min(math.Max(p, 1e-7), 1-1e-7)
		return math.Log(p / (1 - p))
	}
	// PARLEY_SECONDSTAGE_HARD=m: the second stage is trained with the rows
	// the bag of words is unsure about (out-of-fold score in [0.1, 0.7],
	// five inner folds) weighted m times the others; m = 0 leaves the
	// others out altogether (PARLEY_SECONDSTAGE_ONLYHARD=1).
	hard, _ := strconv.ParseFloat(os.Getenv("PARLEY_SECONDSTAGE_HARD"), 64)
	onlyHard := os.Getenv("PARLEY_SECONDSTAGE_ONLYHARD") != ""
	innerFold := func(key string) int { return int(crc32.ChecksumIEEE([]byte("inner/"+key)) % 5) }
	train := func(exclude func(string) bool) map[string]secondStage {
		var ex []example
		for _, x := range c.main {
			if !exclude(x.Key) {
				ex = append(ex, x)
			}
		}
		if hard > 0 || onlyHard {
			oof := map[string]float64{}
			for j := 0; j < 5; j++ {
				m, err := trainModel(ctx, c, trainOptions{Recipe: shippedRecipe, MainOnly: true,
					Exclude: func(key string) bool { return exclude(key) || innerFold(key) == j }})
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range ex {
					if innerFold(x.Key) == j {
						oof[x.Key] = m.Score(x.Text).Score
					}
				}
			}
			var hx []example
			nh := 0
			for _, x := range ex {
				if p := oof[x.Key]; p >= 0.1 && p <= 0.7 {
					x.W *= max(hard, 1)
					nh++
				} else if onlyHard {
					continue
				}
				hx = append(hx, x)
			}
			t.Logf("second stage: %d of %d rows unsure", nh, len(ex))
			ex = hx
		}
		out := map[string]secondStage{"char": trainCharCtx(ex, epochs, 11)}
		if os.Getenv("PARLEY_SECONDSTAGE_SPECIALIST") != "" {
			// A specialist: the same model trained only on the sources
			// that separate attacks on persons from attacks on policies
			// and arguments (campaign tweets, LOGIC, seeds).
			var sx []example
			for _, x := range ex {
				if strings.HasPrefix(x.Key, "campaign/") || strings.HasPrefix(x.Key, "logic/") || strings.HasPrefix(x.Key, "seed/") {
					sx = append(sx, x)
				}
			}
			out["spec"] = trainCharCtx(sx, epochs, 13)
		}
		if useCNN {
			out["cnn"] = cnnStage{trainCNN(ex, 1, 7), &extractor{}}
		}
		return out
	}
	type band struct{ lo, hi float64 }
	bands := []band{{0, 1}, {0.1, 0.7}, {0.15, 0.6}, {0.2, 0.5}}
	ws := []float64{0.25, 0.5}
	combine := func(pb, s2, w float64, bd band) float64 {
		if pb < bd.lo || pb > bd.hi {
			return pb
		}
		return sigmoid((1-w)*logitOf(pb) + w*s2)
	}
	// line reports AUC of each combination; for the contrast suite also
	// attacks flagged and criticism passed at the flag threshold.
	line := func(name string, pb []float64, s2 map[string][]float64, ys []bool, th float64) {
		var inBand int
		for _, p := range pb {
			if p >= 0.15 && p <= 0.6 {
				inBand++
			}
		}
		l := fmt.Sprintf("%-34s n=%5d in[.15,.6]=%.2f bow %.4f", name, len(ys), float64(inBand)/float64(len(ys)), rocAUC(pb, ys))
		if th > 0 {
			l += fmt.Sprintf(" (%s)", flagPass(pb, ys, th))
		}
		for _, k := range []string{"char", "cnn", "spec"} {
			s, ok := s2[k]
			if !ok {
				continue
			}
			l += fmt.Sprintf(" | %s alone %.4f", k, rocAUC(s, ys))
			for _, w := range ws {
				for _, bd := range bands {
					m := make([]float64, len(pb))
					for i := range pb {
						m[i] = combine(pb[i], s[i], w, bd)
					}
					l += fmt.Sprintf(" w%.2f[%.2f,%.2f] %.4f", w, bd.lo, bd.hi, rocAUC(m, ys))
					if th > 0 {
						l += " (" + flagPass(m, ys, th) + ")"
					}
				}
			}
		}
		t.Log(l)
	}
	uc, err := loadUCC(dir)
	if err != nil {
		t.Fatal(err)
	}
	type evalSet struct {
		name  string
		texts []string
		ys    []bool
		th    bool
	}
	sets := func(dev bool) []evalSet {
		var out []evalSet
		if dev {
			k := evalSet{name: "kaggle training tenth"}
			for _, x := range c.main {
				if strings.HasPrefix(x.Key, "kaggle/") && devSlice(x.Key) {
					k.texts, k.ys = append(k.texts, x.Text), append(k.ys, x.Y)
				}
			}
			out = append(out, k)
		} else {
			kv, err := loadKaggle(dir, "impermium_verification_labels.csv", false)
			if err != nil {
				t.Fatal(err)
			}
			k := evalSet{name: "kaggle verification"}
			for _, x := range kv {
				k.texts, k.ys = append(k.texts, x.Text), append(k.ys, x.Y)
			}
			out = append(out, k)
		}
		u := evalSet{name: "unhealthy antagonize"}
		h := evalSet{name: "unhealthy hostile"}
		for _, r := range uc {
			if r.Dev == dev {
				u.texts, u.ys = append(u.texts, r.Text), append(u.ys, r.Antagonize)
				h.texts, h.ys = append(h.texts, r.Text), append(h.ys, r.Hostile)
			}
		}
		out = append(out, u, h)
		cs := evalSet{name: "contrast attack vs criticism", th: true}
		for _, cc := range contrastAll() {
			if cc.Dev == dev {
				cs.texts, cs.ys = append(cs.texts, cc.Text), append(cs.ys, cc.Attack)
			}
		}
		return append(out, cs)
	}
	report := func(split string, bow *Model, st map[string]secondStage, sets []evalSet) {
		for _, s := range sets {
			pb := scoreAll(bow, s.texts)
			s2 := map[string][]float64{}
			for k, m := range st {
				for _, x := range s.texts {
					s2[k] = append(s2[k], m.score(x))
				}
			}
			th := 0.0
			if s.th {
				th = bow.FlagThreshold()
			}
			line(split+" "+s.name, pb, s2, s.ys, th)
		}
	}

	start := time.Now()
	st := train(devSlice)
	t.Logf("second stages trained, %d epochs, in %v", epochs, time.Since(start))
	bow, err := trainModel(ctx, c, trainOptions{Recipe: shippedRecipe, Exclude: devSlice, MainOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	report("dev ", bow, st, sets(true))

	// Campaign tweets, 5-fold CV for every model.
	tweets, err := loadCampaign(dir)
	if err != nil {
		t.Fatal(err)
	}
	bowCV, _, err := campaignCV(ctx, dir, tweets, nil)
	if err != nil {
		t.Fatal(err)
	}
	cv := map[string][]float64{}
	for k := 0; k < campaignFolds; k++ {
		for name, m := range train(func(key string) bool {
			uid, ok := strings.CutPrefix(key, "campaign/")
			return ok && campaignFold(uid) == k
		}) {
			if cv[name] == nil {
				cv[name] = make([]float64, len(tweets))
			}
			for i, tw := range tweets {
				if campaignFold(tw.UID) == k {
					cv[name][i] = m.score(tw.Text)
				}
			}
		}
	}
	for _, dev := range []bool{true, false} {
		var pb []float64
		var ys []bool
		s2 := map[string][]float64{}
		for i, tw := range tweets {
			if campaignDev(tw.UID) == dev && (tw.Personal || tw.Policy) {
				pb, ys = append(pb, bowCV[i]), append(ys, tw.Personal)
				for k, v := range cv {
					s2[k] = append(s2[k], v[i])
				}
			}
		}
		split := "test"
		if dev {
			split = "dev "
		}
		line(split+" campaign personal vs policy", pb, s2, ys, 0)
	}

	// Test: the shipped model and second stages trained on every row.
	full := train(func(string) bool { return false })
	report("test", Default(), full, sets(false))

	// Speed of the character model alone, one core.
	var texts []string
	for _, x := range c.main[:2000] {
		texts = append(texts, x.Text)
	}
	cm := full["char"]
	start = time.Now()
	cpu := cpuSeconds()
	for range 5 {
		for _, x := range texts {
			cm.score(x)
		}
	}
	t.Logf("char model scoring: %.0f comments per CPU-second (training-set comments)", float64(5*len(texts))/(cpuSeconds()-cpu))
}

// flagPass gives "flagged attacks / passed criticisms" at th.
func flagPass(p []float64, ys []bool, th float64) string {
	var a, af, c, cp int
	for i, y := range ys {
		if y {
			a++
			if p[i] >= th {
				af++
			}
		} else {
			c++
			if p[i] < th {
				cp++
			}
		}
	}
	return fmt.Sprintf("%.3f/%.3f", frac(af, a), frac(cp, c))
}
