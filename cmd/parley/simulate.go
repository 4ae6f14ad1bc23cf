package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleyhq/parley/classify"
	"github.com/parleyhq/parley/moderation"
	"github.com/parleyhq/parley/moderation/simulate"
)

const simulateUsage = `model simulate [--json] [--short] [--stream test|dev|impermium] [--data DIR] [--model FILE]

Replays labelled news comments that the classifier never trained on (by
default the Globe and Mail comments of the Unhealthy Comments Corpus's test
split, attacks being those labelled hostile), attributed to synthetic commenters with stated
habits and arriving in time order, through the real moderation policy in
each mode and setting, and reports per row: the share of comments that need
a human (review_share), the share of attacks published without a human
seeing them (attacks_unreviewed_share), and the median minutes a good
comment waits (median_wait_minutes). The table is given for the baseline
assumptions and for three variations of them. --short replays only the
baseline on the first 1000 comments (CI). See docs/moderation.md.`

// simulateJSON is the --json output.
type simulateJSON struct {
	Modes []simulate.Row `json:"modes"`
}

func cmdSimulate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "model simulate", simulateUsage)
	asJSON := fs.Bool("json", false, `print {"modes": [{"mode", "settings", "review_share", "attacks_unreviewed_share", "median_wait_minutes"}]}`)
	short := fs.Bool("short", false, "the baseline assumptions on the first 1000 comments only (CI)")
	dataDir := fs.String("data", "", "shared data directory (default: $PARLEY_DATA_DIR or ../shared/data)")
	modelPath := fs.String("model", "", "model file (default: the embedded model)")
	stream := fs.String("stream", "test", "the labelled comments replayed: test or dev (the Unhealthy Comments Corpus's test or validation split; attacks = hostile), or impermium (its verification set, half insults)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("model simulate takes no arguments")
	}
	dir := *dataDir
	if dir == "" {
		if dir, err = classify.FindDataDir(e.getenv); err != nil {
			return err
		}
	}
	var labelled []classify.Labelled
	switch *stream {
	case "dev", "test":
		labelled, err = classify.UnhealthyComments(dir, *stream == "dev")
	case "impermium":
		labelled, err = classify.VerificationComments(dir)
	default:
		return usagef("--stream must be dev, test or impermium")
	}
	if err != nil {
		return fmt.Errorf("model simulate: %w", err)
	}
	m := classify.Default()
	if *modelPath != "" {
		if m, err = classify.LoadFile(*modelPath); err != nil {
			return fmt.Errorf("--model: %w", err)
		}
	}
	data := make([]simulate.Labelled, len(labelled))
	for i, l := range labelled {
		data[i] = simulate.Labelled{Text: l.Text, Attack: l.Attack}
	}
	assumptions := simulate.Variants()
	if *short {
		data, assumptions = data[:min(1000, len(data))], assumptions[:1]
	}
	start := time.Now()
	p := moderation.Policy{Classifier: simulate.Scorer(classifier{m})}
	tables, err := simulate.Simulate(ctx, p, data, assumptions, simulate.Settings())
	if err != nil {
		return err
	}
	if *asJSON {
		var out simulateJSON
		for _, t := range tables {
			for _, r := range t.Rows {
				r.Settings += "; assumptions: " + t.Assumptions.Name
				out.Modes = append(out.Modes, r)
			}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprint(e.stdout, simulate.Markdown(tables))
	fmt.Fprintf(e.stdout, "(%d comments replayed per row, %s)\n", len(data), time.Since(start).Round(time.Second))
	return nil
}
