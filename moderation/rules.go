package moderation

import (
	"fmt"
	"hash/fnv"
	"hash/maphash"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/comment"
)

// Screening is a new comment with what the rules read about it: the site,
// the commenter's standing and history, and the recent comments of the
// commenter, their address and the whole site.
type Screening struct {
	Site       comment.Site
	ArticleURL string
	Body       string
	// EmailDomain is the lower-case domain of the commenter's email; the
	// address itself is never needed.
	EmailDomain string
	Commenter   comment.Commenter
	// Decisions are the commenter's last decided comments (approved,
	// rejected, spam), newest first.
	Decisions []comment.Recent
	// ByCommenter and ByAddress are the recent comments of the commenter
	// and of their address (the velocity rule needs no more of these than
	// its maximum); SiteRecent everyone's on the site (campaigns).
	// Each newest first; older ones than the rules' windows are ignored.
	// The repeat rules read the texts of ByCommenter and SiteRecent.
	ByCommenter []comment.Recent
	ByAddress   []comment.Recent
	SiteRecent  []comment.Recent
	Now         time.Time
}

// Screen decides where a new comment starts under the mode in force for
// its article and every rule of the site: a rule that rejects (banned
// words, the classifier's auto-reject, an email domain set to reject)
// rejects it under the rule's name; otherwise each rule that fires holds
// it, and all of them are kept with what they saw. A comment no rule held
// waits in premoderate mode, publishes at once in postmoderate mode, and in
// trusted mode publishes when its commenter is trusted (Trusted).
func (p Policy) Screen(a Assessment, s Screening) Outcome {
	site, ps := s.Site, s.Site.Policy
	o := Outcome{Status: comment.StatusPending, Flagged: a.Flagged || len(a.Suspect) > 0, Mode: site.ModeFor(s.ArticleURL)}
	hold := func(rule, format string, args ...any) {
		o.Holds = append(o.Holds, comment.Hold{Rule: rule, Detail: fmt.Sprintf(format, args...)})
	}
	reject := func(reason comment.Reason, by, note string) {
		if o.By == "" {
			o.Status, o.Reason, o.By, o.Note = comment.StatusRejected, reason, by, note
		}
	}

	if len(a.Banned) > 0 {
		reject(comment.ReasonOther, comment.RuleWords, "banned word")
		hold(comment.RuleWords, "banned word: %s", strings.Join(a.Banned, ", "))
	}
	if a.Score >= 0 && a.Flagged {
		hold(comment.RuleClassifier, "score %.2f, at or above %.2f", a.Score, p.Threshold(site))
		if a.AutoReject {
			reject(comment.ReasonAdHominem, comment.RuleClassifier, "")
		}
	}
	if len(a.Suspect) > 0 {
		hold(comment.RuleWords, "suspect word: %s", strings.Join(a.Suspect, ", "))
	}

	// Email domains: the site's own list, then the disposable ones.
	if d := s.EmailDomain; d != "" {
		for _, e := range ps.EmailDomains {
			if domainMatch(d, e.Domain) {
				hold(comment.RuleEmailDomain, "email domain %s (%s)", e.Domain, e.Action)
				if e.Action == comment.RuleReject {
					reject(comment.ReasonSpam, comment.RuleEmailDomain, "email domain "+e.Domain)
				}
				break
			}
		}
		if act := ps.DisposableOrDefault(); act != comment.RuleOff && p.disposable().Has(d) {
			hold(comment.RuleDisposableEmail, "disposable email domain %s", d)
			if act == comment.RuleReject {
				reject(comment.ReasonSpam, comment.RuleDisposableEmail, "disposable email domain "+d)
			}
		}
	}

	// Links: allowed domains never count; blocked ones hold at once.
	hosts := LinkHosts(s.Body)
	links := 0
	var blocked []string
	for _, h := range hosts {
		if anyDomain(h, ps.AllowedDomains) {
			continue
		}
		links++
		if anyDomain(h, ps.BlockedDomains) && !contains(blocked, h) {
			blocked = append(blocked, h)
		}
	}
	if site.LinkLimit > 0 && links > site.LinkLimit {
		hold(comment.RuleLinks, "%d links, more than %d", links, site.LinkLimit)
		o.Flagged = true
	}
	if len(blocked) > 0 {
		hold(comment.RuleLinkDomain, "link to %s", strings.Join(blocked, ", "))
		o.Flagged = true
	}

	// The commenter's history.
	cm := s.Commenter
	granted := cm.Standing == comment.StandingTrusted
	if n := ps.HoldNewOrDefault(); n > 0 && !granted {
		if prior := cm.Approved + cm.Rejected + cm.Pending; prior < n {
			hold(comment.RuleNewCommenter, "new commenter, %d of %d", prior+1, n)
		}
	}
	if rate, k := ps.RejectionRateOrDefault(), ps.RejectionWindowOrDefault(); rate > 0 && k > 0 {
		last := s.Decisions[:min(k, len(s.Decisions))]
		if rej := rejections(last); len(last) > 0 && float64(rej)/float64(len(last)) > rate {
			hold(comment.RuleRejectionRate, "%d of the last %d decisions rejected, above %.0f%%", rej, len(last), rate*100)
		}
	}

	// Repeats and campaigns, by shingles.
	if win := ps.RepeatMinutesOrDefault(); win > 0 {
		since := s.Now.Add(-time.Duration(win) * time.Minute)
		sim := ps.RepeatSimilarityOrDefault()
		sh := recentShingles(s.Body) // kept: the next submissions compare with it
		for _, c := range s.ByCommenter {
			if c.CreatedAt.Before(since) {
				break
			}
			if comparable(s.Body, c.Body) && Similarity(sh, recentShingles(c.Body)) >= sim {
				hold(comment.RuleRepeat, "same text as comment %d, %s ago", c.ID, ago(s.Now.Sub(c.CreatedAt)))
				break
			}
		}
		if need := ps.CampaignCommentersOrDefault(); need > 1 {
			others := map[string]bool{}
			for _, c := range s.SiteRecent {
				if c.CreatedAt.Before(since) {
					break
				}
				if string(c.EmailHMAC) == string(cm.EmailHMAC) || others[string(c.EmailHMAC)] {
					continue
				}
				if comparable(s.Body, c.Body) && Similarity(sh, recentShingles(c.Body)) >= sim {
					others[string(c.EmailHMAC)] = true
				}
			}
			if len(others)+1 >= need {
				hold(comment.RuleRepeat, "campaign: the same text from %d commenters in %d minutes", len(others)+1, win)
			}
		}
	}

	// Velocity, by commenter and by address.
	if max, win := ps.VelocityMaxOrDefault(), ps.VelocityMinutesOrDefault(); max > 0 && win > 0 {
		since := s.Now.Add(-time.Duration(win) * time.Minute)
		if n := countSince(s.ByCommenter, since); n >= max {
			hold(comment.RuleVelocity, "%d comments from this commenter in %d minutes, more than %d", n+1, win, max)
		} else if n := countSince(s.ByAddress, since); n >= max {
			// The address's comments are read only up to max: an office
			// behind one address may have many more.
			hold(comment.RuleVelocity, "more than %d comments from this address in %d minutes", max, win)
		}
	}

	if o.Status != comment.StatusPending || len(o.Holds) > 0 || o.Flagged {
		return o
	}
	switch o.Mode {
	case comment.ModePostmoderate:
		o.Status, o.By = comment.StatusApproved, "postmoderate"
	case comment.ModeTrusted:
		if o.Trusted = Trusted(ps, cm, s.Decisions); o.Trusted {
			o.Status, o.By = comment.StatusApproved, "trusted commenter"
		}
	}
	return o
}

