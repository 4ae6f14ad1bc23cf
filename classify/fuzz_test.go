package classify

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/testenv"
)

// FuzzTokenize feeds arbitrary text to the tokenizer and the model: never
// a panic; every token is non-empty valid UTF-8 without ASCII capitals and
// points at bytes of the input in order; the score is in [0, 1]; the
// explanation's spans are sorted, disjoint, on rune boundaries and quote the
// input exactly (the widget highlights them by these offsets).
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", "You are an IDIOT", "i.d.i.o.t", "stuuuupid", "ﬁne Señor Véld", "y\u200bou r 1d10t", "'''", "a\u0301\u0301\u0301",
		strings.Repeat("x", 100), "\xff\xfe", "covid19 2nd"} {
		f.Add(s)
	}
	for _, s := range testenv.HostileStrings(f) {
		f.Add(s)
	}
	m := Default()
	f.Fuzz(func(t *testing.T, text string) {
		var tk tokenizer
		prev := int32(-1)
		for _, tok := range tk.tokenize(text) {
			if tok.start < 0 || tok.start > tok.end || int(tok.end) > len(text) {
				t.Fatalf("token at [%d,%d) outside %d bytes", tok.start, tok.end, len(text))
			}
			if tok.start < prev {
				t.Fatalf("tokens out of order: %d after %d", tok.start, prev)
			}
			prev = tok.start
			w := tk.buf[tok.off : tok.off+tok.n]
			if len(w) == 0 || len(w) > 40+utf8.UTFMax || !utf8.Valid(w) {
				t.Fatalf("token %q", w)
			}
			if strings.ContainsAny(string(w), "ABCDEFGHIJKLMNOPQRSTUVWXYZ \t\n") {
				t.Fatalf("token %q is not normalised", w)
			}
		}
		res := m.Score(text)
		if math.IsNaN(res.Score) || res.Score < 0 || res.Score > 1 {
			t.Fatalf("score %v", res.Score)
		}
		end := 0
		for _, sp := range res.Spans {
			if sp.Start < end || sp.Start >= sp.End || sp.End > len(text) {
				t.Fatalf("span [%d,%d) after %d in %d bytes", sp.Start, sp.End, end, len(text))
			}
			if text[sp.Start:sp.End] != sp.Text {
				t.Fatalf("span [%d,%d) says %q, the text there is %q", sp.Start, sp.End, sp.Text, text[sp.Start:sp.End])
			}
			if utf8.ValidString(text) && (!utf8.RuneStart(text[sp.Start]) || sp.End < len(text) && !utf8.RuneStart(text[sp.End])) {
				t.Fatalf("span [%d,%d) cuts a rune", sp.Start, sp.End)
			}
			end = sp.End
		}
	})
}
