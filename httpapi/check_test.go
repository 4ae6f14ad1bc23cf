package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/moderation"
)

// wordClassifier is a test double for the classifier seam: it scores 0.9
// when the body says "idiot", and marks the word.
type wordClassifier struct{}

func (wordClassifier) Score(body string) (float64, []comment.Span) {
	i := strings.Index(body, "idiot")
	if i < 0 {
		return 0.1, nil
	}
	return 0.9, []comment.Span{{Start: i, End: i + 5, Text: "idiot"}}
}

func (wordClassifier) FlagThreshold() float64 { return 0.5 }

func withClassifier(c *httpapi.Config) { c.Policy = moderation.Policy{Classifier: wordClassifier{}} }

func TestCheck(t *testing.T) {
	e := newEnv(t, withClassifier)
	var got httpapi.CheckResponse
	if resp := e.do("POST", "/api/v1/check", map[string]any{"body": "Only an idiot believes this"}, map[string]string{"Origin": origin}, &got); resp.StatusCode != 200 {
		t.Fatalf("check: %d", resp.StatusCode)
	}
	if !got.Flagged || got.Score != 0.9 || got.Threshold != 0.5 || len(got.Spans) != 1 || got.Spans[0].Text != "idiot" || got.Spans[0].Start != 8 {
		t.Errorf("check = %+v", got)
	}
	e.do("POST", "/api/v1/check", map[string]any{"body": "The policy is reckless", "site": "news"}, nil, &got)
	if got.Flagged || len(got.Spans) != 0 {
		t.Errorf("criticism flagged: %+v", got)
	}
	var p problem
	for _, body := range []map[string]any{{"body": ""}, {"body": "a\u0000"}, {"body": "ok", "site": "nope"}} {
		if resp := e.do("POST", "/api/v1/check", body, nil, &p); resp.StatusCode != 422 || len(p.Errors) != 1 {
			t.Errorf("check %v: %d %+v", body, resp.StatusCode, p)
		}
	}
	// Without a classifier the endpoint says so, and the form goes on without it.
	plain := newEnv(t)
	if resp := plain.do("POST", "/api/v1/check", map[string]any{"body": "x"}, nil, nil); resp.StatusCode != 404 {
		t.Errorf("no classifier: %d, want 404", resp.StatusCode)
	}
}

func TestFlaggedFirstAndAutoReject(t *testing.T) {
	e := newEnv(t, withClassifier)
	calm := e.submit(validSubmission())
	attack := validSubmission()
	attack["body"] = "The ambassador is an idiot."
	flagged := e.submit(attack)
	c, err := e.store.Comment(context.Background(), flagged.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Flagged || c.Score != 0.9 || len(c.Spans) != 1 || c.Spans[0].Text != "idiot" || c.Status != comment.StatusPending {
		t.Errorf("flagged comment stored as %+v", c)
	}
	var queue struct {
		Items []httpapi.QueueItem `json:"items"`
	}
	e.admin("GET", "/api/v1/admin/queue?site=news", nil, &queue)
	if len(queue.Items) != 2 || queue.Items[0].ID != flagged.ID || queue.Items[1].ID != calm.ID || !queue.Items[0].Flagged || len(queue.Items[0].Spans) != 1 {
		t.Errorf("queue = %+v, want the flagged comment first with its spans", queue.Items)
	}
	// A site with an auto-reject threshold rejects at once.
	site, _ := e.store.Site(context.Background(), "news")
	site.AutoRejectThreshold = 0.8
	if err := e.store.UpdateSite(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	rejected := e.submit(attack)
	if rejected.Status != "pending" {
		t.Errorf("auto-rejected answer = %+v, want the usual pending answer", rejected)
	}
	c, _ = e.store.Comment(context.Background(), rejected.ID)
	if c.Status != comment.StatusRejected || c.Reason != comment.ReasonAdHominem || c.DecidedBy != "classifier" {
		t.Errorf("auto-rejected comment stored as status %q reason %q by %q", c.Status, c.Reason, c.DecidedBy)
	}
}
