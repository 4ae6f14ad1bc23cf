package classify

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Readers for the datasets in the shared data directory (see its
// README.md). Each returns rows in file order so that everything built on
// them is deterministic.

// example is one labelled text.
type example struct {
	Text string
	Y    bool
	W    float64 // training weight
	Key  string  // stable identity for fold assignment (e.g. tweet uid)
}

// ErrNoData is returned (wrapped) when the data directory is missing.
var ErrNoData = errors.New("classify: data directory not found")

// FindDataDir resolves the shared data directory: PARLEY_DATA_DIR if set,
// else ../shared/data next to the directory holding go.mod, found by
// walking up from the working directory.
func FindDataDir(getenv func(string) string) (string, error) {
	if getenv != nil {
		if d := getenv("PARLEY_DATA_DIR"); d != "" {
			if st, err := os.Stat(d); err != nil || !st.IsDir() {
				return "", fmt.Errorf("%w: PARLEY_DATA_DIR=%s", ErrNoData, d)
			}
			return d, nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "data")
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				return filepath.Clean(d), nil
			}
			return "", fmt.Errorf("%w: %s (set PARLEY_DATA_DIR)", ErrNoData, filepath.Clean(d))
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("%w: no go.mod above %s (set PARLEY_DATA_DIR)", ErrNoData, wd)
		}
	}
}

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}

// columns maps header names to indices.
func columns(header []string, names ...string) ([]int, error) {
	idx := make([]int, len(names))
	for i, n := range names {
		idx[i] = -1
		for j, h := range header {
			if strings.TrimSpace(h) == n {
				idx[i] = j
				break
			}
		}
		if idx[i] < 0 {
			return nil, fmt.Errorf("missing column %q", n)
		}
	}
	return idx, nil
}

