package classify

// Feature extraction: hashed word n-grams, character n-grams inside words,
// and cues for a comment that addresses or characterises a person.
//
// Every feature remembers which tokens produced it, so that the weight it
// contributes can be credited back to those words for explanations.

const (
	groupWord = 0
	groupChar = 1

	charMin = 3
	charMax = 5

	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211

	seedUni   = 0x9e3779b97f4a7c15
	seedBi    = 0xbf58476d1ce4e5b9
	seedTri   = 0x94d049bb133111eb
	seedChar  = 0x2545f4914f6cdd1d
	seedCue   = 0x5851f42d4c957f2d
	seedAddr  = 0x14057b7ef767814f
	seedJudge = 0x7fb5d329728ea185
	seedLex   = 0x3c6ef372fe94f82b
)

// lexCues switches the lexicon cue features on (see lexicon.go).
var lexCues = true

// orderFeats switches the word-order features on (orderFeatures); the
// OLID heads never use them (head NoOrder).
var orderFeats = true

// orderSpan is the longest distance of a skip-bigram (see orderFeatures).
const orderSpan = 3

// feat is one feature occurrence: its 32-bit hash and the tokens [t0, t1]
// it came from.
type feat struct {
	h      uint32
	t0, t1 int32
}

// mix finalises a 64-bit hash (splitmix64) and folds it to 32 bits.
func mix(x uint64) uint32 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return uint32(x) ^ uint32(x>>32)
}

