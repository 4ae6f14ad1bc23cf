package moderation

import (
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
	approved := func(n int) []comment.Comment {
		out := make([]comment.Comment, n)
		for i := range out {
			out[i] = comment.Comment{Status: comment.StatusApproved, CreatedAt: now.Add(-time.Duration(i+1) * 24 * time.Hour)}
		}
		return out
	}
	veteran := comment.Commenter{Approved: 5, Verified: true}
	for _, tt := range []struct {
		name   string
		url    string
		cm     comment.Commenter
		hist   []comment.Comment
		want   comment.Status
		wantBy string
	}{
		{"TrustedEarned", "https://news.example/politics/a", veteran, approved(5), comment.StatusApproved, "trusted commenter"},
		{"TrustedUnverified", "https://news.example/politics/a", comment.Commenter{Approved: 5}, approved(5), comment.StatusPending, ""},
		{"TrustedTooFew", "https://news.example/politics/a", comment.Commenter{Approved: 2, Verified: true}, approved(2), comment.StatusPending, ""},
		{"TrustedGranted", "https://news.example/politics/a", comment.Commenter{Standing: comment.StandingTrusted, Verified: true}, nil, comment.StatusApproved, "trusted commenter"},
		{"TrustedLostByRejection", "https://news.example/politics/a", comment.Commenter{Approved: 5, Rejected: 1, Verified: true},
			append([]comment.Comment{{Status: comment.StatusRejected}}, approved(5)...), comment.StatusPending, ""},
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
