package httpapi_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/moderation"
)

// contextClassifier is a test double that reads context: "idiot" scores
// 0.9, and the reason line names the person replied to when there is a
// parent. It records the contexts it was given.
type contextClassifier struct {
	wordClassifier
	mu   sync.Mutex
	seen []moderation.Context
	pf   []string
}

func (c *contextClassifier) ScoreContext(body string, cx moderation.Context, publicFigures string, threshold float64) (float64, []comment.Span, string) {
	c.mu.Lock()
	c.seen = append(c.seen, cx)
	c.pf = append(c.pf, publicFigures)
	c.mu.Unlock()
	s, spans := c.Score(body)
	why := "insult aimed at the person addressed"
	if cx.Parent != "" {
		why = "insult aimed at the person replied to"
	}
	return s, spans, why
}

func TestCheckAndQueueWhyInContext(t *testing.T) {
	cls := &contextClassifier{}
	e := newEnv(t, func(c *httpapi.Config) { c.Policy = moderation.Policy{Classifier: cls} })
	ctx := context.Background()
	parent := e.submit(validSubmission())
	if resp := e.admin("POST", "/api/v1/admin/comments/"+itoa(parent.ID)+"/approve", map[string]any{}, nil); resp.StatusCode != 200 {
		t.Fatalf("approve: %d", resp.StatusCode)
	}

	// /check with parent_id: scored with the parent, and says why.
	var got httpapi.CheckResponse
	if resp := e.do("POST", "/api/v1/check", map[string]any{"body": "you idiot", "site": "news", "parent_id": parent.ID}, map[string]string{"Origin": origin}, &got); resp.StatusCode != 200 {
		t.Fatalf("check: %d", resp.StatusCode)
	}
	if !got.Flagged || got.Why != "insult aimed at the person replied to" {
		t.Errorf("check with parent = %+v", got)
	}
	last := cls.seen[len(cls.seen)-1]
	if last.ParentAuthor != "Ada Lovelace" || !strings.Contains(last.Parent, "patrol question") {
		t.Errorf("classifier saw context %+v", last)
	}
	// Not flagged: no reason line.
	e.do("POST", "/api/v1/check", map[string]any{"body": "a fair point", "parent_id": parent.ID}, nil, &got)
	if got.Flagged || got.Why != "" {
		t.Errorf("calm reply: %+v", got)
	}
	// Bad parent ids name the field.
	var p problem
	for _, id := range []any{0, -3, 999999, "x"} {
		resp := e.do("POST", "/api/v1/check", map[string]any{"body": "you idiot", "parent_id": id}, nil, &p)
		if resp.StatusCode/100 != 4 {
			t.Errorf("parent_id %v: status %d", id, resp.StatusCode)
		}
		if resp.StatusCode == 422 && (len(p.Errors) != 1 || p.Errors[0].Field != "parent_id") {
			t.Errorf("parent_id %v: %+v", id, p)
		}
	}

	// A reply is scored at submission with its parent; the queue says why.
	reply := validSubmission()
	reply["body"] = "you idiot, read it again"
	reply["parent_id"] = parent.ID
	r := e.submit(reply)
	var queue struct {
		Items []httpapi.QueueItem `json:"items"`
	}
	e.admin("GET", "/api/v1/admin/queue?site=news", nil, &queue)
	if len(queue.Items) == 0 || queue.Items[0].ID != r.ID || queue.Items[0].Why != "insult aimed at the person replied to" {
		t.Errorf("queue = %+v, want the reply first with its reason", queue.Items)
	}
	top := validSubmission()
	top["body"] = "what an idiot"
	e.submit(top)
	e.admin("GET", "/api/v1/admin/queue?site=news", nil, &queue)
	for _, it := range queue.Items {
		if it.Flagged && it.Why == "" || !it.Flagged && it.Why != "" {
			t.Errorf("queue item %d: flagged %v, why %q", it.ID, it.Flagged, it.Why)
		}
	}
	// The site's public-figure policy reaches the classifier.
	site, _ := e.store.Site(ctx, "news")
	site.PublicFigures = comment.PublicFiguresAttack
	if err := e.store.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	e.do("POST", "/api/v1/check", map[string]any{"body": "x", "site": "news"}, map[string]string{"Origin": origin}, &got)
	if pf := cls.pf[len(cls.pf)-1]; pf != comment.PublicFiguresAttack {
		t.Errorf("public-figure policy passed to the classifier: %q", pf)
	}
}
