package classify

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
)

// Decision is one moderator decision from the server, for learning from
// moderators: Attack is true when the comment was rejected as ad hominem,
// false when it was approved.
type Decision struct {
	Text   string
	Attack bool
}

// recipe is everything that determines a trained model besides the data.
// Changing any field changes the shipped model's bytes.
type recipe struct {
	Name      string
	Seed      uint64
	Epochs    int
	AuxEpochs int // epochs of the OLID heads (0 = Epochs)
	AuxFolds  int // > 1: tune the OLID B and C decisions on out-of-fold predictions
	MainBits  int
	AuxBits   int
	Alpha     float64
	Beta      float64
	L1        float64
	L2        float64
	KeepMain  int // non-zero weights kept in the main head
	KeepAux   int // and in each OLID head

	WeightKaggle   float64
	WeightOLID     float64
	WeightCampaign float64
	WeightPolicy   float64 // extra weight on policy-only attacks, the hard negatives
	WeightLogic    float64
	WeightSeed     float64
	WeightDecision float64
	OLIDGroup      bool // OLID targeted insults at groups count as attacks

	NB        float64 // > 0: scale features by NB log-count ratios, smoothing NB
	NBFloor   float64 // scale = NBFloor + |r|
	AvgFrom   int     // > 0: the main head's weights are the mean of the weights after epochs AvgFrom..Epochs
	NBAux     bool    // also for the OLID heads
	LexAux    bool    // the OLID heads use the lexicon cues too
	LexSelect bool    // OLID A and B heads: use the lexicon cues where they help on the held-out tenth
	BagB      int     // > 1: the OLID B head is the mean of the weights of BagB fits with different seeds
	BagAux    int     // > 1: likewise for every OLID head
	AuxL1     float64 // > 0: L1 of the OLID heads (0 = L1)
	BalanceB  bool    // OLID B head: weight the classes to equal total weight
	EpochsB   int     // > 0: epochs of the OLID B head
	BagMain   int     // > 1: the main head is the mean of the weights of BagMain fits with different seeds

	noLex   bool // set internally: train a head without the lexicon cues
	noOrder bool // set internally: train a head without the word-order features

	// LicensedOnly trains on the sources that state a license or are
	// Parley's own: the seeds and the moderators' decisions. It leaves out
	// the four training sets that state none (Kaggle insults, OLID, the
	// campaign tweets, LOGIC), and with OLID the OLID heads.
	LicensedOnly bool
}

var shippedRecipe = recipe{
	Name:     "adhominem-v5",
	Seed:     20260301,
	Epochs:   6,
	MainBits: 20,
	AuxBits:  17,
	Alpha:    0.2,
	Beta:     1,
	L1:       0.03,
	L2:       1e-3,
	KeepMain: 200000,
	KeepAux:  50000,

	WeightKaggle:   2,
	WeightOLID:     0.25,
	WeightCampaign: 4,
	WeightPolicy:   4,
	WeightLogic:    1,
	WeightSeed:     3,
	WeightDecision: 3,
	OLIDGroup:      true,

	NB:        1,
	NBFloor:   1,
	LexSelect: true,
}

//go:embed model/seeds.tsv
var seedExamples string

// corpus is the training data, loaded once and featurised once.
type corpus struct {
	dropped  int // training rows left out because a test split has them
	main     []example
	olid     []olidRow
	feats    map[string]*docFeats // by text; filled by featurize
	featList []*docFeats
}

// docFeats are the hashed features of one text, word group first.
type docFeats struct {
	h     []uint32
	nWord int32
	nBase int32 // h[nBase:nLex] are the lexicon cues
	nLex  int32 // h[nLex:nWord] are the word-order features
	nw    float32
	nwB   float32 // word norm without the lexicon cues
	nwO   float32 // word norm without the word-order features
	nwBO  float32 // word norm without either
	nc    float32
}

func parseSeeds(s string) []example {
	var out []example
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, text, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		out = append(out, example{Text: text, Y: label == "1", W: 1, Key: fmt.Sprintf("seed/%d", i)})
	}
	return out
}