// unquoteKaggle decodes the escaped comment text of the Kaggle insults
// files: outer quotes, then (if doubled) `\\` → `\`, then \n \t \xNN \uNNNN.
func unquoteKaggle(s string, doubled bool) string {
	s = strings.TrimPrefix(s, `"""`)
	s = strings.TrimSuffix(s, `"""`)
	s = strings.TrimPrefix(s, `"`)
	s = strings.TrimSuffix(s, `"`)
	if doubled {
		s = strings.ReplaceAll(s, `\\`, `\`)
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		switch s[i+1] {
		case 'n', 'r':
			b = append(b, '\n')
			i++
		case 't':
			b = append(b, '\t')
			i++
		case '\'', '"', '\\':
			b = append(b, s[i+1])
			i++
		case 'x':
			if i+3 < len(s) {
				if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
					b = append(b, byte(v))
					i += 3
					continue
				}
			}
			b = append(b, c)
		case 'u':
			if i+5 < len(s) {
				if v, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil {
					b = utf8.AppendRune(b, rune(v))
					i += 5
					continue
				}
			}
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return latin1Repair(b)
}

// latin1Repair returns b as a string, reading every byte that is not part
// of a valid UTF-8 sequence as a Latin-1 code point. The Kaggle files mix
// two escapings: `\\xc2\\xa0` (UTF-8 bytes, one NBSP) and Python's `\xa0`
// (the code point U+00A0 itself); a lone \xa0 must stay a space, not
// become U+FFFD, which the tokenizer drops and so glues two words.
func latin1Repair(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, rune(b[i]))
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return string(out)
}

func loadKaggle(dir, file string, doubled bool) ([]example, error) {
	rows, err := readCSV(filepath.Join(dir, "kaggle-insults-impermium", file))
	if err != nil {
		return nil, err
	}
	c, err := columns(rows[0], "Insult", "Comment")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var out []example
	for i, r := range rows[1:] {
		out = append(out, example{
			Text: unquoteKaggle(r[c[1]], doubled),
			Y:    r[c[0]] == "1",
			W:    1,
			Key:  "kaggle/" + file + "/" + strconv.Itoa(i),
		})
	}
	return out, nil
}

// olidRow is one OLID tweet with its three labels (empty where NULL or
// unknown).
type olidRow struct {
	ID, Text string
	A, B, C  string
}

func readTSV(path string) ([][]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, line := range strings.Split(strings.TrimRight(string(data), "\r\n"), "\n") {
		out = append(out, strings.Split(strings.TrimRight(line, "\r"), "\t"))
	}
	return out, nil
}

func loadOLIDTrain(dir string) ([]olidRow, error) {
	rows, err := readTSV(filepath.Join(dir, "olid", "olid-training-v1.0.tsv"))
	if err != nil {
		return nil, err
	}
	var out []olidRow
	for _, r := range rows[1:] {
		if len(r) < 5 {
			continue
		}
		or := olidRow{ID: r[0], Text: r[1], A: r[2], B: r[3], C: r[4]}
		if or.B == "NULL" {
			or.B = ""
		}
		if or.C == "NULL" {
			or.C = ""
		}
		out = append(out, or)
	}
	return out, nil
}

// loadOLIDTest returns the official test tweets of one level ("a", "b" or
// "c") with their gold labels.
func loadOLIDTest(dir, level string) (texts, labels []string, err error) {
	rows, err := readTSV(filepath.Join(dir, "olid", "testset-level"+level+".tsv"))
	if err != nil {
		return nil, nil, err
	}
	lrows, err := readCSV(filepath.Join(dir, "olid", "labels-level"+level+".csv"))
	if err != nil {
		return nil, nil, err
	}
	gold := map[string]string{}
	for _, r := range lrows {
		if len(r) >= 2 {
			gold[strings.TrimSpace(r[0])] = strings.TrimSpace(r[1])
		}
	}
	for _, r := range rows[1:] {
		if len(r) < 2 {
			continue
		}
		g, ok := gold[r[0]]
		if !ok {
			return nil, nil, fmt.Errorf("olid level %s: no label for id %s", level, r[0])
		}
		texts = append(texts, r[1])
		labels = append(labels, g)
	}
	return texts, labels, nil
}

// campaignTweet is one Senate campaign tweet with its personal and policy
// attack labels.
type campaignTweet struct {
	UID              string
	Text             string
	Personal, Policy bool
}

func loadCampaign(dir string) ([]campaignTweet, error) {
	read := func(name string) ([][]string, []int, error) {
		rows, err := readCSV(filepath.Join(dir, "petkevic-nai-campaign-tweet-attacks", name))
		if err != nil {
			return nil, nil, err
		}
		c, err := columns(rows[0], "uid", "text", "label")
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		return rows[1:], c, nil
	}
	pers, pc, err := read("campaigntweets_personal_attacks.csv")
	if err != nil {
		return nil, err
	}
	pol, qc, err := read("campaigntweets_policy_attacks.csv")
	if err != nil {
		return nil, err
	}
	policy := map[string]bool{}
	for _, r := range pol {
		policy[r[qc[0]]] = r[qc[2]] == "1"
	}
	var out []campaignTweet
	for _, r := range pers {
		uid := r[pc[0]]
		t := strings.TrimSpace(r[pc[1]])
		t = strings.TrimSuffix(strings.TrimPrefix(t, `"`), `"`)
		out = append(out, campaignTweet{UID: uid, Text: t, Personal: r[pc[2]] == "1", Policy: policy[uid]})
	}
	return out, nil
}

// loadFallacies returns the LOGIC educational examples: ad hominem = true,
// every other fallacy = false (hard negatives).
func loadFallacies(dir string) ([]example, error) {
	var out []example
	for _, f := range []string{"edu_train.csv", "edu_dev.csv", "edu_test.csv"} {
		rows, err := readCSV(filepath.Join(dir, "logic-fallacy-edu", f))
		if err != nil {
			return nil, err
		}
		c, err := columns(rows[0], "source_article", "updated_label")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for i, r := range rows[1:] {
			if len(r) <= c[1] || strings.TrimSpace(r[c[0]]) == "" {
				continue
			}
			out = append(out, example{
				Text: r[c[0]],
				Y:    strings.TrimSpace(r[c[1]]) == "ad hominem",
				W:    1,
				Key:  "logic/" + f + "/" + strconv.Itoa(i),
			})
		}
	}
	return out, nil
}

// ucc is one Unhealthy Comments Corpus row (evaluation only).
type ucc struct {
	Text                string
	Antagonize, Hostile bool
	Dev                 bool // from val.csv, the development split
}

func loadUCC(dir string) ([]ucc, error) {
	var out []ucc
	for _, f := range []string{"val.csv", "test.csv"} {
		rows, err := readCSV(filepath.Join(dir, "unhealthy-comments-corpus", f))
		if err != nil {
			return nil, err
		}
		c, err := columns(rows[0], "comment", "antagonize", "hostile")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, r := range rows[1:] {
			out = append(out, ucc{Text: r[c[0]], Antagonize: r[c[1]] == "1", Hostile: r[c[2]] == "1", Dev: f == "val.csv"})
		}
	}
	return out, nil
}

// madlib is one bias-madlibs sentence with the identity term it names.
type madlib struct {
	Text, Identity string
	Bad            bool
}

var madlibIdentities = []string{
	"african american", "middle aged", "middle eastern", "african", "american", "asian", "bisexual", "black",
	"blind", "buddhist", "canadian", "catholic", "chinese", "christian", "deaf", "elderly", "european",
	"female", "gay", "heterosexual", "hispanic", "homosexual", "indian", "japanese", "jewish", "latina",
	"latino", "latinx", "lesbian", "lgbtq", "lgbt", "male", "mexican", "millenial", "muslim", "nonbinary",
	"older", "old", "paralyzed", "protestant", "queer", "sikh", "straight", "taoist", "teenage",
	"transgender", "trans", "white", "younger", "young",
}

func loadMadlibs(dir string) ([]madlib, error) {
	rows, err := readCSV(filepath.Join(dir, "jigsaw-bias-madlibs", "bias_madlibs_77k.csv.gz"))
	if err != nil {
		return nil, err
	}
	c, err := columns(rows[0], "Text", "Label")
	if err != nil {
		return nil, err
	}
	var out []madlib
	for _, r := range rows[1:] {
		id := madlibIdentity(r[c[0]])
		if id == "" {
			continue
		}
		out = append(out, madlib{Text: r[c[0]], Identity: id, Bad: r[c[1]] == "BAD"})
	}
	return out, nil
}

// madlibIdentity finds the identity term a sentence names (longest terms
// are listed first, matched as whole words).
func madlibIdentity(text string) string {
	words := " " + strings.Trim(strings.ToLower(text), ".!? ") + " "
	for _, id := range madlibIdentities {
		if strings.Contains(words, " "+id+" ") {
			return id
		}
	}
	return ""
}

// loadNeutralParents returns the comments of the Unhealthy Comments test
// file that no annotator found unhealthy in any way, as parents for the
// threaded evaluation.
func loadNeutralParents(dir string) ([]string, error) {
	rows, err := readCSV(filepath.Join(dir, "unhealthy-comments-corpus", "test.csv"))
	if err != nil {
		return nil, err
	}
	c, err := columns(rows[0], "comment", "antagonize", "hostile", "condescending", "dismissive", "healthy")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rows[1:] {
		if r[c[1]] == "0" && r[c[2]] == "0" && r[c[3]] == "0" && r[c[4]] == "0" && r[c[5]] == "1" && len(r[c[0]]) < 400 {
			out = append(out, r[c[0]])
		}
	}
	return out, nil
}
