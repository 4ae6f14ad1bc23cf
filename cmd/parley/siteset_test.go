package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/classify"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/store/sqlite"
)

func TestSiteSet(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	mustRun(t, "", "site", "add", "news", "--origin", "https://news.example", "--db", db)
	out := mustRun(t, "", "site", "set", "news", "--db", db, "--mode", "trusted", "--max-links", "2", "--hold-new", "3", "--trust-after", "4",
		"--rejection-rate", "0.4", "--blocked-domains", "example.biz,spam.example", "--email-domains", "junk.example=reject",
		"--sections", "/live/=postmoderate", "--disposable", "reject")
	for _, want := range []string{"mode trusted", "hold_new = 3", "trust_after = 4", "rejection_rate = 0.4", `blocked_domains = ["example.biz","spam.example"]`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, err := runCmd(t, "", "site", "set", "news", "--db", db, "--rejection-rate", "1.5", "--hold-new", "-2", "--blocked-domains", "http://x.example/",
		"--sections", "live=postmoderate", "--mode", "sometimes")
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, flag := range []string{"--rejection-rate", "--hold-new", "--blocked-domains", "--sections", "--mode"} {
		if !strings.Contains(err.Error()+out, flag) {
			t.Errorf("refusal does not name %s: %v %s", flag, err, out)
		}
	}
	if _, err := runCmd(t, "", "site", "set", "news", "--db", db, "--hold-new", "many"); err == nil {
		t.Error("--hold-new many accepted")
	}
	mustRun(t, "", "site", "set", "news", "--db", db, "--hold-new", "default")
	ctx := context.Background()
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	site, _ := store.Site(ctx, "news")
	if site.Mode != comment.ModeTrusted || site.LinkLimit != 2 || site.Policy.HoldNew != nil || *site.Policy.TrustAfter != 4 ||
		site.Policy.Disposable != "reject" || site.ModeFor("https://news.example/live/x") != comment.ModePostmoderate {
		t.Errorf("site = %+v policy %+v", site, site.Policy)
	}
	entries, _ := store.Audit(ctx, comment.AuditFilter{SiteID: "news", Action: comment.ActionSetPolicy})
	if len(entries) != 2 || !strings.HasPrefix(entries[0].Moderator, "cli:") || !strings.Contains(entries[0].Note, "hold_new: 3 -> default") {
		t.Errorf("audit = %+v", entries)
	}
	help, _ := runCmd(t, "", "site", "set", "-h")
	for _, flag := range []string{"-mode", "-max-links", "-hold-new", "-trust-after", "-rejection-rate", "-velocity-max", "-email-domains", "-sections", "-articles"} {
		if !strings.Contains(help, flag) {
			t.Errorf("site set -h lacks %s", flag)
		}
	}
}

// The CI setting of the simulation: the baseline on 1000 comments, in the
// JSON shape the docs give.
func TestSimulateShort(t *testing.T) {
	if _, err := classify.FindDataDir(os.Getenv); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs the shared data: %v", err)
		}
		t.Skipf("shared data not available: %v", err)
	}
	out := mustRun(t, "", "model", "simulate", "--short", "--json")
	var res struct {
		Modes []map[string]any `json:"modes"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Modes) < 5 {
		t.Fatalf("%d rows", len(res.Modes))
	}
	modes := map[string]bool{}
	for _, m := range res.Modes {
		if len(m) != 5 {
			t.Errorf("row has keys %v, want exactly mode, settings, review_share, attacks_unreviewed_share, median_wait_minutes", m)
		}
		modes[m["mode"].(string)] = true
		for _, k := range []string{"review_share", "attacks_unreviewed_share"} {
			if v, ok := m[k].(float64); !ok || v < 0 || v > 1 {
				t.Errorf("%s = %v", k, m[k])
			}
		}
		if m["mode"] == "premoderate" && m["review_share"].(float64) != 1 {
			t.Errorf("premoderate reviews %v of comments, want all", m["review_share"])
		}
	}
	if !modes["premoderate"] || !modes["trusted"] || !modes["postmoderate"] {
		t.Errorf("modes = %v", modes)
	}
}
