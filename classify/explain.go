package classify

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

const (
	maxSpanTokens = 6    // at most this many words are highlighted
	spanRelative  = 0.35 // a word must carry this share of the top word's push
	spanMinMargin = 0.08 // and at least this much margin on its own
)

// explain returns, from the per-token credit computed by scoreMain, the words that pushed the main score up most, as spans of the
// original text. Adjacent highlighted words separated only by spaces are
// merged into one span.
func (m *Model) explain(e *extractor, toks []token, text string) []Span {
	if len(toks) == 0 {
		return nil
	}
	contrib := e.contrib
	top := e.order[:0]
	for i, c := range contrib {
		if float64(c)*m.hdr.PlattA > spanMinMargin {
			top = append(top, int32(i))
		}
	}
	e.order = top
	if len(top) == 0 {
		return nil
	}
	slices.SortStableFunc(top, func(a, b int32) int {
		switch {
		case contrib[a] > contrib[b]:
			return -1
		case contrib[a] < contrib[b]:
			return 1
		}
		return int(a - b)
	})
	best := contrib[top[0]]
	k := 0
	for k < len(top) && k < maxSpanTokens && contrib[top[k]] >= best*spanRelative {
		k++
	}
	top = top[:k]
	slices.Sort(top)

	spans := make([]Span, 0, len(top))
	for _, ti := range top {
		t := toks[ti]
		start, end := int(t.start), int(t.end)
		if n := len(spans); n > 0 && spans[n-1].End >= start {
			// Tokens from one chunk can share original runes; keep
			// spans disjoint.
			if end > spans[n-1].End {
				spans[n-1].End = end
			}
			continue
		}
		if n := len(spans); n > 0 && onlySpaces(text[spans[n-1].End:start]) {
			spans[n-1].End = end
			continue
		}
		spans = append(spans, Span{Start: start, End: end})
	}
	for i := range spans {
		spans[i].Text = text[spans[i].Start:spans[i].End]
	}
	return spans
}

func onlySpaces(s string) bool {
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if !unicode.IsSpace(r) {
			return false
		}
		s = s[n:]
	}
	return true
}

// scoreMain is the main head's margin, computed in one pass that also
// credits each feature's weight to the tokens that produced it (for
// explain).
func (m *Model) scoreMain(e *extractor, ntok int) float64 {
	h := m.main
	nw, nc := groupNorms(e)
	contrib := e.contrib[:0]
	for range ntok {
		contrib = append(contrib, 0)
	}
	var sw, sc float64
	norm := nw
	for i, f := range e.feats {
		if i == e.nWord {
			norm = nc
		}
		w := h.book[uint8(h.codes[f.h&h.mask])]
		if w == 0 {
			continue
		}
		if i < e.nWord {
			sw += float64(w)
		} else {
			sc += float64(w)
		}
		if f.t0 == f.t1 {
			contrib[f.t0] += w * float32(norm)
			continue
		}
		share := w * float32(norm) / float32(f.t1-f.t0+1)
		for t := f.t0; t <= f.t1; t++ {
			contrib[t] += share
		}
	}
	e.contrib = contrib
	return h.Bias + sw*nw + sc*nc
}