// Trusted reports whether a commenter is trusted: their email is verified
// (by a link or SSO; anyone can type an address), and a moderator trusted
// them, or they earned it with TrustAfter approved comments and no
// rejection among their last TrustWindow decisions.
func Trusted(ps comment.PolicySettings, cm comment.Commenter, decisions []comment.Recent) bool {
	if !cm.Verified {
		return false
	}
	if cm.Standing == comment.StandingTrusted {
		return true
	}
	n := ps.TrustAfterOrDefault()
	if n <= 0 || cm.Approved < n {
		return false
	}
	w := ps.TrustWindowOrDefault()
	return rejections(decisions[:min(w, len(decisions))]) == 0
}

func rejections(cs []comment.Recent) int {
	n := 0
	for _, c := range cs {
		if c.Status == comment.StatusRejected || c.Status == comment.StatusSpam {
			n++
		}
	}
	return n
}

func countSince(cs []comment.Recent, since time.Time) int {
	n := 0
	for _, c := range cs {
		if !c.CreatedAt.Before(since) {
			n++
		}
	}
	return n
}

func ago(d time.Duration) string {
	if d < time.Minute {
		return "under a minute"
	}
	if m := int(d.Minutes()); m == 1 {
		return "1 minute"
	} else {
		return fmt.Sprintf("%d minutes", m)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// domainMatch reports whether host is domain or one of its subdomains.
func domainMatch(host, domain string) bool {
	return host == domain || strings.HasSuffix(host, "."+domain)
}

func anyDomain(host string, domains []string) bool {
	for _, d := range domains {
		if domainMatch(host, d) {
			return true
		}
	}
	return false
}

var linkStartRE = regexp.MustCompile(`(?i)(?:^|[^\w@./-])(https?://|www\.)([^\s/?#:)\]>"'<*_]+)`)

// LinkHosts returns the lower-case host of every link in a body, in order
// (a host once per link), "www." dropped.
func LinkHosts(body string) []string {
	if !mayHaveLink(body) {
		return nil
	}
	var out []string
	for _, m := range linkStartRE.FindAllStringSubmatch(body, -1) {
		host := strings.ToLower(m[2])
		if strings.EqualFold(m[1], "www.") {
			host = "www." + host
		}
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:]
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "www."), ".")
		out = append(out, host)
	}
	return out
}

