package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/moderation"
	"github.com/parleyhq/parley/secret"
)

// attackClassifier scores a body with ATTACK in it 0.9, others 0.1.
type attackClassifier struct{}

func (attackClassifier) Score(body string) (float64, []comment.Span) {
	if strings.Contains(body, "ATTACK") {
		return 0.9, nil
	}
	return 0.1, nil
}
func (attackClassifier) FlagThreshold() float64 { return 0.5 }

func withAttackClassifier(c *httpapi.Config) {
	c.Policy = moderation.Policy{Classifier: attackClassifier{}}
}

func from(email, body string) map[string]any {
	s := validSubmission()
	s["email"], s["body"] = email, body
	return s
}

func (e *env) setPolicy(patch map[string]any) httpapi.PolicyView {
	e.t.Helper()
	var v httpapi.PolicyView
	if resp := e.admin("PATCH", "/api/v1/admin/sites/news/policy", patch, &v); resp.StatusCode != 200 {
		e.t.Fatalf("PATCH policy: %d", resp.StatusCode)
	}
	return v
}

func (e *env) holdsOf(id int64) []comment.Hold {
	e.t.Helper()
	c, err := e.store.Comment(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.Holds
}

func hasHold(hs []comment.Hold, rule, detail string) bool {
	for _, h := range hs {
		if h.Rule == rule && strings.Contains(h.Detail, detail) {
			return true
		}
	}
	return false
}

// Each rule holds a comment and says why; all that fire are kept.
func TestRulesHoldWithReasons(t *testing.T) {
	e := newEnv(t, withAttackClassifier)
	e.setPolicy(map[string]any{"hold_new": 2, "max_links": 1, "blocked_domains": []string{"example.biz"}, "allowed_domains": []string{"news.example"},
		"suspect_words": []string{"moron"}, "email_domains": []map[string]string{{"domain": "spam.example", "action": "hold"}, {"domain": "junk.example", "action": "reject"}},
		"velocity_max": 3, "velocity_minutes": 10, "repeat_minutes": 60, "campaign_commenters": 3, "rejection_rate": 0.3, "rejection_window": 10})

	// The commenter whose last decision was a rejection.
	first := e.submit(from("rej@example.com", "A first try."))
	e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/reject", first.ID), map[string]any{"reason": "off_topic"}, nil)

	for _, tt := range []struct {
		name, email, body, rule, detail string
	}{
		{"Classifier", "c1@example.com", "You ATTACK people.", comment.RuleClassifier, "score 0.90, at or above 0.50"},
		{"NewCommenter", "c2@example.com", "A fine first comment.", comment.RuleNewCommenter, "new commenter, 1 of 2"},
		{"RejectionRate", "rej@example.com", "Trying again.", comment.RuleRejectionRate, "1 of the last 1 decisions rejected, above 30%"},
		{"Links", "c3@example.com", "See https://a.example/1 and https://b.example/2", comment.RuleLinks, "2 links, more than 1"},
		{"LinkDomain", "c4@example.com", "See www.example.biz/deal", comment.RuleLinkDomain, "link to example.biz"},
		{"Words", "c5@example.com", "What a moron.", comment.RuleWords, "suspect word: moron"},
		{"EmailDomain", "c6@spam.example", "Hello.", comment.RuleEmailDomain, "email domain spam.example (hold)"},
		{"DisposableEmail", "c7@mailinator.com", "Hello.", comment.RuleDisposableEmail, "disposable email domain mailinator.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := e.submit(from(tt.email, tt.body))
			c, _ := e.store.Comment(context.Background(), s.ID)
			if c.Status != comment.StatusPending || !hasHold(c.Holds, tt.rule, tt.detail) {
				t.Errorf("status %s, holds %+v; want pending, held by %s %q", c.Status, c.Holds, tt.rule, tt.detail)
			}
		})
	}
	t.Run("AllowedDomainsAreNotLinks", func(t *testing.T) {
		s := e.submit(from("c3@example.com", "See https://news.example/1 and https://www.news.example/2 and https://a.example"))
		if hs := e.holdsOf(s.ID); hasHold(hs, comment.RuleLinks, "") || hasHold(hs, comment.RuleLinkDomain, "") {
			t.Errorf("links to allowed domains counted: %+v", hs)
		}
	})
	t.Run("EmailDomainReject", func(t *testing.T) {
		s := e.submit(from("c8@junk.example", "Hello."))
		c, _ := e.store.Comment(context.Background(), s.ID)
		if c.Status != comment.StatusRejected || c.DecidedBy != comment.RuleEmailDomain || !hasHold(c.Holds, comment.RuleEmailDomain, "(reject)") {
			t.Errorf("got %s by %q, holds %+v", c.Status, c.DecidedBy, c.Holds)
		}
		entries, _ := e.store.Audit(context.Background(), comment.AuditFilter{CommentID: s.ID})
		if len(entries) != 1 || entries[0].Moderator != comment.RuleEmailDomain {
			t.Errorf("audit = %+v, want one entry by email_domain", entries)
		}
	})
	t.Run("Repeat", func(t *testing.T) {
		a := e.submit(from("rep@example.com", "Vote for the bridge plan now, it is the only way forward for the city."))
		b := e.submit(from("rep@example.com", "Vote for the bridge plan now, it is the only way forward for the city!"))
		if hs := e.holdsOf(b.ID); !hasHold(hs, comment.RuleRepeat, fmt.Sprintf("same text as comment %d", a.ID)) {
			t.Errorf("holds %+v", hs)
		}
	})
	t.Run("Campaign", func(t *testing.T) {
		text := "The council must resign today, everyone knows the budget was a disgrace from start to finish."
		e.submit(from("camp1@example.com", text))
		e.submit(from("camp2@example.com", text))
		c := e.submit(from("camp3@example.com", text))
		if hs := e.holdsOf(c.ID); !hasHold(hs, comment.RuleRepeat, "campaign: the same text from 3 commenters") {
			t.Errorf("holds %+v", hs)
		}
	})
	t.Run("Velocity", func(t *testing.T) {
		var last submitted
		for i := range 4 {
			last = e.submit(from("fast@example.com", fmt.Sprintf("Point number %d about an entirely different matter %d.", i, i*7)))
		}
		if hs := e.holdsOf(last.ID); !hasHold(hs, comment.RuleVelocity, "4 comments from this commenter in 10 minutes, more than 3") {
			t.Errorf("holds %+v", hs)
		}
	})
	t.Run("AllThatFired", func(t *testing.T) {
		s := e.submit(from("new@spam.example", "You ATTACK, moron: www.example.biz"))
		hs := e.holdsOf(s.ID)
		for _, rule := range []string{comment.RuleClassifier, comment.RuleNewCommenter, comment.RuleLinkDomain, comment.RuleWords, comment.RuleEmailDomain} {
			if !hasHold(hs, rule, "") {
				t.Errorf("%s missing from %+v", rule, hs)
			}
		}
	})

	// The queue carries the holds, filters by rule and counts them.
	var q struct {
		Items      []httpapi.QueueItem `json:"items"`
		HoldCounts map[string]int      `json:"hold_counts"`
	}
	if resp := e.admin("GET", "/api/v1/admin/queue?site=news&rule=link_domain", nil, &q); resp.StatusCode != 200 {
		t.Fatalf("queue by rule: %d", resp.StatusCode)
	}
	if len(q.Items) != 2 {
		t.Errorf("link_domain queue has %d items, want 2", len(q.Items))
	}
	for _, it := range q.Items {
		if !hasHold(it.Holds, comment.RuleLinkDomain, "example.biz") {
			t.Errorf("item %d in the link_domain queue has holds %+v", it.ID, it.Holds)
		}
	}
	if q.HoldCounts[comment.RuleLinkDomain] != 2 || q.HoldCounts[comment.RuleClassifier] != 2 || q.HoldCounts[comment.RuleVelocity] < 1 {
		t.Errorf("hold counts = %v", q.HoldCounts)
	}
	var p problem
	if resp := e.admin("GET", "/api/v1/admin/queue?site=news&rule=bogus", nil, &p); resp.StatusCode != 400 || fieldsOf(p)[0] != "rule" {
		t.Errorf("unknown rule: %d %+v", resp.StatusCode, p)
	}
}

