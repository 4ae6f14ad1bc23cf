package classify

import (
	"hash/crc32"
	"strings"
	"unicode"
)

// Development and test splits. Every data set has a development split that
// recipes, seeds, lexicons and thresholds may be tuned on, and a test split
// that is only reported:
//
//	Kaggle insults   dev: a tenth of the training rows (devSlice), held out of
//	                      a model trained for the purpose; test: the
//	                      verification set
//	OLID             dev: a tenth of the training file, likewise; test: the
//	                      official test files
//	campaign tweets  5-fold cross-validation; dev: the tweets of one half
//	                      (by CRC of the uid), test: the other half
//	Unhealthy Comm.  dev: val.csv; test: test.csv (never trained on)
//	bias madlibs     dev/test: halves by CRC of the sentence
//	contrast suite   dev: testdata/contrast-dev.tsv; test: contrast-test.tsv
//
// Training rows that appear word for word (after normKey) in any test
// split are dropped before training (dedupAgainst).

// devSlice reports whether a training row (by key) is in the development
// tenth used to measure Kaggle and OLID on a model trained without it. It
// is independent of the calibration slice (holdout).
func devSlice(key string) bool { return crc32.ChecksumIEEE([]byte("dev/"+key))%10 == 0 }

// campaignDev reports whether a campaign tweet is in the development half.
func campaignDev(uid string) bool { return crc32.ChecksumIEEE([]byte("split/"+uid))%2 == 0 }

// madlibDev reports whether a bias-madlibs sentence is in the development half.
func madlibDev(text string) bool { return crc32.ChecksumIEEE([]byte("split/"+text))%2 == 0 }

// normKey is the form under which two texts count as the same for
// deduplication: lower case, letters and digits only, single spaces.
func normKey(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

// testKeys returns normKey of every text in every test (and development)
// evaluation set that is not itself training data: the Kaggle verification
// set, the OLID test files, the Unhealthy Comments Corpus, the bias
// madlibs and both halves of the contrast suite.
func testKeys(dir string) (map[string]bool, error) {
	keys := map[string]bool{}
	add := func(s string) {
		if k := normKey(s); k != "" {
			keys[k] = true
		}
	}
	kv, err := loadKaggle(dir, "impermium_verification_labels.csv", false)
	if err != nil {
		return nil, err
	}
	for _, e := range kv {
		add(e.Text)
	}
	for _, lv := range []string{"a", "b", "c"} {
		ts, _, err := loadOLIDTest(dir, lv)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			add(t)
		}
	}
	uc, err := loadUCC(dir)
	if err != nil {
		return nil, err
	}
	for _, r := range uc {
		add(r.Text)
	}
	ml, err := loadMadlibs(dir)
	if err != nil {
		return nil, err
	}
	for _, r := range ml {
		add(r.Text)
	}
	for _, c := range contrastAll() {
		add(c.Text)
		if c.Parent != "" {
			add(c.Parent)
		}
	}
	return keys, nil
}
