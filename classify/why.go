package classify

import "strings"

// The reason line: one short sentence saying why a comment reads as an
// attack, read off the features that drove its score (the word with the
// largest push, and the nearest reference to a target around it), not from
// a second model.
const (
	WhyReplied      = "insult aimed at the person replied to"
	WhyAddressed    = "insult aimed at the person addressed"
	WhyAuthor       = "insult aimed at the article's author"
	WhyPerson       = "insult aimed at a person named in the comment"
	WhyGroup        = "slur about a group"
	WhyProfanity    = "profanity, no target"
	WhyUntargeted   = "hostile words, no clear target"
	WhyPublicFigure = "judges a public figure's conduct (this site counts that as an attack)"
)

var (
	authorWords  = map[string]bool{}
	groupWords   = map[string]bool{}
	profanity    = map[string]bool{}
	labelWords   = map[string]bool{}
	conductWords = map[string]bool{}
)

func init() {
	for _, w := range strings.Fields("author authors writer writers columnist columnists reporter reporters journalist journalists editor editors byline op-ed") {
		authorWords[w] = true
	}
	for _, id := range madlibIdentities {
		for _, w := range strings.Fields(id) {
			if len(w) > 3 && w != "american" && w != "older" && w != "young" && w != "younger" && w != "male" && w != "female" && w != "aged" && w != "middle" && w != "straight" && w != "white" && w != "black" {
				groupWords[w] = true
				groupWords[w+"s"] = true
			}
		}
	}
	for _, w := range strings.Fields("jews muslims gays lesbians immigrants migrants refugees blacks whites women foreigners arabs asians mexicans africans christians catholics hindus sikhs transgenders trannies homos faggots fags niggers kikes spics chinks wetbacks towelheads ragheads dykes retards") {
		groupWords[w] = true
	}
	for _, w := range strings.Fields("fuck fucking fucked fucker fuckin shit shitty bullshit crap crappy damn damned goddamn hell ass arse asshole bitch bitches bastard piss pissed dick cock cunt wtf stfu screw screwed bloody bugger sucks suck") {
		profanity[w] = true
	}
	// Labels say what a person is; they stay attacks under every
	// public-figure policy.
	for _, w := range strings.Fields(`idiot idiots idiotic moron morons moronic imbecile imbeciles fool fools foolish clown clowns liar liars
		lying traitor traitors treasonous crook crooks crooked hack hacks coward cowards cowardly buffoon buffoons dunce dolt dimwit halfwit
		nitwit twit cretin cretins scum scumbag dirtbag thug thugs snake snakes weasel weasels rat rats puppet puppets stooge stooges shill shills
		lapdog grifter grifters fraud frauds conman creep creeps bigot bigots bigoted racist racists pig pigs loser losers joke disgrace monster
		parasite parasites lunatic lunatics nutcase crackpot crank charlatan sleazebag jerk ass asshole bitch bastard psychopath sociopath
		narcissist hypocrite hypocrites stupid dumb brainless spineless gutless pathetic senile unhinged deranged delusional evil vile
		disgusting despicable scoundrel villain criminal criminals sellout shameless dishonest toad pompous arrogant smug ignorant clueless`) {
		labelWords[w] = true
	}
	// Conduct and competence: what a person did, or how well they do
	// their job.
	for _, w := range strings.Fields(`lied misled mislead misleads misleading misrepresented broke broken breaks failed fails failing voted votes
		took taken takes accepted ignored ignores hid hides concealed covered betrayed wasted wastes mismanaged botched bungled squandered
		gutted cut cuts slashed approved signed promised backed opposed refused refuses dodged dodges flip-flopped contradicted reversed
		blocked abandoned overspent pocketed leaked mishandled handled broken-promises incompetent inept unfit unqualified record history
		has-lied`) {
		conductWords[w] = true
	}
}

// target kinds found around the word that drove the score.
const (
	tgtNone = iota
	tgtYou
	tgtAuthor
	tgtGroup
	tgtPerson
)

// topToken is the token with the largest positive push on the score, or -1.
func topToken(e *extractor, n int) int {
	best, bi := float32(0), -1
	for i := 0; i < n && i < len(e.contrib); i++ {
		if e.contrib[i] > best {
			best, bi = e.contrib[i], i
		}
	}
	return bi
}

