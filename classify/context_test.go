package classify

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

var marta = Context{Parent: "The hotline is a start, but the patrol question decides everything.", ParentAuthor: "Marta Olsen"}

func TestWhyLines(t *testing.T) {
	m := Default()
	for _, tc := range []struct {
		text string
		c    Context
		want string
	}{
		{"you are an idiot", marta, WhyReplied},
		{"you are an idiot", Context{}, WhyAddressed},
		{"Marta is an idiot who should stop posting.", marta, WhyReplied},
		{"The author is a pathetic hack.", Context{}, WhyAuthor},
		{"Olsen writes like a drunk toddler, a hack.", Context{ArticleAuthor: "Jan Olsen"}, WhyAuthor},
		{"The mayor is a crook and a liar.", Context{}, WhyPerson},
		{"This is fucking bullshit", Context{}, WhyProfanity},
		{"filthy muslims are all idiots", Context{}, WhyGroup},
	} {
		r := m.ScoreContext(tc.text, tc.c)
		if r.Why != tc.want {
			t.Errorf("%q (score %.3f): why %q, want %q", tc.text, r.Score, r.Why, tc.want)
		}
	}
	// Score (no context) says why too.
	if r := m.Score("The author is a pathetic hack."); r.Why != WhyAuthor {
		t.Errorf("Score: why %q, want %q", r.Why, WhyAuthor)
	}
}

func TestContextNamesParentAuthor(t *testing.T) {
	m := Default()
	text := "Marta is a clueless fool."
	without := m.Score(text).Score
	with := m.ScoreContext(text, marta).Score
	if with <= without {
		t.Errorf("naming the person replied to: %.3f with context, %.3f without; want higher with", with, without)
	}
	// Without context, ScoreContext is Score.
	if a, b := m.ScoreContext(text, Context{}).Score, without; a != b {
		t.Errorf("empty context changed the score: %.4f vs %.4f", a, b)
	}
}

func TestContextQuoteIsNotTheWritersWords(t *testing.T) {
	m := Default()
	parent := "Honestly the minister is a corrupt idiot and a liar."
	reply := `"the minister is a corrupt idiot and a liar" is not an argument; what did the audit find?`
	without := m.Score(reply).Score
	with := m.ScoreContext(reply, Context{Parent: parent, ParentAuthor: "Ruth"}).Score
	if !(with < without) || with >= m.FlagThreshold() {
		t.Errorf("quoting the parent's insult to object to it: %.3f with context, %.3f without (threshold %.2f)", with, without, m.FlagThreshold())
	}
}

func TestPublicFigurePolicy(t *testing.T) {
	m := Default()
	thr := m.FlagThreshold()
	conduct := "Veld has lied about the patrols before; his record speaks for itself."
	if r := m.ScoreContext(conduct, Context{}); r.Score >= thr || !r.Conduct {
		t.Errorf("allowed (default): %q scores %.3f (conduct %v), want below %.2f", conduct, r.Score, r.Conduct, thr)
	}
	if r := m.ScoreContext(conduct, Context{PublicFigures: PublicFiguresAttack}); r.Score < thr || r.Why != WhyPublicFigure {
		t.Errorf("attack: %q scores %.3f why %q, want flagged", conduct, r.Score, r.Why)
	}
	// A site threshold below the model's is respected.
	if r := m.ScoreContext(conduct, Context{Threshold: 0.2}); r.Score >= 0.2 {
		t.Errorf("allowed, site threshold 0.2: %.3f", r.Score)
	}
	for _, label := range []string{"The minister is a liar.", "Veld is an idiot and a traitor.", "The mayor is a crook who lied about the budget."} {
		for _, p := range []string{PublicFiguresAllowed, PublicFiguresAttack} {
			if r := m.ScoreContext(label, Context{PublicFigures: p}); r.Score < thr || r.Conduct {
				t.Errorf("%s: label %q scores %.3f (conduct %v), want flagged", p, label, r.Score, r.Conduct)
			}
		}
	}
}

func TestScoreCommandParent(t *testing.T) {
	in := strings.NewReader(`{"id":1,"text":"Marta is a clueless fool."}` + "\n" +
		`{"id":2,"text":"Marta is a clueless fool.","parent":{"text":"A start.","author":"Marta Olsen"}}` + "\n" +
		`{"id":3,"text":"Marta is a clueless fool.","parent":"A start.","parent_author":"Marta Olsen"}` + "\n")
	var out, errb bytes.Buffer
	if err := RunCommand(context.Background(), []string{"score"}, in, &out, &errb, nil, nil); err != nil {
		t.Fatal(err, errb.String())
	}
	var got []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err, l)
		}
		got = append(got, v)
	}
	if len(got) != 3 || got[1]["parent"] == nil || got[0]["score"].(float64) >= got[1]["score"].(float64) || got[1]["score"] != got[2]["score"] {
		t.Errorf("score with parent: %s", out.String())
	}
	err := RunCommand(context.Background(), []string{"score"}, strings.NewReader(`{"text":"x","parent":7}`), &out, &errb, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "parent") {
		t.Errorf("bad parent: err = %v", err)
	}
}

// TestLicensedOnlyRecipe trains the model card's recipe without the four
// training sets that state no license (seeds only) and checks the figures
// docs/classifier.md gives for it.
func TestLicensedOnlyRecipe(t *testing.T) {
	dir := dataDir(t)
	m, err := trainWith(context.Background(), dir, licensedRecipe(), nil, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.head(HeadOLIDA) != nil || !strings.HasSuffix(strings.Split(m.Version(), "+")[0], "-licensed") {
		t.Errorf("licensed-only model %s has OLID heads or the wrong recipe name", m.Version())
	}
	kv, err := loadKaggle(dir, "impermium_verification_labels.csv", false)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	var ys []bool
	for _, e := range kv {
		texts, ys = append(texts, e.Text), append(ys, e.Y)
	}
	if auc := rocAUC(scoreAll(m, texts), ys); auc < 0.637 || auc > 0.657 {
		t.Errorf("licensed-only Kaggle verification AUC %.4f, docs say 0.647", auc)
	}
	var att, ok int
	for _, c := range contrastAll() {
		if !c.Dev && c.Attack {
			att++
			if m.Score(c.Text).Score >= m.FlagThreshold() {
				ok++
			}
		}
	}
	if f := float64(ok) / float64(att); f < 0.985 {
		t.Errorf("licensed-only model flags %d of %d test attacks (%.3f), docs say 1.00", ok, att, f)
	}
}

// TestModelWithoutWordOrder loads a model file trained before the
// word-order features (v4 and earlier) and checks that it is scored as it
// was trained: without them.
func TestModelWithoutWordOrder(t *testing.T) {
	dir := dataDir(t)
	texts := []string{"you are an idiot", "Calling him an idiot is unfair; his plan is the problem.", "What a stupid idea, a hotline without a treaty."}
	orderFeats = false
	old, err := Train(context.Background(), dir, nil, 300, nil)
	if err != nil {
		orderFeats = true
		t.Fatal(err)
	}
	var want []float64
	for _, x := range texts {
		want = append(want, old.Score(x).Score)
	}
	orderFeats = true
	m, err := Load(bytes.NewReader(old.encode()))
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range texts {
		if got := m.Score(x).Score; got != want[i] {
			t.Errorf("%q: %.6f loaded, %.6f as trained", x, got, want[i])
		}
	}
	// The same data with the features on gives another model.
	cur, err := Train(context.Background(), dir, nil, 300, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(cur.encode(), old.encode()) {
		t.Error("training with and without the word-order features gave the same bytes")
	}
}
