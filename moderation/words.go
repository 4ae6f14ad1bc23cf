package moderation

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// fold makes text comparable whatever its case, accents or Unicode form:
// NFKC (so fullwidth and ligature forms meet their plain letters), then
// accents stripped (decompose, drop combining marks), then case folded.
func fold(s string) string {
	if isASCII(s) {
		// Unicode normalisation changes no ASCII text and ASCII has no
		// marks; folding its case is lowering it. Most comments are ASCII,
		// and the transforms cost most of tokenising them.
		return strings.ToLower(s)
	}
	return foldUnicode(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func foldUnicode(s string) string {
	t := transform.Chain(norm.NFKC, norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return cases.Fold().String(out)
}

// Tokens splits text into folded words: runs of letters and digits (an
// apostrophe or hyphen inside a word does not split it, so "don't" is one
// token). Matching on tokens is why "press" does not match "WordPress".
func Tokens(text string) []string {
	var out []string
	var b strings.Builder
	rs := []rune(fold(text))
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r):
			b.WriteRune(r)
		case (r == '\'' || r == '’' || r == '-') && b.Len() > 0 && i+1 < len(rs) && (unicode.IsLetter(rs[i+1]) || unicode.IsDigit(rs[i+1])):
			b.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// Words is a site's list of words or phrases, prepared for matching.
type Words struct {
	entries []wordEntry
}

type wordEntry struct {
	word   string   // as configured, for reports
	tokens []string // folded
}

// NewWords prepares a word list; a phrase ("free money") matches its tokens
// in sequence. Entries with no letters or digits are ignored.
func NewWords(list []string) Words {
	var w Words
	for _, word := range list {
		if toks := Tokens(word); len(toks) > 0 {
			w.entries = append(w.entries, wordEntry{word: strings.TrimSpace(word), tokens: toks})
		}
	}
	return w
}

// Find returns the configured entries found in a text's tokens, each once,
// in list order.
func (w Words) Find(tokens []string) []string {
	var found []string
	for _, e := range w.entries {
		if containsSeq(tokens, e.tokens) {
			found = append(found, e.word)
		}
	}
	return found
}

func containsSeq(tokens, seq []string) bool {
	for i := 0; i+len(seq) <= len(tokens); i++ {
		match := true
		for j, s := range seq {
			if tokens[i+j] != s {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// linkRE finds the start of a link: a scheme or www. not inside a word or
// an email address.
var linkRE = regexp.MustCompile(`(?i)(?:^|[^\w@./-])(?:https?://|www\.)\S`)

// CountLinks counts the links in a comment body: http(s) URLs and bare
// www. addresses, whether written plainly or in Markdown.
func CountLinks(body string) int {
	if !mayHaveLink(body) {
		return 0
	}
	return len(linkRE.FindAllStringIndex(body, -1))
}

// mayHaveLink reports whether a body holds "http" or "www." in any case,
// which every link the expressions find starts with: they have no literal
// prefix to search for, so they step through every byte, and most
// comments have no link.
func mayHaveLink(body string) bool {
	for i := 0; i+4 <= len(body); i++ {
		switch body[i] | 0x20 {
		case 'h':
			if strings.EqualFold(body[i:i+4], "http") {
				return true
			}
		case 'w':
			if strings.EqualFold(body[i:i+4], "www.") {
				return true
			}
		}
	}
	return false
}