// Trust is earned by approved comments from a verified email, and lost
// with a rejection.
func TestTrustEarnedThenLost(t *testing.T) {
	e := newEnv(t, withAttackClassifier)
	ctx := context.Background()
	// Every test submission comes from one address: no velocity rule.
	e.setPolicy(map[string]any{"mode": "trusted", "trust_after": 2, "hold_new": 2, "suspect_words": []string{"moron"}, "velocity_max": 0})
	verified, unverified := "ver@example.com", "unver@example.com"
	if err := e.store.MarkVerified(ctx, "news", e.keys.EmailHMAC(verified), comment.VerifiedByEmail, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The verification link proved this browser's key; trust needs it
	// (someone else typing the address has no key).
	key := secret.NewToken()
	if err := e.store.ProveCommenterKey(ctx, "news", e.keys.EmailHMAC(verified), secret.TokenHash(key), time.Now()); err != nil {
		t.Fatal(err)
	}
	from := func(email, body string) map[string]any {
		s := from(email, body)
		if email == verified {
			s["commenter_key"] = key
		}
		return s
	}
	status := func(id int64) comment.Status {
		c, _ := e.store.Comment(ctx, id)
		return c.Status
	}
	for _, email := range []string{verified, unverified} {
		for i := range 2 {
			s := e.submit(from(email, fmt.Sprintf("Earning trust, comment %d, with its own words %d.", i, i*13)))
			if got := status(s.ID); got != comment.StatusPending {
				t.Fatalf("%s comment %d before trust: %s", email, i, got)
			}
			e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", s.ID), nil, nil)
		}
	}
	trusted := e.submit(from(verified, "Now I am trusted and this is published at once."))
	if got := status(trusted.ID); got != comment.StatusApproved {
		t.Errorf("verified commenter with 2 approved: %s, want approved", got)
	}
	if c, _ := e.store.Comment(ctx, trusted.ID); c.DecidedBy != "trusted commenter" {
		t.Errorf("decided by %q", c.DecidedBy)
	}
	if got := status(e.submit(from(unverified, "Not verified, so still waiting.")).ID); got != comment.StatusPending {
		t.Errorf("unverified commenter with 2 approved: %s, want pending", got)
	}
	// A rule still holds a trusted commenter's comment; rejecting it ends the trust.
	held := e.submit(from(verified, "You moron."))
	if got := status(held.ID); got != comment.StatusPending {
		t.Fatalf("trusted commenter's suspect comment: %s, want pending", got)
	}
	e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/reject", held.ID), map[string]any{"reason": "ad_hominem"}, nil)
	after := e.submit(from(verified, "A calm comment after the rejection."))
	c, _ := e.store.Comment(ctx, after.ID)
	if c.Status != comment.StatusPending || len(c.Holds) != 0 {
		t.Errorf("after a rejection: %s holds %+v, want pending with no rule fired (trust lost)", c.Status, c.Holds)
	}
}

// Postmoderate mode (here for one section) publishes at once and says so.
func TestPostmoderateSection(t *testing.T) {
	e := newEnv(t, withAttackClassifier)
	e.setPolicy(map[string]any{"hold_new": 0, "sections": []map[string]string{{"prefix": "/live/", "mode": "postmoderate"}}})
	live := from("live@example.com", "Watching the debate now.")
	live["article_url"] = "https://news.example/live/debate"
	s := e.submit(live)
	if s.Status != "approved" || s.Message != httpapi.PostmoderateMessage {
		t.Errorf("postmoderate answer = %+v", s)
	}
	var th struct {
		Article struct {
			Mode string `json:"mode"`
		} `json:"article"`
		Comments []struct{ ID int64 } `json:"comments"`
	}
	e.do("GET", "/api/v1/threads?site=news&url="+"https://news.example/live/debate", nil, nil, &th)
	if th.Article.Mode != "postmoderate" || len(th.Comments) != 1 || th.Comments[0].ID != s.ID {
		t.Errorf("live thread = %+v", th)
	}
	if got := e.submit(from("live@example.com", "And elsewhere, pending.")); got.Status != "pending" || got.Message != httpapi.PendingMessage {
		t.Errorf("premoderated article answer = %+v", got)
	}
	e.do("GET", "/api/v1/threads?"+threadQuery(""), nil, nil, &th)
	if th.Article.Mode != "premoderate" {
		t.Errorf("mode of a premoderated article = %q", th.Article.Mode)
	}
	attack := from("live2@example.com", "You ATTACK everyone.")
	attack["article_url"] = "https://news.example/live/debate"
	if got := e.submit(attack); got.Status != "pending" {
		t.Errorf("flagged comment in postmoderate mode: %+v", got)
	}
}

// Settings are validated field by field, and each change is audited with
// its old and new value.
func TestPolicyAPI(t *testing.T) {
	e := newEnv(t, withAttackClassifier)
	var p problem
	resp := e.admin("PATCH", "/api/v1/admin/sites/news/policy", map[string]any{"mode": "sometimes", "rejection_rate": 2, "hold_new": -1,
		"blocked_domains": []string{"http://x"}, "sections": []map[string]string{{"prefix": "live", "mode": "postmoderate"}},
		"email_domains": []map[string]string{{"domain": "a.example", "action": "maybe"}}, "flag_threshold": 1.5}, &p)
	if resp.StatusCode != 422 {
		t.Fatalf("bad settings: %d", resp.StatusCode)
	}
	got := strings.Join(fieldsOf(p), " ")
	for _, f := range []string{"mode", "rejection_rate", "hold_new", "blocked_domains", "sections", "email_domains", "flag_threshold"} {
		if !strings.Contains(got, f) {
			t.Errorf("refusal does not name %s: %+v", f, p.Errors)
		}
	}
	if resp := e.admin("PATCH", "/api/v1/admin/sites/news/policy", map[string]any{"bogus": 1}, &p); resp.StatusCode != 400 || fieldsOf(p)[0] != "bogus" {
		t.Errorf("unknown field: %d %+v", resp.StatusCode, p)
	}
	v := e.setPolicy(map[string]any{"mode": "trusted", "hold_new": 3})
	if v.Mode != comment.ModeTrusted || v.HoldNew != 3 || v.TrustAfter != comment.DefaultTrustAfter {
		t.Errorf("view = %+v", v)
	}
	entries, _ := e.store.Audit(context.Background(), comment.AuditFilter{SiteID: "news", Action: comment.ActionSetPolicy})
	if len(entries) != 1 || entries[0].Moderator != "ann" || !strings.Contains(entries[0].Note, "mode: premoderate -> trusted") ||
		!strings.Contains(entries[0].Note, "hold_new: default -> 3") {
		t.Errorf("audit = %+v", entries)
	}
	var test httpapi.PolicyTestResponse
	if resp := e.admin("POST", "/api/v1/admin/sites/news/policy/test", map[string]any{"email": "who@mailinator.com", "article_url": articleURL, "body": "Hello"}, &test); resp.StatusCode != 200 {
		t.Fatalf("test: %d", resp.StatusCode)
	}
	if test.Verdict != "held for a moderator" || !hasHold(test.Holds, comment.RuleDisposableEmail, "mailinator.com") || !hasHold(test.Holds, comment.RuleNewCommenter, "1 of 3") {
		t.Errorf("test = %+v", test)
	}
	if resp := e.admin("POST", "/api/v1/admin/sites/news/policy/test", map[string]any{"email": "x", "article_url": "nope", "body": ""}, &p); resp.StatusCode != 422 || len(p.Errors) != 3 {
		t.Errorf("bad test: %d %+v", resp.StatusCode, p)
	}
	if resp := e.admin("GET", "/api/v1/admin/sites/nope/policy", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown site: %d", resp.StatusCode)
	}
}
