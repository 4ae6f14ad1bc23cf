package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/classify"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/internal/testenv"
)

// A newsroom's moderators reject a local insult the shipped model does not
// know; `model train --decisions` learns it, and `model eval` reports the
// held-out decisions before and after.
func TestModelLearnsFromModerators(t *testing.T) {
	data := testenv.DataDir(t)
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "parley.db")
	store, err := openStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateSite(ctx, comment.Site{ID: "news", Origins: []string{"https://news.example"}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	subjects := []string{"the ambassador", "the minister", "the author", "the envoy", "the mediator", "the senator", "the spokesman", "the editor", "the professor", "the negotiator"}
	verbs := []string{"said", "wrote", "claimed", "argued", "insisted", "admitted"}
	topics := []string{"the strait", "the hotline", "the patrols", "the fishing quotas", "the ceasefire", "the treaty draft"}
	n := 0
	decide := func(body string, attack bool) {
		n++
		c := &comment.Comment{SiteID: "news", ArticleURL: "https://news.example/talks", AuthorName: "Reader", Body: body, HTML: body,
			EmailCipher: []byte{1}, EmailHMAC: []byte{2}, EditTokenHash: []byte(fmt.Sprint(n)), Status: comment.StatusPending, Score: -1, CreatedAt: time.Now()}
		if err := store.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
		d := comment.Decision{CommentID: c.ID, Action: comment.ActionApprove, Moderator: "ann", At: time.Now()}
		if attack {
			d.Action, d.Reason = comment.ActionReject, comment.ReasonAdHominem
		}
		if _, err := store.Decide(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range subjects {
		for j, v := range verbs {
			topic := topics[(i+j)%len(topics)]
			decide(fmt.Sprintf("%s %s that %s was settled, which is a grifflewump move if I ever saw one", s, v, topic), true)
			decide(fmt.Sprintf("%s %s that %s was settled, which the record does not support", s, v, topic), false)
		}
	}
	store.Close()

	probe := "What a grifflewump move, the minister again."
	before := classify.Default().Score(probe).Score
	out := filepath.Join(dir, "newsroom.bin")
	mustRun(t, "", "model", "train", "--decisions", "--db", db, "--data", data, "--out", out)
	m, err := classify.LoadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	after := m.Score(probe).Score
	if after <= before+0.1 {
		t.Errorf("score of the newsroom's insult: before %.3f, after training on decisions %.3f; want a clear rise", before, after)
	}
	report := mustRun(t, "", "model", "eval", "--no-cv", "--json", "--db", db, "--data", data, "--model", out)
	report = report[strings.Index(report, "{"):]
	var ev struct {
		Metrics []struct {
			Dataset string  `json:"dataset"`
			Metric  string  `json:"metric"`
			Value   float64 `json:"value"`
		} `json:"metrics"`
	}
	if err := json.NewDecoder(strings.NewReader(report)).Decode(&ev); err != nil {
		t.Fatalf("eval --json: %v\n%.500s", err, report)
	}
	// The held-out fifth of the decisions, scored before (the embedded
	// model) and after (a model trained without them): the newsroom's
	// insult must score higher after.
	val := func(prefix, metric string) float64 {
		t.Helper()
		for _, r := range ev.Metrics {
			if strings.HasPrefix(r.Dataset, "moderator decisions held out, "+prefix) && strings.HasPrefix(r.Metric, metric) {
				return r.Value
			}
		}
		t.Fatalf("eval shows no %q row for %q: %.2000s", metric, prefix, report)
		return 0
	}
	beforeMean, afterMean := val("before (embedded model)", "mean score of rejected"), val("after (trained without the held-out decisions)", "mean score of rejected")
	beforeRecall, afterRecall := val("before", "recall@"), val("after", "recall@")
	t.Logf("held-out rejected decisions: before mean %.3f, recall %.2f; after mean %.3f, recall %.2f", beforeMean, beforeRecall, afterMean, afterRecall)
	if afterMean < beforeMean+0.1 || afterRecall <= beforeRecall {
		t.Errorf("held-out rejected decisions: before mean %.3f, recall %.2f; after mean %.3f, recall %.2f: want after to beat before", beforeMean, beforeRecall, afterMean, afterRecall)
	}
}
