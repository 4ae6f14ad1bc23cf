package dashboard

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWordDiff(t *testing.T) {
	for _, tt := range []struct {
		name, a, b string
		want       []diffPart
	}{
		{"Same", "a b", "a b", []diffPart{{"", "a b"}}},
		{"WordChanged", "the cat sat", "the dog sat", []diffPart{{"", "the "}, {"-", "cat"}, {"+", "dog"}, {"", " sat"}}},
		{"Appended", "Typo here.", "Typo here. Fixed.", []diffPart{{"", "Typo here."}, {"+", " Fixed."}}},
		{"FromEmpty", "", "new", []diffPart{{"+", "new"}}},
		{"NonASCII", "Café noir", "Café\u3000crème", []diffPart{{"", "Café"}, {"-", " noir"}, {"+", "\u3000crème"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := wordDiff(tt.a, tt.b)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("wordDiff(%q, %q) (-want +got):\n%s", tt.a, tt.b, d)
			}
			var old, cur strings.Builder
			for _, p := range got {
				if p.Op != "+" {
					old.WriteString(p.Text)
				}
				if p.Op != "-" {
					cur.WriteString(p.Text)
				}
			}
			if old.String() != tt.a || cur.String() != tt.b {
				t.Errorf("the parts give back %q and %q", old.String(), cur.String())
			}
		})
	}
	long := strings.Repeat("w ", maxDiffTokens)
	if got := wordDiff(long, "short"); len(got) != 2 || got[0].Op != "-" || got[1].Op != "+" {
		t.Errorf("a long text is not shown as replaced: %d parts", len(got))
	}
}