// loadCorpus reads every training set. limit > 0 keeps only the first limit
// rows of each source (for fast tests).
func loadCorpus(dir string, rc recipe, decisions []Decision, limit int) (*corpus, error) {
	c := &corpus{}
	cap := func(ex []example) []example {
		if limit > 0 && len(ex) > limit {
			return ex[:limit]
		}
		return ex
	}
	// Deduplicate training against every test split: a row whose text
	// appears word for word in an evaluation set is left out.
	seen, err := testKeys(dir)
	if err != nil {
		return nil, err
	}
	if rc.LicensedOnly {
		add := func(ex []example, w float64) {
			for _, e := range ex {
				if seen[normKey(e.Text)] {
					c.dropped++
					continue
				}
				e.W *= w
				c.main = append(c.main, e)
			}
		}
		add(parseSeeds(seedExamples), rc.WeightSeed)
		var dex []example
		for i, d := range decisions {
			dex = append(dex, example{Text: d.Text, Y: d.Attack, W: 1, Key: fmt.Sprintf("decision/%d", i)})
		}
		add(dex, rc.WeightDecision)
		return c, nil
	}
	add := func(ex []example, w float64) {
		for _, e := range cap(ex) {
			if seen[normKey(e.Text)] {
				c.dropped++
				continue
			}
			e.W *= w
			c.main = append(c.main, e)
		}
	}
	for _, f := range []struct {
		name    string
		doubled bool
	}{{"train.csv", true}, {"test_with_solutions.csv", true}} {
		ex, err := loadKaggle(dir, f.name, f.doubled)
		if err != nil {
			return nil, err
		}
		add(ex, rc.WeightKaggle)
	}
	olid, err := loadOLIDTrain(dir)
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(olid) > limit {
		olid = olid[:limit]
	}
	for _, r := range olid {
		if seen[normKey(r.Text)] {
			c.dropped++
			continue
		}
		c.olid = append(c.olid, r)
	}
	var oex []example
	for _, r := range c.olid {
		y := r.B == "TIN" && (r.C == "IND" || (rc.OLIDGroup && r.C == "GRP"))
		oex = append(oex, example{Text: r.Text, Y: y, W: 1, Key: "olid/" + r.ID})
	}
	add(oex, rc.WeightOLID)
	tweets, err := loadCampaign(dir)
	if err != nil {
		return nil, err
	}
	var cex []example
	for _, t := range tweets {
		w := 1.0
		if t.Policy && !t.Personal {
			w = rc.WeightPolicy
		}
		cex = append(cex, example{Text: t.Text, Y: t.Personal, W: w, Key: "campaign/" + t.UID})
	}
	add(cex, rc.WeightCampaign)
	logic, err := loadFallacies(dir)
	if err != nil {
		return nil, err
	}
	add(logic, rc.WeightLogic)
	add(parseSeeds(seedExamples), rc.WeightSeed)
	var dex []example
	for i, d := range decisions {
		dex = append(dex, example{Text: d.Text, Y: d.Attack, W: 1, Key: fmt.Sprintf("decision/%d", i)})
	}
	add(dex, rc.WeightDecision)
	return c, nil
}

// featurize extracts the features of every distinct text, in parallel;
// the result does not depend on scheduling.
func (c *corpus) featurize(texts []string) {
	if c.feats == nil {
		c.feats = map[string]*docFeats{}
	}
	var todo []string
	for _, t := range texts {
		if _, ok := c.feats[t]; !ok {
			c.feats[t] = nil
			todo = append(todo, t)
		}
	}
	out := make([]*docFeats, len(todo))
	var wg sync.WaitGroup
	const workers = 2
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var e extractor
			for i := w; i < len(todo); i += workers {
				out[i] = featuresOf(&e, todo[i])
			}
		}(w)
	}
	wg.Wait()
	for i, t := range todo {
		c.feats[t] = out[i]
	}
}

