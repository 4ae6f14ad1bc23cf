package moderation

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Hello, WordPress!", []string{"hello", "wordpress"}},
		{"Crème brûlée — CAFÉ", []string{"creme", "brulee", "cafe"}},
		{"ＦＵＬＬＷＩＤＴＨ ﬁne", []string{"fullwidth", "fine"}},
		{"don't stop-gap 'quoted'", []string{"don't", "stop-gap", "quoted"}},
		{"Straße", []string{"strasse"}},
		{"", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Tokens(tt.in)); diff != "" {
			t.Errorf("Tokens(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestWordsFind(t *testing.T) {
	w := NewWords([]string{"press", "Café", "free money", "  ", "idiot"})
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"NotInsideWord", "I blog with WordPress.", nil},
		{"WholeWord", "Freedom of the press matters.", []string{"press"}},
		{"CaseAndAccent", "Meet me at the CAFE", []string{"Café"}},
		{"AccentInBody", "the cafè was closed", []string{"Café"}},
		{"Phrase", "Get FREE   money now", []string{"free money"}},
		{"PhraseSplit", "free the money", nil},
		{"Several", "an idiot in a café, said the press", []string{"press", "Café", "idiot"}},
		{"Plural", "idiots", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, w.Find(Tokens(tt.body))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCountLinks(t *testing.T) {
	for body, want := range map[string]int{
		"no links here": 0,
		"see https://a.example/x and http://b.example": 2,
		"[text](https://a.example) www.c.example/y":    2,
		"email me at a@www.example":                    0,
	} {
		if got := CountLinks(body); got != want {
			t.Errorf("CountLinks(%q) = %d, want %d", body, got, want)
		}
	}
}

type fixedClassifier float64

func (f fixedClassifier) Score(string) (float64, []comment.Span) { return float64(f), nil }
func (f fixedClassifier) FlagThreshold() float64                 { return 0.7 }

func TestInitial(t *testing.T) {
	site := comment.Site{ID: "s", BannedWords: []string{"casino"}, SuspectWords: []string{"moron"}, LinkLimit: 1, AutoRejectThreshold: 0.98}
	auto := site
	auto.Mode = comment.ModeTrusted
	tests := []struct {
		name     string
		site     comment.Site
		score    float64
		standing comment.Standing
		body     string
		want     Outcome
	}{
		{"Pending", site, 0.1, comment.StandingNone, "fine", Outcome{Status: comment.StatusPending}},
		{"TrustedPremoderated", site, 0.1, comment.StandingTrusted, "fine", Outcome{Status: comment.StatusPending}},
		// Until the commenter has proven they own the email (anyone can
		// type a trusted commenter's address), trust publishes nothing.
		{"TrustedUnverifiedHeld", auto, 0.1, comment.StandingTrusted, "fine", Outcome{Status: comment.StatusPending}},
		{"TrustedButFlagged", auto, 0.8, comment.StandingTrusted, "fine", Outcome{Status: comment.StatusPending, Flagged: true}},
		{"TrustedButSuspect", auto, 0.1, comment.StandingTrusted, "what a moron", Outcome{Status: comment.StatusPending, Flagged: true}},
		{"TooManyLinks", site, 0.1, comment.StandingNone, "https://a.example https://b.example", Outcome{Status: comment.StatusPending, Flagged: true}},
		{"BannedWord", auto, 0.1, comment.StandingTrusted, "Best CASINO", Outcome{Status: comment.StatusRejected, Reason: comment.ReasonOther, Note: "banned word", By: "words"}},
		{"AutoReject", site, 0.99, comment.StandingNone, "x", Outcome{Status: comment.StatusRejected, Flagged: true, Reason: comment.ReasonAdHominem, By: "classifier"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Policy{Classifier: fixedClassifier(tt.score)}.Assess(tt.site, tt.body)
			if diff := cmp.Diff(tt.want, a.Initial(tt.site, tt.standing)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("TrustedVerifiedAutoApproved", func(t *testing.T) {
		a := Policy{Classifier: fixedClassifier(0.1)}.Assess(auto, "fine")
		a.EmailVerified = true
		if diff := cmp.Diff(Outcome{Status: comment.StatusApproved, By: "trusted commenter"}, a.Initial(auto, comment.StandingTrusted)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

// fold's ASCII shortcut gives what the full Unicode folding gives, for
// every ASCII byte in every position.
func TestFoldASCIIShortcut(t *testing.T) {
	var all strings.Builder
	for b := 0; b < utf8.RuneSelf; b++ {
		all.WriteByte(byte(b))
	}
	for _, s := range []string{all.String(), "The Council MUST resign, don't you think? WWW.Example.COM/x_y", "", "Ω is not ASCII"} {
		if got, want := fold(s), foldUnicode(s); got != want {
			t.Errorf("fold(%q) = %q, want %q", s, got, want)
		}
	}
}