// targetOf classifies token i as a reference to a target, or tgtNone.
func targetOf(e *extractor, toks []token, text string, i int) int {
	w := string(tokText(e.tk.buf, toks[i]))
	if len(e.who) > i {
		switch e.who[i] {
		case whoParent:
			return tgtYou
		case whoAuthor:
			return tgtAuthor
		}
	}
	switch {
	case authorWords[w]:
		return tgtAuthor
	case groupWords[w]:
		return tgtGroup
	}
	switch e.kinds[i] &^ 0x80 {
	case targetYou:
		return tgtYou
	case targetPerson:
		return tgtPerson
	}
	if nameLike(text, toks[i], w) {
		return tgtPerson
	}
	return tgtNone
}

// nameLike: a capitalised word that is not an ordinary word, or an @handle.
func nameLike(text string, t token, w string) bool {
	s := int(t.start)
	if s > 0 && text[s-1] == '@' {
		return true
	}
	if s >= len(text) || text[s] < 'A' || text[s] > 'Z' || len(w) < 3 {
		return false
	}
	if t.end-t.start > 1 && text[s+1] >= 'A' && text[s+1] <= 'Z' {
		return false
	}
	return wordInfo[w] == 0 && !fillers[w] && !copulas[w] && !commonWords[w] && !labelWords[w] && !conductWords[w] && !profanity[w] && !sentenceWords[w]
}

// sentenceWords are capitalised at the start of a sentence often enough to
// be mistaken for names.
var sentenceWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("nobody everyone anyone someone typical another only why what how who when where there here then well yes sorry absolutely shut get listen go crawl says spoken pathetic terrible nice wrong great sure perhaps maybe frankly honestly seriously obviously clearly whoever whatever") {
		sentenceWords[w] = true
	}
}

// why names the target of the word that pushed the score up most.
func (m *Model) why(e *extractor, toks []token, text string) string {
	ti := topToken(e, len(toks))
	if ti < 0 {
		return ""
	}
	// The nearest target reference: in the same clause, up to six tokens
	// before the word or three after it (the word itself counts).
	best, bestD := tgtNone, 100
	for j := max(0, ti-6); j < len(toks) && j <= ti+3; j++ {
		t := targetOf(e, toks, text, j)
		if t == tgtNone {
			continue
		}
		d := ti - j
		if d < 0 {
			d = -d*2 + 1 // prefer a target named before the word
		}
		if d < bestD || (d == bestD && t < best) {
			best, bestD = t, d
		}
	}
	if best == tgtNone {
		// A comment that names its target elsewhere: the first reference.
		for j := range toks {
			if t := targetOf(e, toks, text, j); t != tgtNone && t != tgtPerson {
				best = t
				break
			}
		}
	}
	reply := e.cx != nil && e.cx.reply
	switch best {
	case tgtYou:
		if reply {
			return WhyReplied
		}
		return WhyAddressed
	case tgtAuthor:
		return WhyAuthor
	case tgtGroup:
		return WhyGroup
	case tgtPerson:
		return WhyPerson
	}
	for j := range toks {
		if profanity[string(tokText(e.tk.buf, toks[j]))] {
			return WhyProfanity
		}
	}
	return WhyUntargeted
}

// conductClaim reports whether the comment judges what a person (a name, a
// person noun or a third-person pronoun, not the person replied to) did or
// how they do their job, without calling them names: "Veld has lied about
// the patrols", "the minister misled parliament", "she is incompetent at
// running the ministry".
func conductClaim(e *extractor, toks []token, text string) bool {
	buf := e.tk.buf
	found := false
	for i := range toks {
		w := string(tokText(buf, toks[i]))
		if labelWords[w] && !(w == "incompetent" || w == "inept") {
			return false
		}
		if profanity[w] {
			return false
		}
		t := targetOf(e, toks, text, i)
		if t == tgtYou || t == tgtGroup {
			return false
		}
		if !conductWords[w] {
			continue
		}
		for j := max(0, i-4); j < i; j++ {
			if t := targetOf(e, toks, text, j); t == tgtPerson || t == tgtAuthor {
				found = true
			}
		}
	}
	return found
}

// applyPolicy applies the site's public-figure policy to a scored comment:
// under "allowed" (the default) a conduct claim scores just below the flag
// threshold if it was above; under "attack" it scores at least the
// threshold.
func (m *Model) applyPolicy(e *extractor, toks []token, text, policy string, threshold float64, res *Result) {
	if threshold <= 0 {
		threshold = m.FlagThreshold()
	}
	if !conductClaim(e, toks, text) {
		return
	}
	res.Conduct = true
	switch policy {
	case PublicFiguresAttack:
		if res.Score < threshold {
			res.Score = threshold
		}
		res.Why = WhyPublicFigure
	default:
		if res.Score >= threshold {
			res.Score = threshold - 0.01
		}
	}
}
