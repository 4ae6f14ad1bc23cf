package classify

// Labelled is one comment of a labelled set: its text, and whether people
// labelled it an attack on another participant.
type Labelled struct {
	Text   string
	Attack bool
}

// VerificationComments returns the Impermium verification set (news and
// forum comments, 1 = insult at another participant), which no shipped
// model trains on: the stream `parley model simulate` replays.
func VerificationComments(dir string) ([]Labelled, error) {
	ex, err := loadKaggle(dir, "impermium_verification_labels.csv", false)
	if err != nil {
		return nil, err
	}
	out := make([]Labelled, len(ex))
	for i, e := range ex {
		out[i] = Labelled{Text: e.Text, Attack: e.Y}
	}
	return out, nil
}

// UnhealthyComments returns the Unhealthy Comments Corpus (Globe and Mail
// reader comments; evaluation only, never training), with Attack = the
// "hostile" label (hostile, insulting or abusive): its val.csv split when
// dev, else test.csv.
func UnhealthyComments(dir string, dev bool) ([]Labelled, error) {
	rows, err := loadUCC(dir)
	if err != nil {
		return nil, err
	}
	var out []Labelled
	for _, r := range rows {
		if r.Dev == dev {
			out = append(out, Labelled{Text: r.Text, Attack: r.Hostile})
		}
	}
	return out, nil
}