// comparable reports whether two bodies are close enough in length to be
// nearly the same text: shingling the recent comments of a busy site costs
// more than comparing their lengths first.
func comparable(a, b string) bool {
	la, lb := len(a), len(b)
	return 2*la >= lb && 2*lb >= la
}

// Shingles are the hashed word 3-grams of a text's tokens (the tokens
// themselves for a text of fewer than three), sorted and without repeats:
// the units Similarity compares.
func Shingles(text string) []uint64 {
	toks := Tokens(text)
	out := make([]uint64, 0, len(toks))
	h := fnv.New64a()
	add := func(parts ...string) {
		h.Reset()
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
		out = append(out, h.Sum64())
	}
	if len(toks) < 3 {
		for _, t := range toks {
			add(t)
		}
	} else {
		for i := 0; i+3 <= len(toks); i++ {
			add(toks[i], toks[i+1], toks[i+2])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Similarity is the Jaccard similarity of two shingle sets (as Shingles
// returns them), in [0, 1]; two empty texts are not similar.
func Similarity(a, b []uint64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	both := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			both++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// seenShingles keeps the shingles of the texts recently compared, by the
// text's hash: every submission compares itself with up to a hundred
// recent comments of its site, and tokenising each of them again took a
// sixth of a submission's time. Two generations of at most
// shingleCacheSize texts each; the older is dropped when the newer fills.
var seenShingles shingleCache

type shingleCache struct {
	sync.Mutex
	cur, old map[uint64][]uint64
}

const shingleCacheSize = 4096

// shingleSeed keys the cache's text hashes (maphash: hashing every recent
// text on each submission with FNV cost as much as the shingling it saved).
var shingleSeed = maphash.MakeSeed()

// recentShingles returns the shingles of a recent comment's text, from the
// cache when it was seen lately.
func recentShingles(text string) []uint64 {
	k := maphash.String(shingleSeed, text)
	c := &seenShingles
	c.Lock()
	sh, ok := c.cur[k]
	if !ok {
		if sh, ok = c.old[k]; ok {
			c.put(k, sh)
		}
	}
	c.Unlock()
	if ok {
		return sh
	}
	sh = Shingles(text)
	c.Lock()
	c.put(k, sh)
	c.Unlock()
	return sh
}

// put adds a text's shingles to the newer generation, starting a new one
// when it is full. The caller holds the lock.
func (c *shingleCache) put(k uint64, sh []uint64) {
	if len(c.cur) >= shingleCacheSize || c.cur == nil {
		c.old, c.cur = c.cur, make(map[uint64][]uint64, shingleCacheSize)
	}
	c.cur[k] = sh
}

// Verdict says in a few words where the comment starts: "published at
// once", "held for a moderator", or "rejected by <rule>".
func (o Outcome) Verdict() string {
	switch o.Status {
	case comment.StatusApproved:
		return "published at once"
	case comment.StatusRejected, comment.StatusSpam:
		return "rejected by " + o.By
	}
	return "held for a moderator"
}