func featuresOf(e *extractor, text string) *docFeats {
	e.extract(text)
	d := &docFeats{h: make([]uint32, len(e.feats)), nWord: int32(e.nWord)}
	for i, f := range e.feats {
		d.h[i] = f.h
	}
	nw, nc := groupNorms(e)
	d.nw, d.nc = float32(nw), float32(nc)
	d.nBase = int32(e.nBase)
	d.nLex = int32(e.nLex)
	d.nwB = wordNorm(e.nBase, e.nLex, e.nWord, true, false)
	d.nwO = wordNorm(e.nBase, e.nLex, e.nWord, false, true)
	d.nwBO = wordNorm(e.nBase, e.nLex, e.nWord, true, true)
	return d
}

// ftrl is FTRL-Proximal logistic regression (McMahan et al. 2013) over
// hashed features: per-coordinate learning rates, L1 for sparsity. It runs
// single-threaded over a seeded permutation, so it is deterministic.
type ftrl struct {
	alpha, beta, l1, l2 float64
	mask                uint32
	z, n                []float64
	bz, bn              float64   // bias, no regularisation
	scale               []float64 // per-coordinate feature scale (NB), nil = 1
	noLex               bool      // skip the lexicon cues
	noOrder             bool      // skip the word-order features
	avgBias             float64
	avg                 []float64 // averaged weights, once training is done (nil = the last ones)
}

// nbScale computes the per-bucket scale floor + |log-count ratio| of
// weighted document frequencies among positives and negatives.
func nbScale(s trainSet, mask uint32, a, floor float64) []float64 {
	size := int(mask) + 1
	p := make([]float64, size)
	q := make([]float64, size)
	seen := make([]int32, size)
	var wp, wq float64
	for di, d := range s.docs {
		w := s.w[di]
		cnt := q
		if s.y[di] {
			cnt = p
			wp += w
		} else {
			wq += w
		}
		stamp := int32(di + 1)
		for _, h := range d.h {
			i := h & mask
			if seen[i] == stamp {
				continue
			}
			seen[i] = stamp
			cnt[i] += w
		}
	}
	sc := make([]float64, size)
	lp, lq := math.Log(wp+2*a), math.Log(wq+2*a)
	for i := range sc {
		r := math.Log(p[i]+a) - lp - math.Log(q[i]+a) + lq
		sc[i] = floor + math.Abs(r)
	}
	return sc
}

func newFTRL(rc recipe, bits int) *ftrl {
	return &ftrl{alpha: rc.Alpha, beta: rc.Beta, l1: rc.L1, l2: rc.L2, mask: 1<<bits - 1,
		z: make([]float64, 1<<bits), n: make([]float64, 1<<bits)}
}

func (f *ftrl) w(i uint32) float64 {
	z := f.z[i]
	if math.Abs(z) <= f.l1 {
		return 0
	}
	s := 1.0
	if z < 0 {
		s = -1
	}
	return -(z - s*f.l1) / ((f.beta+math.Sqrt(f.n[i]))/f.alpha + f.l2)
}

// we is the effective weight of coordinate i (scale folded in).
func (f *ftrl) we(i uint32) float64 {
	w := 0.0
	if f.avg != nil {
		w = f.avg[i]
	} else {
		w = f.w(i)
	}
	if f.scale == nil {
		return w
	}
	return w * f.scale[i]
}

func (f *ftrl) bias() float64 {
	if f.avg != nil {
		return f.avgBias
	}
	return -f.bz / ((f.beta + math.Sqrt(f.bn)) / f.alpha)
}

func (f *ftrl) margin(d *docFeats) float64 {
	var sw, sc float64
	for k, h := range d.h {
		if f.skip(d, int32(k)) {
			continue
		}
		w := f.we(h & f.mask)
		if int32(k) < d.nWord {
			sw += w
		} else {
			sc += w
		}
	}
	return f.bias() + sw*float64(f.wordNorm(d)) + sc*float64(d.nc)
}

// skip reports whether feature k of d is one the head does not use.
func (f *ftrl) skip(d *docFeats, k int32) bool {
	return (f.noLex && k >= d.nBase && k < d.nLex) || (f.noOrder && k >= d.nLex && k < d.nWord)
}

