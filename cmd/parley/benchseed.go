package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/moderation"
	"github.com/parleyhq/parley/secret"
)

// The bench data set lives on its own site, so that it can sit beside real
// data in a database given with --db.
const (
	benchSite      = "bench"
	benchOrigin    = "https://bench.example"
	benchModerator = "bench"
	// hotComments is the size of the hot-thread workload's thread.
	hotComments = 200
)

// benchArticleURL is the URL of bench article i; article 0 is the hot one.
func benchArticleURL(i int) string { return fmt.Sprintf("%s/%d/article-%d", benchOrigin, 2026, i) }

// seedPlan says how big a data set to make.
type seedPlan struct {
	articles    int // besides the hot one
	maxComments int // the largest thread
	pending     int // comments waiting in the queue
	seed        uint64
}

// sizes returns each article's number of approved comments: the hot one
// first (200), the largest thread, then threads spread log-uniformly from
// none to the largest, a sixth of them empty, as on a news site where most
// articles get a few comments and a few get thousands.
func (p seedPlan) sizes() []int {
	r := rand.New(rand.NewPCG(p.seed, 1))
	out := []int{hotComments}
	for i := range p.articles {
		switch {
		case i == 0:
			out = append(out, p.maxComments)
		case r.IntN(6) == 0:
			out = append(out, 0)
		default:
			out = append(out, int(math.Exp(r.Float64()*math.Log(float64(p.maxComments)))))
		}
	}
	return out
}

// words is the vocabulary of generated comments.
var words = strings.Fields(`the minister plan budget council vote talks ceasefire border patrol hotline
article report figures paragraph source policy reform tax housing rent school hospital
transport climate energy price wage union strike court ruling law election campaign
poll turnout party coalition opposition debate argument evidence claim data study
expert reader journalist editor newsroom story headline question answer point view
I think we should not would could might agree disagree because however although
really clearly perhaps frankly honestly simply never always often rarely again
cost benefit risk trade deal market growth jobs inflation rates bank loan debt`)

// commentBody makes a comment of a realistic length: log-normal around a
// median of about 300 characters with a long tail, cut at 5,000. One in
// five carries Markdown (emphasis, a link, a quote or a list).
func commentBody(r *rand.Rand) string {
	n := int(math.Exp(math.Log(300) + 0.8*r.NormFloat64()))
	n = min(max(n, 20), 5000)
	var b strings.Builder
	sentence := 0
	for b.Len() < n {
		w := words[r.IntN(len(words))]
		if sentence == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		sentence++
		if sentence > 6 && r.IntN(8) == 0 {
			b.WriteString(". ")
			sentence = 0
			if r.IntN(12) == 0 {
				b.WriteString("\n\n")
			}
		} else {
			b.WriteByte(' ')
		}
	}
	body := strings.TrimSpace(b.String()) + "."
	if r.IntN(5) == 0 {
		switch r.IntN(4) {
		case 0:
			body = "**" + body[:min(len(body), 40)] + "** " + body[min(len(body), 40):]
		case 1:
			body += fmt.Sprintf(" See [the report](https://example.org/report/%d).", r.IntN(1000))
		case 2:
			body = "> " + body[:min(len(body), 80)] + "\n\n" + body
		case 3:
			body += "\n\n- first, *the cost*\n- second, the timing\n"
		}
	}
	return body
}

// seeder writes the bench data set through the store, as submissions
// would be stored, many at once so that they share commits.
type seeder struct {
	store  comment.Store
	keys   *secret.Keyring
	render *httpapi.Renderer
	policy moderation.Policy
	start  time.Time
}

// seedResult is what the workloads need to know of the data set.
type seedResult struct {
	articles int     // including the hot one
	comments int     // stored by this run (0 when the data set existed)
	pending  []int64 // IDs of pending comments, for decisions
	token    string  // a bearer token of an admin
}

