package moderation

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

func TestScreenModes(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	zero := 0
	site := comment.Site{ID: "news", Mode: comment.ModeTrusted, Policy: comment.PolicySettings{HoldNew: &zero,
		Sections: []comment.ModeOverride{{Prefix: "/live/", Mode: comment.ModePostmoderate}},
		Articles: []comment.ModeOverride{{URL: "https://news.example/live/calm", Mode: comment.ModePremoderate}}}}
	approved := func(n int) []comment.Recent {
		out := make([]comment.Recent, n)
		for i := range out {
			out[i] = comment.Recent{Status: comment.StatusApproved, CreatedAt: now.Add(-time.Duration(i+1) * 24 * time.Hour)}
		}
		return out
	}
	veteran := comment.Commenter{Approved: 5, Verified: true}
	for _, tt := range []struct {
		name   string
		url    string
		cm     comment.Commenter
		hist   []comment.Recent
		want   comment.Status
		wantBy string
	}{
		{"TrustedEarned", "https://news.example/politics/a", veteran, approved(5), comment.StatusApproved, "trusted commenter"},
		{"TrustedUnverified", "https://news.example/politics/a", comment.Commenter{Approved: 5}, approved(5), comment.StatusPending, ""},
		{"TrustedTooFew", "https://news.example/politics/a", comment.Commenter{Approved: 2, Verified: true}, approved(2), comment.StatusPending, ""},
		{"TrustedGranted", "https://news.example/politics/a", comment.Commenter{Standing: comment.StandingTrusted, Verified: true}, nil, comment.StatusApproved, "trusted commenter"},
		{"TrustedLostByRejection", "https://news.example/politics/a", comment.Commenter{Approved: 5, Rejected: 1, Verified: true},
			append([]comment.Recent{{Status: comment.StatusRejected}}, approved(5)...), comment.StatusPending, ""},
		{"SectionPostmoderate", "https://news.example/live/game", comment.Commenter{}, nil, comment.StatusApproved, "postmoderate"},
		{"ArticleOverridesSection", "https://news.example/live/calm", veteran, approved(5), comment.StatusPending, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := Policy{}.Screen(Assessment{Score: -1}, Screening{Site: site, ArticleURL: tt.url, Body: "Fine words.", Commenter: tt.cm, Decisions: tt.hist, Now: now})
			if o.Status != tt.want || o.By != tt.wantBy {
				t.Errorf("got %s by %q (holds %+v), want %s by %q", o.Status, o.By, o.Holds, tt.want, tt.wantBy)
			}
		})
	}
}

func TestLinkHostsAndShingles(t *testing.T) {
	got := strings.Join(LinkHosts("See https://Example.BIZ/x, www.news.example/a and [t](http://user@evil.example:8080/p). Not a.b or me@mail.example"), " ")
	if got != "example.biz news.example evil.example" {
		t.Errorf("LinkHosts = %q", got)
	}
	a := Shingles("The council must resign today, everyone knows it.")
	if s := Similarity(a, Shingles("the council MUST resign today; everyone knows it!")); s != 1 {
		t.Errorf("same words, other case and punctuation: %v", s)
	}
	if s := Similarity(a, Shingles("A different comment about the weather entirely.")); s > 0.1 {
		t.Errorf("different texts: %v", s)
	}
	// Five distinct 3-grams (one repeated) against four, two shared: 2/7.
	if s := Similarity(Shingles("alpha beta gamma delta epsilon alpha beta gamma"), Shingles("alpha beta gamma delta zeta eta")); s != 2.0/7 {
		t.Errorf("overlapping texts: %v, want 2/7", s)
	}
}

// The recent texts' shingles come from a cache of two generations: what it
// returns is what Shingles computes, for a text seen lately or long ago.
func TestRecentShinglesCache(t *testing.T) {
	text := func(i int) string { return fmt.Sprintf("comment number %d says the council must resign", i) }
	for round := range 2 {
		for i := range 3 * shingleCacheSize {
			if i%1000 != 0 && round == 1 {
				continue
			}
			if got, want := recentShingles(text(i)), Shingles(text(i)); !slices.Equal(got, want) {
				t.Fatalf("round %d, text %d: cached %v, want %v", round, i, got, want)
			}
		}
	}
	seenShingles.Lock()
	n := len(seenShingles.cur) + len(seenShingles.old)
	seenShingles.Unlock()
	if n > 2*shingleCacheSize {
		t.Errorf("cache holds %d texts, more than two generations of %d", n, shingleCacheSize)
	}
}

func TestDisposableDomains(t *testing.T) {
	if !DisposableDomains().Has("mailinator.com") || !DisposableDomains().Has("x.yopmail.com") || DisposableDomains().Has("example.com") {
		t.Error("built-in list")
	}
	s, err := ReadDomains(strings.NewReader("# mine\nthrowaway.example\n\n"))
	if err != nil || !s.Has("throwaway.example") || s.Has("mailinator.com") {
		t.Errorf("read list: %v", err)
	}
	if _, err := ReadDomains(strings.NewReader("ok.example\nnot a domain\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad list: %v", err)
	}
	o := Policy{Disposable: s}.Screen(Assessment{Score: -1}, Screening{EmailDomain: "throwaway.example", Site: comment.Site{ID: "x"}})
	if len(o.Holds) == 0 || o.Holds[0].Rule != comment.RuleDisposableEmail {
		t.Errorf("a list read from a file is used: %+v", o.Holds)
	}
}

// Velocity by address: the rule reads no more of the address's comments
// than its maximum, and says so without claiming a count.
func TestVelocityByAddress(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	zero := 0
	site := comment.Site{ID: "news", Policy: comment.PolicySettings{HoldNew: &zero}}
	recent := func(n int) []comment.Recent {
		out := make([]comment.Recent, n)
		for i := range out {
			out[i] = comment.Recent{ID: int64(100 - i), CreatedAt: now.Add(-time.Duration(i+1) * time.Minute)}
		}
		return out
	}
	for _, tt := range []struct {
		n    int
		want string
	}{
		{comment.DefaultVelocityMax - 1, ""},
		{comment.DefaultVelocityMax, fmt.Sprintf("more than %d comments from this address in %d minutes", comment.DefaultVelocityMax, comment.DefaultVelocityMinutes)},
	} {
		o := Policy{}.Screen(Assessment{Score: -1}, Screening{Site: site, ArticleURL: "https://news.example/a", Body: "Fine words.", ByAddress: recent(tt.n), Now: now})
		got := ""
		for _, h := range o.Holds {
			if h.Rule == comment.RuleVelocity {
				got = h.Detail
			}
		}
		if got != tt.want {
			t.Errorf("%d earlier comments from the address: velocity hold %q, want %q", tt.n, got, tt.want)
		}
	}
}
