package classify

// The word-order experiment of round v5: a small convolutional network over
// subword embeddings, trained here in pure Go, compared with and blended
// into the bag-of-words model. It is an experiment, not part of the shipped
// model (see doc.go for the numbers and why it was not kept). Run it with
//
//	PARLEY_EXPERIMENT=wordorder GOMAXPROCS=1 nice go test ./classify/ -run TestWordOrderExperiment -v -timeout 60m
//
// PARLEY_WORDORDER_EPOCHS (default 1), _DIM (24), _FILTERS (48) and _LR (0.05)
// set the network; CI never runs it.

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	cnnBits   = 18 // embedding rows (hashed word, 4-byte prefix, 4-byte suffix)
	cnnWidth  = 3  // tokens per filter window
	cnnMaxTok = 64
)

var (
	cnnDim         = 24   // embedding width (PARLEY_WORDORDER_DIM)
	cnnF           = 48   // filters (PARLEY_WORDORDER_FILTERS)
	cnnLR  float32 = 0.05 // Adagrad learning rate (PARLEY_WORDORDER_LR)
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

type cnn struct {
	emb, conv, cb, out []float32
	ob                 float32
	// Adagrad accumulators
	gEmb, gConv, gCb, gOut []float32
	gOb                    float32
	lr                     float32
	// scratch
	ids [][3]uint32
	x   []float32
	h   []float32
	arg []int
	dx  []float32
}

func newCNN(seed uint64) *cnn {
	r := rng{seed}
	u := func(a float64) float32 { return float32((float64(r.next()>>11)/(1<<53)*2 - 1) * a) }
	c := &cnn{
		emb: make([]float32, (1<<cnnBits)*cnnDim), conv: make([]float32, cnnF*cnnWidth*cnnDim),
		cb: make([]float32, cnnF), out: make([]float32, cnnF), lr: cnnLR,
	}
	for i := range c.emb {
		c.emb[i] = u(0.1)
	}
	a := math.Sqrt(6.0 / float64(cnnWidth*cnnDim+cnnF))
	for i := range c.conv {
		c.conv[i] = u(a)
	}
	for i := range c.out {
		c.out[i] = u(0.1)
	}
	c.gEmb = make([]float32, len(c.emb))
	c.gConv = make([]float32, len(c.conv))
	c.gCb = make([]float32, cnnF)
	c.gOut = make([]float32, cnnF)
	c.h = make([]float32, cnnF)
	c.arg = make([]int, cnnF)
	return c
}

// tokens fills c.ids from the normalised tokens of text.
func (c *cnn) tokens(e *extractor, text string) {
	toks := e.tk.tokenize(text)
	buf := e.tk.buf
	c.ids = c.ids[:0]
	const mask = 1<<cnnBits - 1
	for i, t := range toks {
		if i >= cnnMaxTok {
			break
		}
		w := buf[t.off : t.off+t.n]
		id := [3]uint32{mix(hashBytes(w)^seedUni) & mask, 0, 0}
		if len(w) > 4 {
			id[1] = mix(hashBytes(w[:4])^seedChar) & mask
			id[2] = mix(hashBytes(w[len(w)-4:])^seedCue) & mask
		} else {
			id[1], id[2] = id[0], id[0]
		}
		c.ids = append(c.ids, id)
	}
	n := len(c.ids)
	if cap(c.x) < n*cnnDim {
		c.x = make([]float32, n*cnnDim)
		c.dx = make([]float32, n*cnnDim)
	}
	c.x = c.x[:n*cnnDim]
	for i, id := range c.ids {
		x := c.x[i*cnnDim : (i+1)*cnnDim]
		e0, e1, e2 := c.emb[int(id[0])*cnnDim:], c.emb[int(id[1])*cnnDim:], c.emb[int(id[2])*cnnDim:]
		for d := range x {
			x[d] = e0[d] + e1[d] + e2[d]
		}
	}
}

// forward returns the logit; c.h and c.arg hold the pooled activations.
func (c *cnn) forward() float32 {
	n := len(c.ids)
	z := c.ob
	for f := 0; f < cnnF; f++ {
		best, bp := float32(0), -1
		wf := c.conv[f*cnnWidth*cnnDim : (f+1)*cnnWidth*cnnDim]
		for p := 0; p < n; p++ {
			s := c.cb[f]
			for k := 0; k < cnnWidth; k++ {
				q := p + k - 1
				if q < 0 || q >= n {
					continue
				}
				xs := c.x[q*cnnDim : (q+1)*cnnDim]
				ws := wf[k*cnnDim : (k+1)*cnnDim]
				for d := range xs {
					s += xs[d] * ws[d]
				}
			}
			if s > best {
				best, bp = s, p
			}
		}
		c.h[f], c.arg[f] = best, bp
		z += c.out[f] * best
	}
	return z
}

func adagrad(w, g *float32, grad, lr float32) {
	*g += grad * grad
	*w -= lr * grad / float32(math.Sqrt(float64(*g)+1e-6))
}

func (c *cnn) step(y bool, weight float64) {
	z := c.forward()
	p := 1 / (1 + math.Exp(-float64(z)))
	t := 0.0
	if y {
		t = 1
	}
	g := float32((p - t) * weight)
	n := len(c.ids)
	dx := c.dx[:n*cnnDim]
	for i := range dx {
		dx[i] = 0
	}
	for f := 0; f < cnnF; f++ {
		dh := g * c.out[f]
		adagrad(&c.out[f], &c.gOut[f], g*c.h[f], c.lr)
		if c.arg[f] < 0 || dh == 0 {
			continue
		}
		adagrad(&c.cb[f], &c.gCb[f], dh, c.lr)
		p := c.arg[f]
		base := f * cnnWidth * cnnDim
		for k := 0; k < cnnWidth; k++ {
			q := p + k - 1
			if q < 0 || q >= n {
				continue
			}
			xs := c.x[q*cnnDim : (q+1)*cnnDim]
			ds := dx[q*cnnDim : (q+1)*cnnDim]
			for d := range xs {
				i := base + k*cnnDim + d
				ds[d] += dh * c.conv[i]
				adagrad(&c.conv[i], &c.gConv[i], dh*xs[d], c.lr)
			}
		}
	}
	adagrad(&c.ob, &c.gOb, g, c.lr)
	for i, id := range c.ids {
		ds := dx[i*cnnDim : (i+1)*cnnDim]
		for j, row := range id {
			if j > 0 && row == id[0] {
				continue
			}
			r := int(row) * cnnDim
			for d := range ds {
				if ds[d] != 0 {
					adagrad(&c.emb[r+d], &c.gEmb[r+d], ds[d], c.lr)
				}
			}
		}
	}
}

func (c *cnn) score(e *extractor, text string) float64 {
	c.tokens(e, text)
	return float64(c.forward())
}

func trainCNN(ex []example, epochs int, seed uint64) *cnn {
	c := newCNN(seed)
	var e extractor
	order := make([]int, len(ex))
	for i := range order {
		order[i] = i
	}
	r := rng{seed + 1}
	for ep := 0; ep < epochs; ep++ {
		for i := len(order) - 1; i > 0; i-- {
			j := int(r.next() % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for _, i := range order {
			c.tokens(&e, ex[i].Text)
			c.step(ex[i].Y, math.Min(ex[i].W, 4))
		}
	}
	return c
}

func TestWordOrderExperiment(t *testing.T) {
	if os.Getenv("PARLEY_EXPERIMENT") != "wordorder" {
		t.Skip("set PARLEY_EXPERIMENT=wordorder")
	}
	epochs := envInt("PARLEY_WORDORDER_EPOCHS", 1)
	cnnDim = envInt("PARLEY_WORDORDER_DIM", cnnDim)
	cnnF = envInt("PARLEY_WORDORDER_FILTERS", cnnF)
	if v, err := strconv.ParseFloat(os.Getenv("PARLEY_WORDORDER_LR"), 64); err == nil && v > 0 {
		cnnLR = float32(v)
	}
	t.Logf("epochs %d, dim %d, filters %d, lr %g", epochs, cnnDim, cnnF, cnnLR)
	dir := dataDir(t)
	ctx := context.Background()
	c, err := loadCorpus(dir, shippedRecipe, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var e extractor
	logitOf := func(p float64) float64 {
		p = math.Min(math.Max(p, 1e-7), 1-1e-7)
		return math.Log(p / (1 - p))
	}
	type evalSet struct {
		name  string
		texts []string
		ys    []bool
	}
	report := func(split string, bow *Model, net *cnn, sets []evalSet) {
		for _, s := range sets {
			var b, n []float64
			for _, x := range s.texts {
				b = append(b, logitOf(bow.Score(x).Score))
				n = append(n, net.score(&e, x))
			}
			line := fmt.Sprintf("%-5s %-38s n=%5d  bow %.4f  cnn %.4f", split, s.name, len(s.ys), rocAUC(b, s.ys), rocAUC(n, s.ys))
			for _, w := range []float64{0.1, 0.25, 0.5, 1} {
				m := make([]float64, len(b))
				for i := range b {
					m[i] = b[i] + w*n[i]
				}
				line += fmt.Sprintf("  +%.2f %.4f", w, rocAUC(m, s.ys))
			}
			t.Log(line)
		}
	}
	uc, err := loadUCC(dir)
	if err != nil {
		t.Fatal(err)
	}
	sets := func(dev bool) []evalSet {
		var out []evalSet
		if dev {
			var k evalSet
			k.name = "kaggle training tenth"
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
		u := evalSet{name: "unhealthy comments antagonize"}
		for _, r := range uc {
			if r.Dev == dev {
				u.texts, u.ys = append(u.texts, r.Text), append(u.ys, r.Antagonize)
			}
		}
		out = append(out, u)
		cs := evalSet{name: "contrast suite attack vs criticism"}
		for _, cc := range contrastAll() {
			if cc.Dev == dev {
				cs.texts, cs.ys = append(cs.texts, cc.Text), append(cs.ys, cc.Attack)
			}
		}
		return append(out, cs)
	}

	// Development: both models trained without the Kaggle/OLID dev tenth.
	start := time.Now()
	var devTrain []example
	for _, x := range c.main {
		if !devSlice(x.Key) {
			devTrain = append(devTrain, x)
		}
	}
	net := trainCNN(devTrain, epochs, 7)
	t.Logf("cnn trained on %d rows, %d epochs, in %v", len(devTrain), epochs, time.Since(start))
	bow, err := trainModel(ctx, c, trainOptions{Recipe: shippedRecipe, Exclude: devSlice, MainOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	report("dev", bow, net, sets(true))

	// Campaign tweets, 5-fold CV for both models, dev and test halves.
	tweets, err := loadCampaign(dir)
	if err != nil {
		t.Fatal(err)
	}
	bowCV, _, err := campaignCV(ctx, dir, tweets, nil)
	if err != nil {
		t.Fatal(err)
	}
	cnnCV := make([]float64, len(tweets))
	for k := 0; k < campaignFolds; k++ {
		var tr []example
		for _, x := range c.main {
			uid, ok := strings.CutPrefix(x.Key, "campaign/")
			if !ok || campaignFold(uid) != k {
				tr = append(tr, x)
			}
		}
		fn := trainCNN(tr, epochs, 7)
		for i, tw := range tweets {
			if campaignFold(tw.UID) == k {
				cnnCV[i] = fn.score(&e, tw.Text)
			}
		}
	}
	for _, dev := range []bool{true, false} {
		var b, n []float64
		var ys []bool
		for i, tw := range tweets {
			if campaignDev(tw.UID) == dev && (tw.Personal || tw.Policy) {
				b, n, ys = append(b, logitOf(bowCV[i])), append(n, cnnCV[i]), append(ys, tw.Personal)
			}
		}
		line := fmt.Sprintf("dev=%v campaign personal vs policy n=%d  bow %.4f  cnn %.4f", dev, len(ys), rocAUC(b, ys), rocAUC(n, ys))
		for _, w := range []float64{0.1, 0.25, 0.5, 1} {
			m := make([]float64, len(b))
			for i := range b {
				m[i] = b[i] + w*n[i]
			}
			line += fmt.Sprintf("  +%.2f %.4f", w, rocAUC(m, ys))
		}
		t.Log(line)
	}

	// Test: the shipped model and a network trained on every row.
	full := trainCNN(c.main, epochs, 7)
	report("test", Default(), full, sets(false))

	// Speed of the network alone, one core.
	var texts []string
	for _, x := range c.main[:2000] {
		texts = append(texts, x.Text)
	}
	start = time.Now()
	cpu := cpuSeconds()
	for range 5 {
		for _, x := range texts {
			full.score(&e, x)
		}
	}
	t.Logf("cnn scoring: %.0f comments/s wall-clock, %.0f per CPU-second (training-set comments)", float64(5*len(texts))/time.Since(start).Seconds(), float64(5*len(texts))/(cpuSeconds()-cpu))
}