func (f *ftrl) wordNorm(d *docFeats) float32 {
	switch {
	case f.noLex && f.noOrder:
		return d.nwBO
	case f.noLex:
		return d.nwB
	case f.noOrder:
		return d.nwO
	}
	return d.nw
}

func (f *ftrl) update(d *docFeats, y bool, weight float64) {
	p := sigmoid(f.margin(d))
	t := 0.0
	if y {
		t = 1
	}
	g := (p - t) * weight
	upd := func(z, n *float64, w, gi float64) {
		sigma := (math.Sqrt(*n+gi*gi) - math.Sqrt(*n)) / f.alpha
		*z += gi - sigma*w
		*n += gi * gi
	}
	upd(&f.bz, &f.bn, f.bias(), g)
	for k, h := range d.h {
		if f.skip(d, int32(k)) {
			continue
		}
		i := h & f.mask
		x := float64(d.nc)
		if int32(k) < d.nWord {
			x = float64(f.wordNorm(d))
		}
		if f.scale != nil {
			x *= f.scale[i]
		}
		upd(&f.z[i], &f.n[i], f.w(i), g*x)
	}
}

// rng is splitmix64: tiny, fixed, and the same on every platform.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

type trainSet struct {
	docs []*docFeats
	y    []bool
	w    []float64
}

func (c *corpus) set(ex []example) trainSet {
	var s trainSet
	for _, e := range ex {
		s.docs = append(s.docs, c.feats[e.Text])
		s.y = append(s.y, e.Y)
		s.w = append(s.w, e.W)
	}
	return s
}

// fitBag trains n heads on the same rows with different seeds and returns
// one whose weights are their mean (n <= 1: a plain fit). Averaging the
// weights of several permutations lowers the variance a single seeded pass
// has on a few thousand rows, at no cost in scoring.
func fitBag(ctx context.Context, rc recipe, bits int, s trainSet, seed uint64, n int, progress func(epoch int)) (*ftrl, error) {
	if n <= 1 {
		return fit(ctx, rc, bits, s, seed, progress)
	}
	var acc []float64
	var accBias float64
	var last *ftrl
	for k := 0; k < n; k++ {
		f, err := fit(ctx, rc, bits, s, seed+uint64(k)*104729, progress)
		if err != nil {
			return nil, err
		}
		if acc == nil {
			acc = make([]float64, len(f.z))
		}
		for i := range acc {
			if f.avg != nil {
				acc[i] += f.avg[i]
			} else {
				acc[i] += f.w(uint32(i))
			}
		}
		accBias += f.bias()
		last = f
	}
	for i := range acc {
		acc[i] /= float64(n)
	}
	last.avg, last.avgBias = acc, accBias/float64(n)
	return last, nil
}