// seed makes the bench site, an admin with a token, and the comments, unless
// the site already exists: then it reuses what is there (a large data set
// seeded once can be measured many times).
func (s *seeder) seed(ctx context.Context, p seedPlan, progress func(string)) (seedResult, error) {
	res := seedResult{articles: p.articles + 1}
	token, err := s.benchToken(ctx)
	if err != nil {
		return res, err
	}
	res.token = token
	err = s.store.CreateSite(ctx, comment.Site{ID: benchSite, Origins: []string{benchOrigin}, CreatedAt: s.start})
	switch comment.ErrorCode(err) {
	case "":
	case comment.CodeConflict:
		progress("site bench exists: reusing its comments")
		res.pending, err = s.pendingIDs(ctx, 10000)
		return res, err
	default:
		return res, err
	}
	sizes := p.sizes()
	r := rand.New(rand.NewPCG(p.seed, 2))
	// Two thirds of each thread are top-level comments, written first; the
	// rest reply to them.
	type job struct {
		article, n int
		parent     *int64
		status     comment.Status
	}
	var roots, replies []job
	rootIDs := make([][]int64, len(sizes))
	for a, n := range sizes {
		nRoots := n - n/3
		for i := range n {
			if i < nRoots {
				roots = append(roots, job{article: a, n: i, status: comment.StatusApproved})
			} else {
				replies = append(replies, job{article: a, n: i, status: comment.StatusApproved})
			}
		}
	}
	for i := range p.pending {
		roots = append(roots, job{article: 1 + r.IntN(max(1, len(sizes)-1)), n: 100000 + i, status: comment.StatusPending})
	}
	var mu sync.Mutex
	total := len(roots) + len(replies)
	done := 0
	run := func(jobs []job) error {
		work := make(chan job)
		errc := make(chan error, 1)
		var wg sync.WaitGroup
		for w := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(p.seed, uint64(w)+100))
				for j := range work {
					c, err := s.newComment(r, j.article, j.n, j.status)
					if err == nil && j.parent != nil {
						c.ParentID = *j.parent
					}
					if err == nil {
						err = s.store.CreateComment(ctx, c)
					}
					if err != nil {
						select {
						case errc <- err:
						default:
						}
						continue
					}
					mu.Lock()
					switch {
					case j.status == comment.StatusPending:
						res.pending = append(res.pending, c.ID)
					case j.parent == nil:
						rootIDs[j.article] = append(rootIDs[j.article], c.ID)
					}
					done++
					if done%2000 == 0 {
						progress(fmt.Sprintf("seeding: %d of %d comments", done, total))
					}
					mu.Unlock()
				}
			}()
		}
		for _, j := range jobs {
			select {
			case work <- j:
			case err := <-errc:
				close(work)
				wg.Wait()
				return err
			}
		}
		close(work)
		wg.Wait()
		select {
		case err := <-errc:
			return err
		default:
			return nil
		}
	}
	if err := run(roots); err != nil {
		return res, fmt.Errorf("seeding: %w", err)
	}
	for i := range replies {
		ids := rootIDs[replies[i].article]
		if len(ids) == 0 {
			return res, errors.New("seeding: a reply without a comment to reply to")
		}
		replies[i].parent = &ids[r.IntN(len(ids))]
	}
	if err := run(replies); err != nil {
		return res, fmt.Errorf("seeding: %w", err)
	}
	res.comments = total
	return res, nil
}

// newComment makes one comment of article a as a submission would store it:
// rendered, its author's email encrypted, approved ones decided by the
// seeder (and audited), pending ones scored by the classifier.
func (s *seeder) newComment(r *rand.Rand, a, n int, status comment.Status) (*comment.Comment, error) {
	reader := r.IntN(5000)
	email := fmt.Sprintf("reader%d@example.com", reader)
	cipher, err := s.keys.EncryptEmail(email)
	if err != nil {
		return nil, err
	}
	body := commentBody(r)
	at := s.start.Add(-30 * 24 * time.Hour).Add(time.Duration(a)*time.Hour + time.Duration(n)*time.Second)
	c := &comment.Comment{
		SiteID: benchSite, ArticleURL: benchArticleURL(a), ArticleTitle: fmt.Sprintf("Bench article %d", a),
		AuthorName: fmt.Sprintf("Reader %d", reader), EmailCipher: cipher, EmailHMAC: s.keys.EmailHMAC(email),
		Body: body, HTML: s.render.Render(body), Status: status, Score: -1,
		EditTokenHash: secret.TokenHash(secret.NewToken()), CreatedAt: at,
	}
	if status == comment.StatusApproved {
		c.DecidedBy, c.DecidedAt = "bench-seed", at
	} else {
		site := comment.Site{ID: benchSite}
		as := s.policy.Assess(site, body)
		c.Score, c.Spans, c.Flagged = as.Score, as.Spans, as.Flagged
	}
	return c, nil
}

// benchToken makes (or finds) the bench admin and gives it a new token.
func (s *seeder) benchToken(ctx context.Context) (string, error) {
	m, err := s.store.ModeratorByName(ctx, benchModerator)
	if comment.ErrorCode(err) == comment.CodeNotFound {
		hash, herr := secret.HashPassword(secret.NewToken())
		if herr != nil {
			return "", herr
		}
		m, err = s.store.CreateModerator(ctx, comment.Moderator{Name: benchModerator, Role: comment.RoleAdmin, PasswordHash: hash, CreatedAt: s.start})
	}
	if err != nil {
		return "", err
	}
	token := secret.NewToken()
	return token, s.store.CreateToken(ctx, m.ID, secret.TokenHash(token), s.start)
}

// pendingIDs lists up to n pending comments of the bench site.
func (s *seeder) pendingIDs(ctx context.Context, n int) ([]int64, error) {
	var ids []int64
	var after comment.Cursor
	for len(ids) < n {
		page, err := s.store.Queue(ctx, comment.QueueQuery{SiteID: benchSite, Status: comment.StatusPending, After: after, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			ids = append(ids, c.ID)
		}
		if len(page) < 200 {
			break
		}
		last := page[len(page)-1]
		after = comment.Cursor{CreatedAt: last.CreatedAt, ID: last.ID, Flagged: last.Flagged}
	}
	return ids, nil
}
