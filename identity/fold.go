package identity

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Skeleton folds a name to the form in which look-alikes meet: compatibility
// forms (NFKC: full-width letters, ligatures, mathematical alphabets) and
// case are folded, accents and invisible characters dropped, Cyrillic and
// Greek letters that look Latin mapped to the Latin ones, the digits 0 and 1
// and capital I mapped to o and l, "rn" to "m" and "vv" to "w", and runs of
// spaces, dots, dashes and underscores made one space. Two names with the
// same skeleton would be taken for each other on a page.
//
// It is a small cousin of the skeleton of Unicode TS #39, for the scripts
// Parley's readers write names in; it does not claim to cover every
// confusable of that standard.
func Skeleton(name string) string {
	s := norm.NFKD.String(name)
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r), unicode.Is(unicode.Cf, r),
			unicode.Is(unicode.Variation_Selector, r):
			continue // accents, zero-width joiners, soft hyphens, selectors
		}
		if m, ok := upperConfusables[r]; ok {
			r = m
		}
		r = unicode.ToLower(r)
		if m, ok := lowerConfusables[r]; ok {
			r = m
		}
		if unicode.IsSpace(r) || r == '.' || r == '-' || r == '_' || r == '\u00b7' {
			r = ' '
		}
		b.WriteRune(r)
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	out = strings.ReplaceAll(out, "rn", "m")
	out = strings.ReplaceAll(out, "vv", "w")
	return out
}

// upperConfusables are capitals that look like another script's capital
// (or a digit like a letter) before case is folded, where lower case would
// part them: Cyrillic Н looks like H, but its lower case н like nothing Latin.
var upperConfusables = map[rune]rune{
	// Cyrillic capitals.
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P',
	'С': 'C', 'Т': 'T', 'Х': 'X', 'У': 'Y', 'І': 'l', 'Ј': 'J', 'Ѕ': 'S', 'Ԛ': 'Q', 'Ԝ': 'W', 'Ӏ': 'l',
	// Greek capitals.
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'l', 'Κ': 'K', 'Μ': 'M',
	'Ν': 'N', 'Ο': 'O', 'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
	// Latin capital I and the digits and signs drawn like l and O.
	'I': 'l', '1': 'l', '|': 'l', 'ǀ': 'l', '0': 'O',
}

// lowerConfusables are small letters (after case folding) that look like a
// Latin small letter.
var lowerConfusables = map[rune]rune{
	// Cyrillic.
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p',
	'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd',
	'ԛ': 'q', 'ԝ': 'w', 'һ': 'h', 'ӏ': 'l', 'ү': 'y', 'ɡ': 'g',
	// Greek.
	'α': 'a', 'β': 'b', 'ε': 'e', 'ζ': 'z', 'η': 'n', 'ι': 'i', 'κ': 'k', 'μ': 'u',
	'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ϲ': 'c', 'ϳ': 'j',
	// Latin look-alikes.
	'ı': 'i', 'ł': 'l', 'ø': 'o', 'đ': 'd', 'ħ': 'h', 'ŀ': 'l', 'ſ': 's',
}