// fit trains one head. progress is called after every epoch.
func fit(ctx context.Context, rc recipe, bits int, s trainSet, seed uint64, progress func(epoch int)) (*ftrl, error) {
	f := newFTRL(rc, bits)
	f.noLex = rc.noLex
	f.noOrder = rc.noOrder
	if rc.NB > 0 {
		f.scale = nbScale(s, f.mask, rc.NB, rc.NBFloor)
	}
	order := make([]int, len(s.docs))
	for i := range order {
		order[i] = i
	}
	r := rng{seed}
	var acc []float64
	nacc := 0
	for ep := 0; ep < rc.Epochs; ep++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i := len(order) - 1; i > 0; i-- {
			j := int(r.next() % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for _, i := range order {
			f.update(s.docs[i], s.y[i], s.w[i])
		}
		if rc.AvgFrom > 0 && ep+1 >= rc.AvgFrom {
			if acc == nil {
				acc = make([]float64, len(f.z)+1)
			}
			for i := range f.z {
				acc[i] += f.w(uint32(i))
			}
			acc[len(f.z)] += f.bias()
			nacc++
		}
		if progress != nil {
			progress(ep + 1)
		}
	}
	if nacc > 0 {
		for i := range acc {
			acc[i] /= float64(nacc)
		}
		f.avg = acc[:len(f.z)]
		f.avgBias = acc[len(f.z)]
	}
	return f, nil
}

// quantize turns trained weights into a head of the model file format,
// keeping only the keep largest weights (by magnitude) to bound the file.
func quantize(name string, f *ftrl, bits int, threshold float64, keep int) *head {
	maxW := 0.0
	ws := make([]float64, len(f.z))
	abs := make([]float64, len(f.z))
	for i := range ws {
		ws[i] = f.we(uint32(i))
		abs[i] = math.Abs(ws[i])
		maxW = math.Max(maxW, abs[i])
	}
	if keep > 0 && keep < len(abs) {
		slices.Sort(abs)
		cut := abs[len(abs)-keep]
		for i, w := range ws {
			if math.Abs(w) < cut {
				ws[i] = 0
			}
		}
	}
	if maxW == 0 {
		maxW = 1
	}
	hh := headHeader{Name: name, Bits: bits, Bias: round6(f.bias()), Scale: round6(maxW), Threshold: round6(threshold), NoLex: f.noLex, NoOrder: f.noOrder && orderFeats}
	h := newHead(hh)
	for i, w := range ws {
		q := math.Round(127 * math.Sqrt(math.Abs(w)/hh.Scale))
		if q > 127 {
			q = 127
		}
		if w < 0 {
			q = -q
		}
		h.codes[i] = int8(q)
	}
	return h
}

// round6 keeps header floats short and stable in JSON.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// holdout reports whether an example is in the 10% calibration slice.
func holdout(key string) bool { return crc32.ChecksumIEEE([]byte(key))%10 == 0 }

// trainOptions control one training run.
type trainOptions struct {
	Recipe   recipe
	Limit    int               // rows per source, 0 = all
	Exclude  func(string) bool // keys left out (cross-validation folds)
	MainOnly bool              // skip the OLID heads (cross-validation)
	Log      io.Writer         // progress display; nil = quiet
}

// trainModel trains the main head (with a calibration pass on a held-out
// slice) and the OLID heads.
func trainModel(ctx context.Context, c *corpus, opt trainOptions) (*Model, error) {
	rc := opt.Recipe
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format, a...)
		}
	}
	var all []example
	for _, e := range c.main {
		if opt.Exclude != nil && opt.Exclude(e.Key) {
			continue
		}
		all = append(all, e)
	}
	texts := make([]string, 0, len(all)+len(c.olid))
	for _, e := range all {
		texts = append(texts, e.Text)
	}
	for _, r := range c.olid {
		texts = append(texts, r.Text)
	}
	logf("features: %d texts\n", len(texts))
	c.featurize(texts)

	var fitPart, calPart []example
	for _, e := range all {
		if holdout(e.Key) {
			calPart = append(calPart, e)
		} else {
			fitPart = append(fitPart, e)
		}
	}

	type job struct {
		name string
		run  func() error
	}
	var (
		mainHead       *head
		plattA, plattB float64
		threshold      float64
		aux            []*head
		mu             sync.Mutex
		done           int
	)
	if len(c.olid) == 0 {
		opt.MainOnly = true // no OLID rows, no OLID heads
	}
	fits := 2
	if !opt.MainOnly {
		fits += 10
		if rc.AuxFolds > 1 {
			fits += 4 * (rc.AuxFolds - 1)
		}
	}
	total := fits * rc.Epochs
	// report draws one progress bar over every epoch of every head.
	report := func(string, int, int) {
		mu.Lock()
		defer mu.Unlock()
		done++
		if done > total {
			done = total
		}
		const width = 30
		bar := strings.Repeat("#", done*width/total) + strings.Repeat(".", width-done*width/total)
		logf("\r  training [%s] %3d%% (%d heads x %d epochs)", bar, done*100/total, fits, rc.Epochs)
	}
	epochs := rc.Epochs
	jobs := []job{{"adhominem", func() error {
		cal, err := fitBag(ctx, rc, rc.MainBits, c.set(fitPart), rc.Seed, rc.BagMain, func(ep int) { report("calibration", ep, epochs) })
		if err != nil {
			return err
		}
		var margins []float64
		var ys []bool
		var ws []float64
		for _, e := range calPart {
			margins = append(margins, cal.margin(c.feats[e.Text]))
			ys = append(ys, e.Y)
			ws = append(ws, e.W)
		}
		plattA, plattB = fitPlatt(margins, ys, ws)
		probs := make([]float64, len(margins))
		for i, m := range margins {
			probs[i] = sigmoid(plattA*m + plattB)
		}
		threshold = bestF1Threshold(probs, ys, ws)
		f, err := fitBag(ctx, rc, rc.MainBits, c.set(all), rc.Seed+1, rc.BagMain, func(ep int) { report("adhominem", ep, epochs) })
		if err != nil {
			return err
		}
		mainHead = quantize(HeadAdHominem, f, rc.MainBits, threshold, rc.KeepMain)
		return nil
	}}}
	if !opt.MainOnly {
		jobs = append(jobs, job{"olid", func() error {
			var err error
			aux, err = trainOLIDHeads(ctx, c, rc, opt.Exclude, func(name string, ep int) { report(name, ep, epochs) })
			return err
		}})
	}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = j.run()
		}()
	}
	wg.Wait()
	logf("\n")
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	m := &Model{}
	m.hdr = fileHeader{
		Recipe:        rc.Name,
		FlagThreshold: round6(threshold),
		PlattA:        round6(plattA),
		PlattB:        round6(plattB),
		WordOrder:     orderFeats,
	}
	m.heads = append([]*head{mainHead}, aux...)
	m.main = mainHead
	for _, h := range m.heads {
		m.hdr.Heads = append(m.hdr.Heads, h.headHeader)
	}
	// The version names the recipe and the weights, so two models with the
	// same version are the same model.
	m.hdr.Version = ""
	enc := m.encode()
	sum := crc32.ChecksumIEEE(enc[:len(enc)-4])
	m.hdr.Version = fmt.Sprintf("%s+%08x", rc.Name, sum)
	m.init()
	return m, nil
}

