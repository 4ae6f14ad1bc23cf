package classify

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one normalised word of a comment. Its text lives in the
// tokenizer's shared buffer at [off, off+n); Start and End are byte offsets
// into the original input, so that explanations can point at what the
// commenter actually typed even after NFKC, case folding and de-obfuscation.
type token struct {
	off, n     int32
	start, end int32
}

// nrune is one normalised rune together with the original byte range it
// came from (several normalised runes may share one original rune, e.g. the
// ligature "ﬁ", and combining marks are dropped).
type nrune struct {
	r          rune
	start, end int32
}

// tokenizer holds reusable buffers; it is not safe for concurrent use and is
// pooled by Model.
type tokenizer struct {
	runes  []nrune
	chunk  []nrune
	buf    []byte
	tokens []token
	decomp []byte
}

// leet maps the digits and symbols people use to dodge word filters back to
// the letters they stand for. It applies only inside a word (see
// deobfuscate), so "covid19" and "2nd" keep their digits.
func leet(r rune) (rune, bool) {
	switch r {
	case '0':
		return 'o', true
	case '1', '!', '|':
		return 'i', true
	case '3':
		return 'e', true
	case '4', '@':
		return 'a', true
	case '5', '$':
		return 's', true
	case '7', '+':
		return 't', true
	}
	return r, false
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '\'' || r == '*' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'
	}
	return r == '\'' || r == '*' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// tokenize normalises text and splits it into tokens. The returned slice is
// owned by tk and valid until the next call.
func (tk *tokenizer) tokenize(text string) []token {
	tk.runes = tk.runes[:0]
	tk.buf = tk.buf[:0]
	tk.tokens = tk.tokens[:0]

	// Pass 1: NFKC-compatible decomposition per rune, diacritics removed,
	// lower-cased, typographic apostrophes unified.
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			r := rune(c)
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			tk.runes = append(tk.runes, nrune{r, int32(i), int32(i + 1)})
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		start, end := int32(i), int32(i+size)
		i += size
		switch r {
		case '\u2018', '\u2019', '\u02bc', '\u2032', '`', '\u00b4':
			tk.runes = append(tk.runes, nrune{'\'', start, end})
			continue
		case utf8.RuneError, '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
			// Zero-width characters and soft hyphens are used to split
			// words invisibly; drop them.
			continue
		}
		var tmp [utf8.UTFMax]byte
		n := utf8.EncodeRune(tmp[:], r)
		tk.decomp = norm.NFKD.Append(tk.decomp[:0], tmp[:n]...)
		for j := 0; j < len(tk.decomp); {
			d, dsize := utf8.DecodeRune(tk.decomp[j:])
			j += dsize
			if unicode.Is(unicode.Mn, d) {
				continue
			}
			d = unicode.ToLower(d)
			if d == '\u2019' || d == '\u2018' {
				d = '\''
			}
			tk.runes = append(tk.runes, nrune{d, start, end})
		}
	}

	// Pass 2: whitespace-separated chunks, de-obfuscated, then split into
	// words at punctuation.
	rs := tk.runes
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i].r) {
			i++
			continue
		}
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j].r) {
			j++
		}
		tk.chunkTokens(rs[i:j])
		i = j
	}
	return tk.tokens
}

// chunkTokens handles one whitespace-free chunk.
func (tk *tokenizer) chunkTokens(c []nrune) {
	ch := append(tk.chunk[:0], c...)
	ch = joinSpelledOut(ch)
	deobfuscate(ch)
	tk.chunk = ch
	for i := 0; i < len(ch); {
		if !isWordRune(ch[i].r) || ch[i].r == '\'' || ch[i].r == '*' {
			i++
			continue
		}
		j := i
		for j < len(ch) && isWordRune(ch[j].r) {
			j++
		}
		// Trim trailing apostrophes and asterisks ("dogs'", "word*").
		k := j
		for k > i && (ch[k-1].r == '\'' || ch[k-1].r == '*') {
			k--
		}
		tk.emit(ch[i:k])
		i = j
	}
}

// emit appends one token, collapsing letters stretched to three or more
// repeats ("stuuuupid" → "stupid").
func (tk *tokenizer) emit(w []nrune) {
	if len(w) == 0 {
		return
	}
	off := len(tk.buf)
	var prev rune = -1
	run := 0
	for _, r := range w {
		if r.r == prev {
			run++
		} else {
			run = 1
			prev = r.r
		}
		if run == 3 && unicode.IsLetter(r.r) {
			// Undo the second copy already written: "ooo" → "o".
			_, size := utf8.DecodeLastRune(tk.buf[off:])
			tk.buf = tk.buf[:len(tk.buf)-size]
		}
		if run >= 3 && unicode.IsLetter(r.r) {
			continue
		}
		tk.buf = utf8.AppendRune(tk.buf, r.r)
	}
	if len(tk.buf)-off > 40 {
		// Very long "words" are URLs or keyboard mashing; cap them so
		// that character n-grams stay bounded.
		cut := off + 40
		for cut > off && !utf8.RuneStart(tk.buf[cut]) {
			cut--
		}
		tk.buf = tk.buf[:cut]
	}
	tk.tokens = append(tk.tokens, token{
		off: int32(off), n: int32(len(tk.buf) - off),
		start: w[0].start, end: w[len(w)-1].end,
	})
}

// joinSpelledOut turns "i.d.i.o.t" or "i-d-i-o-t" (single letters separated
// by one punctuation mark, at least three letters) into "idiot".
func joinSpelledOut(ch []nrune) []nrune {
	if len(ch) < 5 {
		return ch
	}
	letters := 0
	for i, r := range ch {
		if i%2 == 0 {
			if !unicode.IsLetter(r.r) && !isLeetDigit(r.r) {
				return ch
			}
			letters++
		} else if r.r != '.' && r.r != '-' && r.r != '_' && r.r != '*' && r.r != ',' {
			return ch
		}
	}
	if letters < 3 {
		return ch
	}
	out := ch[:0]
	for i := 0; i < len(ch); i += 2 {
		out = append(out, ch[i])
	}
	return out
}

func isLeetDigit(r rune) bool {
	_, ok := leet(r)
	return ok && r != '|' && r != '+'
}

// deobfuscate maps leet characters to letters when they sit inside a word:
// a leet rune is replaced when a letter follows its run of leet runes and no
// plain digit precedes that run.
func deobfuscate(ch []nrune) {
	hasLetter := false
	hasLeet := false
	for _, r := range ch {
		if unicode.IsLetter(r.r) {
			hasLetter = true
		} else if _, ok := leet(r.r); ok {
			hasLeet = true
		}
	}
	if !hasLetter || !hasLeet {
		return
	}
	for i := range ch {
		l, ok := leet(ch[i].r)
		if !ok {
			continue
		}
		// Look right for the next non-leet rune: it must be a letter.
		j := i + 1
		for j < len(ch) {
			if _, ok := leet(ch[j].r); !ok {
				break
			}
			j++
		}
		rightLetter := j < len(ch) && unicode.IsLetter(ch[j].r)
		k := i - 1
		for k >= 0 {
			if _, ok := leet(ch[k].r); !ok {
				break
			}
			k--
		}
		if ch[i].r == '@' && k < 0 && i == 0 {
			continue // an @mention, not an "a"
		}
		if rightLetter && (k < 0 || !unicode.IsDigit(ch[k].r)) {
			ch[i].r = l
		}
	}
}