func hashBytes(b []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

func hashString(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// targetKind says whom a token refers to, for the cue features.
type targetKind uint8

const (
	targetNone targetKind = iota
	targetYou
	targetPerson
	targetThing
)

var (
	kindWords = map[string]targetKind{}
	// contractions that carry their own copula: "you're", "he's".
	kindCopula = map[string]targetKind{}
	copulas    = map[string]bool{}
	fillers    = map[string]bool{}
)

func init() {
	for _, w := range []string{"you", "your", "ur", "u", "yours", "yourself", "yourselves", "ya", "yall", "y'all", "thou", "thee", "youre"} {
		kindWords[w] = targetYou
	}
	for _, w := range []string{"he", "she", "him", "his", "her", "hers", "himself", "herself",
		"author", "writer", "journalist", "reporter", "columnist", "editor", "ambassador", "ambassadors",
		"minister", "president", "senator", "politician", "politicians", "guy", "man", "woman", "person",
		"commenter", "poster", "envoy", "diplomat", "leader", "spokesman", "spokeswoman", "chancellor",
		"premier", "candidate", "opponent", "mayor", "governor", "congressman", "congresswoman", "pm",
		"professor", "expert", "pundit", "anchor", "host", "dude", "boy", "girl", "lady", "fellow", "people", "they", "them"} {
		kindWords[w] = targetPerson
	}
	for _, w := range []string{"article", "piece", "argument", "arguments", "policy", "policies", "plan", "idea", "ideas",
		"government", "treaty", "deal", "proposal", "law", "annexation", "statement", "agreement", "column",
		"analysis", "report", "claim", "claims", "position", "strategy", "approach", "decision", "move", "meeting",
		"summit", "talks", "bill", "reform", "budget", "sanctions", "regime", "ministry", "administration",
		"alliance", "nato", "un", "eu", "country", "state", "party", "this", "that", "it", "which", "logic",
		"reasoning", "premise", "conclusion", "headline", "op-ed", "framing", "coverage", "stance", "record", "vote", "invasion", "war"} {
		kindWords[w] = targetThing
	}
	for _, w := range []string{"you're", "you've", "you'd", "you'll", "u're", "youre", "ur"} {
		kindCopula[w] = targetYou
	}
	for _, w := range []string{"he's", "she's", "they're", "he'd", "she'd", "he'll", "she'll"} {
		kindCopula[w] = targetPerson
	}
	for _, w := range []string{"it's", "that's", "this's", "article's", "plan's", "policy's"} {
		kindCopula[w] = targetThing
	}
	for _, w := range []string{"is", "are", "was", "were", "am", "be", "being", "been", "sounds", "seems", "seem",
		"looks", "look", "acts", "act", "remains", "remain", "become", "becomes", "became", "has", "have", "had", "will", "would", "must"} {
		copulas[w] = true
	}
	for _, w := range []string{"a", "an", "the", "such", "so", "just", "nothing", "but", "total", "complete",
		"real", "really", "very", "one", "another", "clearly", "obviously", "utterly", "truly", "absolutely",
		"pure", "simply", "still", "always", "never", "not", "no", "being", "been", "more", "most", "of", "like",
		"some", "kind", "sort", "bit", "little", "pretty", "quite", "too", "even", "also", "only", "definitely", "own"} {
		fillers[w] = true
	}
	buildWordInfo()
}

// extractor turns tokens into features. It is pooled with the tokenizer.
type extractor struct {
	tk    tokenizer
	feats []feat
	th    []uint64 // token hashes
	kinds []targetKind
	lex   []uint8 // lexicon class per token
	// explanation scratch
	contrib []float32
	order   []int32
	nWord   int // feats[:nWord] are word-group features, the rest char
	nBase   int // feats[nBase:nLex] are the lexicon cues
	nLex    int // feats[nLex:nWord] are the word-order features
	// context (context.go): set by ScoreContext, nil otherwise
	cx     *ctxState
	who    []uint8 // per kept token: whoParent, whoAuthor or 0
	kept   []token
	quoted int // tokens left out because they quote the parent
	// noOrder: no word-order features (a model file trained without them)
	noOrder bool
}

// extract tokenises text and fills e.feats. Word-group features come first.
func (e *extractor) extract(text string) []token {
	toks := e.tk.tokenize(text)
	buf := e.tk.buf
	e.feats = e.feats[:0]
	e.th = e.th[:0]
	e.kinds = e.kinds[:0]
	e.lex = e.lex[:0]
	e.who = e.who[:0]
	e.quoted = 0
	if e.cx != nil {
		toks = e.applyContext(toks, buf)
	}
	for _, t := range toks {
		w := buf[t.off : t.off+t.n]
		e.th = append(e.th, hashBytes(w))
		// One map lookup per token (string(w) does not allocate).
		info := wordInfo[string(w)]
		k := targetKind(info)
		if e.cx != nil {
			if who := e.cx.names[string(w)]; who != 0 {
				// The parent's author or the article's author, named:
				// a person, like "the minister" in "the minister is a W".
				k = targetPerson
				e.who = append(e.who, who)
			} else {
				e.who = append(e.who, 0)
			}
		}
		e.kinds = append(e.kinds, k)
		e.lex = append(e.lex, uint8(info>>8))
	}
	n := int32(len(toks))
	for i := int32(0); i < n; i++ {
		h := e.th[i]
		e.feats = append(e.feats, feat{mix(h ^ seedUni), i, i})
		if i+1 < n {
			h2 := h*fnvPrime ^ e.th[i+1]
			e.feats = append(e.feats, feat{mix(h2 ^ seedBi), i, i + 1})
			if i+2 < n {
				h3 := h2*fnvPrime ^ e.th[i+2]
				e.feats = append(e.feats, feat{mix(h3 ^ seedTri), i, i + 2})
			}
		}
	}
	e.cues(toks, buf)
	e.nBase = len(e.feats)
	if lexCues {
		e.lexCues(toks, buf, text)
	}
	e.nLex = len(e.feats)
	if orderFeats && !e.noOrder {
		e.orderFeatures()
	}
	e.nWord = len(e.feats)

	for i, t := range toks {
		w := buf[t.off : t.off+t.n]
		ti := int32(i)
		// "<word>" with boundary markers, n-grams of charMin..charMax bytes.
		L := len(w) + 2
		at := func(k int) byte {
			if k == 0 {
				return '<'
			}
			if k == L-1 {
				return '>'
			}
			return w[k-1]
		}
		if L < charMin {
			continue
		}
		for s := 0; s+charMin <= L; s++ {
			h := uint64(seedChar)
			for k := 0; k < charMax && s+k < L; k++ {
				h ^= uint64(at(s + k))
				h *= fnvPrime
				if k+1 >= charMin {
					e.feats = append(e.feats, feat{mix(h + uint64(k)), ti, ti})
				}
			}
		}
	}
	return toks
}

// wordInfo merges kindCopula (kind | 0x80), kindWords and lexWords (<< 8)
// into one table, built once at init.
var wordInfo = map[string]uint16{}

func buildWordInfo() {
	for w, k := range kindWords {
		wordInfo[w] |= uint16(k)
	}
	for w, k := range kindCopula {
		wordInfo[w] = wordInfo[w]&^0xff | uint16(k|0x80)
	}
	for w, c := range lexWords {
		wordInfo[w] |= uint16(c) << 8
	}
}

// cues adds the features that mark a comment as being about a person:
// "you are (a) W", "the author is (a) W", and the words within four tokens
// of a second-person pronoun. The same judgement word after a thing ("this
// article is one-sided") gets a different feature, so the model can learn
// that calling a person a hack differs from calling a policy reckless.
func (e *extractor) cues(toks []token, buf []byte) {
	n := int32(len(toks))
	for i := int32(0); i < n; i++ {
		k := e.kinds[i]
		if k == targetNone {
			continue
		}
		hasCopula := k&0x80 != 0
		kind := k &^ 0x80
		j := i + 1
		if !hasCopula {
			if j < n && copulas[string(tokText(buf, toks[j]))] {
				hasCopula = true
				j++
			}
		}
		if hasCopula {
			for skip := 0; j < n && skip < 4 && fillers[string(tokText(buf, toks[j]))]; skip++ {
				j++
			}
			if j < n && e.kinds[j] == targetNone {
				e.feats = append(e.feats, feat{mix((e.th[j]^seedJudge)*fnvPrime + uint64(kind)), i, j})
				// A kind-only cue: "<person> is <something>".
				e.feats = append(e.feats, feat{mix(seedJudge + uint64(kind)), i, i})
			}
		}
		if kind == targetYou {
			for d := int32(1); d <= 4 && i+d < n; d++ {
				e.feats = append(e.feats, feat{mix((e.th[i+d] ^ seedAddr) + uint64(d>>1)), i + d, i + d})
			}
			e.feats = append(e.feats, feat{mix(seedCue + 1), i, i})
		}
	}
}

func tokText(buf []byte, t token) []byte { return buf[t.off : t.off+t.n] }

// lexCues adds a feature per lexicon word (its class), and the class
// joined with the nearest preceding reference to a person (a pronoun, a
// person noun, a capitalised name or an @handle within three tokens) or a
// possessive ("his record", "her lies").
func (e *extractor) lexCues(toks []token, buf []byte, text string) {
	n := int32(len(toks))
	lastPerson := int32(-100)
	lastPoss := int32(-100)
	for i := int32(0); i < n; i++ {
		w := tokText(buf, toks[i])
		k := e.kinds[i] &^ 0x80
		if k == targetYou || k == targetPerson {
			lastPerson = i
			switch string(w) {
			case "his", "her", "your", "their", "ur":
				lastPoss = i
			}
		} else if isName(text, toks[i]) {
			lastPerson = i
		}
		c := e.lex[i]
		if c == 0 {
			continue
		}
		e.feats = append(e.feats, feat{mix(seedLex + uint64(c)), i, i})
		if i-lastPerson <= 3 {
			e.feats = append(e.feats, feat{mix(seedLex + 16 + uint64(c)), lastPerson, i})
		}
		if i-lastPoss == 1 {
			e.feats = append(e.feats, feat{mix(seedLex + 32 + uint64(c)), lastPoss, i})
		}
	}
}

// isName reports whether a token was typed as a capitalised word that does
// not start a sentence, or as an @handle: most likely a person's name.
func isName(text string, t token) bool {
	s := int(t.start)
	if s >= len(text) {
		return false
	}
	if s > 0 && text[s-1] == '@' {
		return true
	}
	c := text[s]
	if c < 'A' || c > 'Z' || s == 0 {
		return false
	}
	if t.end-t.start > 1 && text[s+1] >= 'A' && text[s+1] <= 'Z' {
		return false // SHOUTING or an acronym
	}
	// Sentence start: previous non-space byte ends a sentence.
	for j := s - 1; j >= 0; j-- {
		switch text[j] {
		case ' ', '\t', '\n', '"', '\'':
			continue
		case '.', '!', '?':
			return false
		}
		return true
	}
	return false
}

const (
	seedSkip = 0x6a09e667f3bcc909
	seedEdge = 0xbb67ae8584caa73b
)

// orderFeatures adds features that read word order beyond adjacent
// n-grams: skip-bigrams (the first word, the second and their distance,
// 2..orderSpan tokens apart), each word within two tokens of a person or a
// thing reference keyed by that kind, and the first and last word of the
// comment.
func (e *extractor) orderFeatures() {
	n := int32(len(e.th))
	if n == 0 {
		return
	}
	for i := int32(0); i < n; i++ {
		for d := int32(2); d <= orderSpan && i+d < n; d++ {
			e.feats = append(e.feats, feat{mix((e.th[i]*fnvPrime^e.th[i+d])*fnvPrime ^ seedSkip + uint64(d)), i, i + d})
		}
	}
	// A word within two tokens of a reference to a person or a thing,
	// keyed by that kind: "stupid idea", "idea is stupid" vs "stupid man".
	for i := int32(0); i < n; i++ {
		k := e.kinds[i] &^ 0x80
		if k != targetThing && k != targetPerson {
			continue
		}
		for j := i - 2; j <= i+2; j++ {
			if j < 0 || j >= n || j == i || e.kinds[j] != targetNone {
				continue
			}
			e.feats = append(e.feats, feat{mix((e.th[j]^seedEdge)*fnvPrime + uint64(k)), min(i, j), max(i, j)})
		}
	}
	e.feats = append(e.feats, feat{mix(e.th[0] ^ seedEdge), 0, 0})
	e.feats = append(e.feats, feat{mix(e.th[n-1] ^ seedEdge + 1), n - 1, n - 1})
}