// trainOLIDHeads trains the level A, B and C heads on the OLID training
// file. Each binary decision threshold (and each level C class offset) is
// tuned for macro-F1 on a held-out tenth, then the head is retrained on all
// rows.
func trainOLIDHeads(ctx context.Context, c *corpus, rc recipe, exclude func(string) bool, progress func(string, int)) ([]*head, error) {
	if rc.AuxEpochs > 0 {
		rc.Epochs = rc.AuxEpochs
	}
	if !rc.NBAux {
		rc.NB = 0
	}
	rc.AvgFrom = 0
	rc.noLex = !rc.LexAux
	rc.noOrder = true // the OLID heads do not use the word-order features
	if rc.AuxL1 > 0 {
		rc.L1 = rc.AuxL1
	}
	type spec struct {
		name string
		keep func(olidRow) bool
		y    func(olidRow) bool
	}
	specs := []spec{
		{HeadOLIDA, func(olidRow) bool { return true }, func(r olidRow) bool { return r.A == "OFF" }},
		{HeadOLIDB, func(r olidRow) bool { return r.A == "OFF" }, func(r olidRow) bool { return r.B == "TIN" }},
		{HeadOLIDCInd, func(r olidRow) bool { return r.B == "TIN" }, func(r olidRow) bool { return r.C == "IND" }},
		{HeadOLIDCGrp, func(r olidRow) bool { return r.B == "TIN" }, func(r olidRow) bool { return r.C == "GRP" }},
		{HeadOLIDCOth, func(r olidRow) bool { return r.B == "TIN" }, func(r olidRow) bool { return r.C == "OTH" }},
	}
	var heads []*head
	calProbs := map[string][]float64{}
	var cRows []olidRow
	for si, sp := range specs {
		var allS trainSet
		var all []olidRow
		for _, r := range c.olid {
			if !sp.keep(r) || (exclude != nil && exclude("olid/"+r.ID)) {
				continue
			}
			all = append(all, r)
			allS.docs, allS.y, allS.w = append(allS.docs, c.feats[r.Text]), append(allS.y, sp.y(r)), append(allS.w, 1)
		}
		hrc := rc
		if sp.name == HeadOLIDB {
			if rc.BalanceB {
				var pos float64
				for _, y := range allS.y {
					if y {
						pos++
					}
				}
				neg := float64(len(allS.y)) - pos
				for i, y := range allS.y {
					if y {
						allS.w[i] = float64(len(allS.y)) / (2 * pos)
					} else {
						allS.w[i] = float64(len(allS.y)) / (2 * neg)
					}
				}
			}
			if rc.EpochsB > 0 {
				hrc.Epochs = rc.EpochsB
			}
		}
		seed := rc.Seed + 100 + uint64(si)
		bag := rc.BagAux
		if sp.name == HeadOLIDB && rc.BagB > bag {
			bag = rc.BagB
		}
		// Out-of-sample probabilities for tuning the decision: on the
		// held-out tenth, or (AuxFolds > 1, levels B and C) on every row
		// from AuxFolds models each trained without that row's fold.
		folds := 1
		if rc.AuxFolds > 1 && sp.name != HeadOLIDA {
			folds = rc.AuxFolds
		}
		oos := func(rc recipe) (cal []olidRow, probs []float64, err error) {
			for k := 0; k < folds; k++ {
				inFold := func(r olidRow) bool {
					if folds == 1 {
						return holdout("olid/" + r.ID)
					}
					return int(crc32.ChecksumIEEE([]byte("olidfold/"+r.ID))%uint32(folds)) == k
				}
				var fitS trainSet
				for i, r := range all {
					if !inFold(r) {
						fitS.docs, fitS.y, fitS.w = append(fitS.docs, allS.docs[i]), append(fitS.y, allS.y[i]), append(fitS.w, allS.w[i])
					}
				}
				f, err := fitBag(ctx, rc, rc.AuxBits, fitS, seed+uint64(k)*7919, bag, func(ep int) { progress(sp.name+"(cal)", ep) })
				if err != nil {
					return nil, nil, err
				}
				for i, r := range all {
					if inFold(r) {
						cal = append(cal, r)
						probs = append(probs, sigmoid(f.margin(allS.docs[i])))
					}
				}
			}
			return cal, probs, nil
		}
		cal, probs, err := oos(hrc)
		if err != nil {
			return nil, err
		}
		var ys []bool
		for _, r := range cal {
			ys = append(ys, sp.y(r))
		}
		rh := hrc
		threshold := 0.0
		switch sp.name {
		case HeadOLIDA, HeadOLIDB:
			var f1 float64
			threshold, f1 = bestMacroF1Threshold(probs, ys)
			if rc.LexSelect && rc.noLex {
				// Model selection on the held-out rows: keep the
				// lexicon cues for this head only if they help there.
				rl := hrc
				rl.noLex = false
				_, lprobs, err := oos(rl)
				if err != nil {
					return nil, err
				}
				if lt, lf1 := bestMacroF1Threshold(lprobs, ys); lf1 > f1+1e-9 {
					rh, threshold = rl, lt
				}
			}
		default:
			calProbs[sp.name] = probs
			cRows = cal
		}
		f, err := fitBag(ctx, rh, rh.AuxBits, allS, seed+1000, bag, func(ep int) { progress(sp.name, ep) })
		if err != nil {
			return nil, err
		}
		heads = append(heads, quantize(sp.name, f, rc.AuxBits, threshold, rc.KeepAux))
	}
	// Level C: argmax of probability + per-class offset; tune the GRP and
	// OTH offsets on the held-out rows by coordinate search for macro-F1.
	gold := make([]string, len(cRows))
	for i, r := range cRows {
		gold[i] = r.C
	}
	offs := tuneOffsets([3][]float64{calProbs[HeadOLIDCInd], calProbs[HeadOLIDCGrp], calProbs[HeadOLIDCOth]}, gold)
	for i, h := range heads[2:] {
		h.Threshold = round6(offs[i])
	}
	return heads, nil
}

