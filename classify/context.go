package classify

// Scoring a comment in the context it comes in: the comment it replies to
// (and that comment's author) and the article's author. The shared data
// has no threads, so context does not add learned features; it changes
// what the learned features see:
//
//   - The parent's author or the article's author named in the comment
//     ("Marta is an idiot", "Olsen, you are...") is read as a person, like
//     "the minister" in "the minister is a W", so the person cues fire.
//   - Words quoted from the parent (a run of four or more tokens that
//     appears in the parent) are not the writer's own: they are left out of
//     the features, so quoting an insult in order to object to it is not
//     scored as the insult, and the judgement that follows a quote is
//     scored on its own.
//   - Second person in a reply is aimed at the parent's author: this does
//     not change the score (the "you" cues were learned from comments that
//     mostly are replies, in the Kaggle forum data) but it names the target
//     in the reason line (why.go).
//
// Context is an improvement on top: Score(text) is ScoreContext(text,
// Context{}), and every recorded figure is measured without context.

// Context is what a comment comes in.
type Context struct {
	// Parent is the text of the comment replied to; "" at the top level.
	Parent string
	// ParentAuthor is the display name of the parent's author.
	ParentAuthor string
	// ArticleAuthor is the article's byline, when known.
	ArticleAuthor string
	// PublicFigures is the site's policy for judging a public figure's
	// conduct or competence: PublicFiguresAllowed ("" means allowed) or
	// PublicFiguresAttack.
	PublicFigures string
	// Threshold is the site's flag threshold (0: the model's), below which
	// the "allowed" policy keeps conduct claims.
	Threshold float64
}

// The public-figure policies a site can choose.
const (
	// PublicFiguresAllowed: a claim about what a named public figure did
	// ("has lied about the patrols", "misled parliament", "is incompetent
	// at running the ministry") is criticism and scores below the flag
	// threshold; labels ("a liar", "an idiot", "a traitor") stay attacks.
	PublicFiguresAllowed = "allowed"
	// PublicFiguresAttack: such claims count as attacks and are flagged.
	PublicFiguresAttack = "attack"
)

const (
	whoParent = 1 // the parent's author
	whoAuthor = 2 // the article's author
)

// ctxState is a Context prepared for the extractor.
type ctxState struct {
	reply  bool
	names  map[string]uint8 // normalised name parts -> whoParent / whoAuthor
	quotes map[uint64]bool  // hashes of the parent's 4-token runs
	policy string
}

const quoteRun = 4

func (e *extractor) prepareContext(c Context) {
	if c.Parent == "" && c.ParentAuthor == "" && c.ArticleAuthor == "" && c.PublicFigures == "" {
		e.cx = nil
		return
	}
	cx := &ctxState{reply: c.Parent != "" || c.ParentAuthor != "", names: map[string]uint8{}, policy: c.PublicFigures}
	var tk tokenizer
	addNames := func(name string, who uint8) {
		toks := tk.tokenize(name)
		for _, t := range toks {
			w := string(tokText(tk.buf, t))
			// Name parts that are ordinary words ("Will", "The") or too
			// short would misfire.
			if len(w) < 3 || wordInfo[w] != 0 || fillers[w] || copulas[w] || commonWords[w] {
				continue
			}
			if _, ok := cx.names[w]; !ok {
				cx.names[w] = who
			}
		}
	}
	addNames(c.ParentAuthor, whoParent)
	addNames(c.ArticleAuthor, whoAuthor)
	if c.Parent != "" {
		cx.quotes = map[uint64]bool{}
		toks := tk.tokenize(c.Parent)
		for i := 0; i+quoteRun <= len(toks); i++ {
			cx.quotes[runHash(tk.buf, toks[i:i+quoteRun])] = true
		}
	}
	e.cx = cx
}

func runHash(buf []byte, toks []token) uint64 {
	h := uint64(fnvOffset)
	for _, t := range toks {
		h = h*fnvPrime ^ hashBytes(tokText(buf, t))
	}
	return h
}

// applyContext drops the tokens that quote the parent.
func (e *extractor) applyContext(toks []token, buf []byte) []token {
	if e.cx.quotes == nil || len(toks) < quoteRun {
		return toks
	}
	drop := make([]bool, len(toks))
	any := false
	for i := 0; i+quoteRun <= len(toks); i++ {
		if e.cx.quotes[runHash(buf, toks[i:i+quoteRun])] {
			for k := i; k < i+quoteRun; k++ {
				drop[k] = true
			}
			any = true
		}
	}
	if !any {
		return toks
	}
	e.kept = e.kept[:0]
	for i, t := range toks {
		if drop[i] {
			e.quoted++
			continue
		}
		e.kept = append(e.kept, t)
	}
	return e.kept
}

// commonWords are short function words that are never taken for a name.
var commonWords = map[string]bool{}

func init() {
	for _, w := range []string{"and", "for", "not", "but", "with", "who", "what", "why", "how", "all", "any", "can", "may", "new", "old", "our", "out", "own", "too", "van", "von", "der", "des", "del", "mrs", "miss", "dr", "mr", "ms"} {
		commonWords[w] = true
	}
}

// ScoreContext judges one comment in its context, under the site's
// public-figure policy, and says why when it reads as an attack.
func (m *Model) ScoreContext(text string, c Context) Result {
	e := m.pool.Get().(*extractor)
	defer func() {
		e.cx = nil
		m.pool.Put(e)
	}()
	e.prepareContext(c)
	toks := e.extract(text)
	mg := m.scoreMain(e, len(toks))
	res := Result{Score: m.calibrate(mg)}
	res.Spans = m.explain(e, toks, text)
	res.Why = m.why(e, toks, text)
	m.applyPolicy(e, toks, text, c.PublicFigures, c.Threshold, &res)
	return res
}
