package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docExamples are the messages docs/email.md shows, rendered from the
// built-in templates with these payloads (what desk queues, plus what the
// sender adds: site, unsubscribe_url, appeal_url, replies).
var docExamples = []struct {
	name, topic, lang string
	data              map[string]any
}{
	{"decision-published", "decision", "en", map[string]any{"published": true, "article_title": "Talks resume in Geneva",
		"article_url": "https://news.example/talks", "excerpt": "A hotline is a start."}},
	{"decision-rejected", "decision", "en", map[string]any{"published": false, "article_title": "Talks resume in Geneva",
		"article_url": "https://news.example/talks", "excerpt": "You are an idiot.", "reason": "ad_hominem",
		"note": "Argue with the point, not the person.", "appeal_url": "https://comments.news.example/mail/appeal?t=YTo0Mg.q3Jm…"}},
	{"decision-rejected-fr", "decision", "fr", map[string]any{"published": false, "article_title": "Reprise des négociations",
		"article_url": "https://news.example/negociations", "excerpt": "Hors sujet, peut-être.", "reason": "off_topic",
		"appeal_url": "https://comments.news.example/mail/appeal?t=YTo0Mw.Zx8r…"}},
	{"decision-removed", "decision", "en", map[string]any{"published": false, "removed": true, "article_title": "Talks resume in Geneva",
		"article_url": "https://news.example/talks", "excerpt": "The mayor took a bribe in 2019.", "reason": "legal",
		"note": "A court order names this comment.", "appeal_url": "https://comments.news.example/mail/appeal?t=YTo0NA.Hk2w…"}},
	{"reply", "reply", "en", map[string]any{"article_title": "Talks resume in Geneva", "article_url": "https://news.example/talks",
		"excerpt": "A hotline is a start.", "replies": []map[string]any{{"name": "fay", "excerpt": "They did not."}, {"name": "gus", "excerpt": "Sometimes they did."}}}},
	{"digest", "digest", "en", map[string]any{"pending": 3, "flagged": 1, "reported": 0, "sites": []string{"news"}, "interval": "hourly",
		"queue_url": "https://comments.news.example/admin/",
		"oldest":    map[string]any{"site": "news", "name": "ada", "excerpt": "A hotline is a start.", "age": "2 hours"},
		"items": []map[string]any{{"flagged": true, "site": "news", "name": "cy", "age": "90 minutes", "excerpt": "You are an idiot and a liar."},
			{"site": "news", "name": "ada", "age": "2 hours", "excerpt": "A hotline is a start."}}}},
	{"alert", "alert", "en", map[string]any{"site": "news", "age": "45 minutes", "limit_minutes": 30, "pending": 12, "queue_url": "https://comments.news.example/admin/"}},
}

// TestDocsExamples: every example message in docs/email.md is what the
// templates make.
func TestDocsExamples(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "docs", "email.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	var tm Templates
	for _, ex := range docExamples {
		data := map[string]any{"site": "news", "unsubscribe_url": "https://comments.news.example/mail/unsubscribe?t=dTpjOm5ld3M6…"}
		for k, v := range ex.data {
			data[k] = v
		}
		subj, text, _, err := tm.Render(ex.topic, ex.lang, data)
		if err != nil {
			t.Fatal(err)
		}
		block := "Subject: " + subj + "\n\n" + strings.TrimRight(text, "\n") + "\n"
		if !strings.Contains(doc, block) {
			t.Errorf("docs/email.md lacks the %s example, which the templates make as:\n%s", ex.name, block)
		}
	}
}