var olidCClasses = [3]string{"IND", "GRP", "OTH"}

func argmaxC(p [3]float64, offs [3]float64) string {
	best := 0
	for k := 1; k < 3; k++ {
		if p[k]+offs[k] > p[best]+offs[best] {
			best = k
		}
	}
	return olidCClasses[best]
}

func tuneOffsets(probs [3][]float64, gold []string) [3]float64 {
	var offs [3]float64
	score := func(o [3]float64) float64 {
		pred := make([]string, len(gold))
		for i := range gold {
			pred[i] = argmaxC([3]float64{probs[0][i], probs[1][i], probs[2][i]}, o)
		}
		return macroF1(gold, pred, olidCClasses[:])
	}
	best := score(offs)
	for round := 0; round < 3; round++ {
		for k := 1; k < 3; k++ {
			for step := -40; step <= 40; step++ {
				o := offs
				o[k] = float64(step) / 100
				if s := score(o); s > best+1e-12 {
					best, offs = s, o
				}
			}
		}
	}
	return offs
}

// fitPlatt fits p = sigmoid(a*margin + b) by Newton's method.
func fitPlatt(margins []float64, ys []bool, ws []float64) (a, b float64) {
	a, b = 1, 0
	for it := 0; it < 50; it++ {
		var ga, gb, haa, hab, hbb float64
		for i, m := range margins {
			p := sigmoid(a*m + b)
			t := 0.0
			if ys[i] {
				t = 1
			}
			g := (p - t) * ws[i]
			h := p * (1 - p) * ws[i]
			ga += g * m
			gb += g
			haa += h * m * m
			hab += h * m
			hbb += h
		}
		haa += 1e-6
		hbb += 1e-6
		det := haa*hbb - hab*hab
		if det == 0 {
			break
		}
		da := (hbb*ga - hab*gb) / det
		db := (haa*gb - hab*ga) / det
		a -= da
		b -= db
		if math.Abs(da)+math.Abs(db) < 1e-9 {
			break
		}
	}
	return a, b
}

