package classify

import "strings"

// Small hand-written lexicons that tie rare words together: words that
// judge a person's character (a liar, corrupt, a coward, out of touch)
// and words that name a policy, a vote or a record. A comment that puts a
// person next to a character word attacks the person; one that puts the
// person next to a record or a vote criticises what they did. Written
// from general knowledge, not read off any dataset.
const (
	lexChar   = 1
	lexPolicy = 2
)

// lexWords is built by a package variable initialiser, so it is ready
// before features.go's init merges it into wordInfo.
var lexWords = makeLexicon()

func makeLexicon() map[string]uint8 {
	lexWords := map[string]uint8{}
	for _, w := range strings.Fields(`
liar liars lie lies lying lied dishonest dishonesty deceitful deceptive deceive deceiving misleading untrustworthy
corrupt corruption crook crooks crooked fraud frauds fraudulent con conman scam scammer sham phony phoney fake
hypocrite hypocrites hypocritical hypocrisy coward cowards cowardly cowardice spineless gutless weak weakling
pathetic disgrace disgraceful disgraced shameful shameless ashamed embarrassing embarrassment
incompetent incompetence inept clueless ignorant ignorance stupid stupidity dumb idiot idiots idiotic moron morons moronic
fool fools foolish clown clowns buffoon loser losers arrogant arrogance elitist smug pompous condescending
extremist extremists radical unhinged crazy insane nuts lunatic deranged delusional paranoid senile
desperate desperation sleazy sleaze sleazebag scandal scandals unethical crooked criminal criminals thug thugs
puppet puppets stooge lackey shill shills hack hacks troll trolls traitor traitors treasonous
creep creepy pervert perverted predator bully bullies bigot bigots bigoted racist racists sexist misogynist
hateful hater haters nasty vile disgusting despicable contemptible repugnant sick sickening evil wicked
greedy greed selfish self-serving opportunist opportunistic careerist unfit unqualified incapable lazy
puppet rubber-stamp flip-flop flip-flopper flip-flopping pandering panders pander smear smears smearing
jerk jerks ass asses asshole assholes bitch bastard bastards scum scumbag dirtbag slimy slime snake snakes weasel
character integrity honesty honest trust trustworthy ethics ethical judgment temperament personally
whining whiny crybaby childish immature petty juvenile narcissist narcissistic egomaniac ego delusion
pathological habitual serial chronic shameful cheat cheater cheating cheats sellout sold bought owned
`) {
		lexWords[w] = lexChar
	}
	for _, w := range strings.Fields(`
vote votes voted voting record records bill bills law laws legislation policy policies plan plans proposal proposals
tax taxes taxpayer taxpayers tariff tariffs trade healthcare health medicare medicaid insurance coverage premiums
preexisting obamacare aca jobs job economy economic wages wage budget budgets spending deficit deficits debt
funding funds fund cuts repeal amendment regulation regulations deregulation immigration border borders gun guns
abortion education schools veterans military defense energy oil gas climate environment environmental
farmers farm agriculture soybeans deal agreement treaty nomination nominee confirm confirmation judges court
supports supported supporting opposes opposed opposing sponsored cosponsored co-sponsored authored introduced
reform reforms program programs benefits seniors pension pensions retirement prices drug drugs costs cost
banks wall-street industry corporations companies businesses workers unions wages paycheck paychecks
infrastructure roads bridges broadband water pipeline pipelines sanctions troops war security
statute ordinance provision provisions mandate mandates subsidy subsidies loophole loopholes
`) {
		if _, ok := lexWords[w]; !ok {
			lexWords[w] = lexPolicy
		}
	}
	return lexWords
}