// bestF1Threshold picks the score threshold (in steps of 0.01) with the
// best weighted F1 on a labelled slice.
func bestF1Threshold(probs []float64, ys []bool, ws []float64) float64 {
	best, bestT := -1.0, 0.5
	for t := 5; t <= 95; t++ {
		th := float64(t) / 100
		var tp, fp, fn float64
		for i, p := range probs {
			switch {
			case p >= th && ys[i]:
				tp += ws[i]
			case p >= th:
				fp += ws[i]
			case ys[i]:
				fn += ws[i]
			}
		}
		if f := 2 * tp / (2*tp + fp + fn); f > best+1e-12 {
			best, bestT = f, th
		}
	}
	return bestT
}

func bestMacroF1Threshold(probs []float64, ys []bool) (threshold, f1 float64) {
	best, bestT := -1.0, 0.5
	gold := make([]string, len(ys))
	for i, y := range ys {
		gold[i] = "0"
		if y {
			gold[i] = "1"
		}
	}
	pred := make([]string, len(ys))
	for t := 2; t <= 98; t++ {
		th := float64(t) / 100
		for i, p := range probs {
			pred[i] = "0"
			if p >= th {
				pred[i] = "1"
			}
		}
		if f := macroF1(gold, pred, []string{"0", "1"}); f > best+1e-12 {
			best, bestT = f, th
		}
	}
	return bestT, best
}

// readDecisionsTSV reads "label<TAB>text" lines (1 = attack), the format of
// `parley model train --decisions FILE`.
func readDecisionsTSV(r io.Reader) ([]Decision, error) {
	var out []Decision
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		label, text, ok := strings.Cut(line, "\t")
		if !ok || (label != "0" && label != "1") {
			return nil, fmt.Errorf("decisions line %d: want \"0|1<TAB>text\"", n)
		}
		out = append(out, Decision{Text: text, Attack: label == "1"})
	}
	return out, sc.Err()
}
