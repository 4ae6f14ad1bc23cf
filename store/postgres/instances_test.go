package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/store/postgres"
	"github.com/parleyhq/parley/store/postgres/pgtest"
)

const (
	siteOrigin = "https://news.example"
	articleURL = "https://news.example/2026/talks"
)

// instance is one Parley API server with its own pool, bus and port, as a
// separate process would have.
type instance struct {
	t     *testing.T
	url   string
	token string
	store *postgres.Store
	bus   *postgres.Bus
	api   *httpapi.Server
}

// cluster is several instances on one fresh schema, sharing one key.
type cluster struct {
	dbURL string
	keys  *secret.Keyring
	token string
}

func newCluster(t *testing.T) *cluster { return newClusterAt(t, pgtest.URL(t)) }

func newClusterAt(t *testing.T, dbURL string) *cluster {
	t.Helper()
	ctx := context.Background()
	c := &cluster{dbURL: dbURL}
	var err error
	if c.keys, err = secret.LoadOrCreate(filepath.Join(t.TempDir(), "parley.key")); err != nil {
		t.Fatal(err)
	}
	s := open(t, c.dbURL)
	defer s.Close()
	if err := s.CreateSite(ctx, comment.Site{ID: "news", Origins: []string{siteOrigin}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	m, err := s.CreateModerator(ctx, comment.Moderator{Name: "ann", Role: comment.RoleAdmin, PasswordHash: "x", CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	c.token = secret.NewToken()
	if err := s.CreateToken(ctx, m.ID, secret.TokenHash(c.token), time.Now()); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *cluster) start(t *testing.T, rateLimits bool) *instance {
	t.Helper()
	s := open(t, c.dbURL)
	bus, err := postgres.NewBus(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Config{
		Store: s, Keys: c.keys, NoRateLimits: !rateLimits, Bus: bus,
		Limiters: func(name string, burst int, every time.Duration) httpapi.Limiter {
			return s.NewLimiter(name, burst, every)
		},
	})
	srv := httptest.NewServer(api)
	t.Cleanup(func() {
		srv.Close()
		api.Close()
		bus.Close()
		s.Close()
	})
	return &instance{t: t, url: srv.URL, token: c.token, store: s, bus: bus, api: api}
}

func (in *instance) call(method, path string, body any, out any) int {
	in.t.Helper()
	var rd bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = *bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, in.url+path, &rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+in.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

func (in *instance) submit(body string) (int, int64) {
	in.t.Helper()
	var out struct {
		ID int64 `json:"id"`
	}
	code := in.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": articleURL, "article_title": "Talks",
		"name": "Ada", "email": "ada@example.com", "body": body}, &out)
	return code, out.ID
}

func (in *instance) threadIDs() []int64 {
	in.t.Helper()
	var th struct {
		Comments []struct {
			ID int64 `json:"id"`
		} `json:"comments"`
	}
	if code := in.call("GET", "/api/v1/threads?site=news&url="+url.QueryEscape(articleURL), nil, &th); code != 200 {
		in.t.Fatalf("thread: %d", code)
	}
	var ids []int64
	for _, c := range th.Comments {
		ids = append(ids, c.ID)
	}
	return ids
}

func contains(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

// hearEachOther waits until every instance counts the others as peers: an
// instance that has just started is not yet waited for.
func hearEachOther(t *testing.T, ins ...*instance) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, in := range ins {
		for in.bus.Peers() < len(ins)-1 {
			if time.Now().After(deadline) {
				t.Fatalf("instance hears %d peers, want %d", in.bus.Peers(), len(ins)-1)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// A comment submitted to A and approved on B is in A's very next thread
// read, although A had that thread cached; and A's subscribers (the
// dashboard's live view) hear of B's decision.
func TestTwoInstancesShareCacheInvalidation(t *testing.T) {
	c := newCluster(t)
	a, b := c.start(t, false), c.start(t, false)
	hearEachOther(t, a, b)

	var mu sync.Mutex
	var heard []httpapi.ThreadNotice
	unsubscribe := a.bus.Subscribe(func(kind string, payload json.RawMessage) {
		if kind != httpapi.NoticeThread {
			return
		}
		var n httpapi.ThreadNotice
		json.Unmarshal(payload, &n)
		mu.Lock()
		heard = append(heard, n)
		mu.Unlock()
	})
	defer unsubscribe()

	for i := range 10 {
		code, id := a.submit(fmt.Sprintf("Comment number %d on the talks.", i))
		if code != 202 {
			t.Fatalf("submit to A: %d", code)
		}
		before := a.threadIDs() // cached on A now
		if contains(before, id) {
			t.Fatalf("pending comment %d in thread", id)
		}
		if again := a.threadIDs(); len(again) != len(before) {
			t.Fatalf("cached thread changed without a decision: %v then %v", before, again)
		}
		if code := b.call("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", id), nil, nil); code != 200 {
			t.Fatalf("approve on B: %d", code)
		}
		if after := a.threadIDs(); !contains(after, id) {
			t.Fatalf("round %d: A's thread %v lacks comment %d approved on B (stale cache)", i, after, id)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(heard)
		mu.Unlock()
		if n >= 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("A's subscriber heard %d of B's 10 decisions", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if heard[0] != (httpapi.ThreadNotice{Site: "news", URL: articleURL}) {
		t.Errorf("notice = %+v", heard[0])
	}
}

// Closing an article on B drops A's cached copy too (the thread says closed).
func TestTwoInstancesArticleClosed(t *testing.T) {
	c := newCluster(t)
	a, b := c.start(t, false), c.start(t, false)
	hearEachOther(t, a, b)
	_, id := a.submit("First.")
	if code := a.call("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", id), nil, nil); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	var th struct {
		Article struct {
			Closed bool `json:"closed"`
		} `json:"article"`
	}
	path := "/api/v1/threads?site=news&url=" + url.QueryEscape(articleURL)
	a.call("GET", path, nil, &th)
	if th.Article.Closed {
		t.Fatal("article closed before closing")
	}
	if code := b.call("POST", "/api/v1/admin/articles/close", map[string]any{"site": "news", "url": articleURL}, nil); code != 200 {
		t.Fatalf("close on B: %d", code)
	}
	a.call("GET", path, nil, &th)
	if !th.Article.Closed {
		t.Error("A still serves the open article after B closed it")
	}
	if code, _ := a.submit("Too late."); code != 422 {
		t.Errorf("submit to A on closed article: %d, want 422", code)
	}
}

// An article moved to its canonical URL on A (as the background page read
// does) is served under its old URL by B at once, though B had read the
// old URL's thread and the site's aliases before; and a comment sent to B
// under the old URL joins the canonical article.
func TestTwoInstancesArticleAlias(t *testing.T) {
	c := newCluster(t)
	a, b := c.start(t, false), c.start(t, false)
	hearEachOther(t, a, b)
	const amp = siteOrigin + "/amp/2026/talks"
	post := func(in *instance, u, body string) int64 {
		t.Helper()
		var out struct {
			ID int64 `json:"id"`
		}
		if code := in.call("POST", "/api/v1/comments", map[string]any{"site": "news", "article_url": u, "article_title": "Talks",
			"name": "Ada", "email": "ada@example.com", "body": body}, &out); code != 202 {
			t.Fatalf("submit: %d", code)
		}
		if code := in.call("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", out.ID), nil, nil); code != 200 {
			t.Fatalf("approve: %d", code)
		}
		return out.ID
	}
	type thread struct {
		Article struct {
			URL string `json:"url"`
		} `json:"article"`
		Comments []struct {
			ID int64 `json:"id"`
		} `json:"comments"`
	}
	read := func(in *instance, u string) thread {
		t.Helper()
		var th thread
		if code := in.call("GET", "/api/v1/threads?site=news&url="+url.QueryEscape(u), nil, &th); code != 200 {
			t.Fatalf("thread: %d", code)
		}
		return th
	}
	first := post(a, articleURL, "On the article itself.")
	second := post(a, amp, "From the AMP page.")
	if th := read(b, amp); th.Article.URL != amp || len(th.Comments) != 1 {
		t.Fatalf("B's AMP thread before the move = %+v", th)
	}
	if _, err := a.api.Desk.CanonicalizeArticle(context.Background(), comment.ArticleCanonical{SiteID: "news", URL: amp, Canonical: articleURL, Moderator: "article-page"}); err != nil {
		t.Fatal(err)
	}
	th := read(b, amp)
	if th.Article.URL != articleURL || len(th.Comments) != 2 || th.Comments[0].ID != first || th.Comments[1].ID != second {
		t.Fatalf("B's thread under the AMP URL after the move = %+v, want the canonical thread with both", th)
	}
	third := post(b, amp, "From the AMP page, through B.")
	if th := read(a, articleURL); len(th.Comments) != 3 || th.Comments[2].ID != third {
		t.Errorf("canonical thread on A = %+v, want the comment sent to B under the AMP URL", th)
	}
}

// The submission limit (a burst of 10 per address) holds across
// instances: alternating between A and B does not double it.
func TestTwoInstancesShareRateLimits(t *testing.T) {
	c := newCluster(t)
	a, b := c.start(t, true), c.start(t, true)
	accepted := 0
	for i := range 16 {
		in := a
		if i%2 == 1 {
			in = b
		}
		code, _ := in.submit(fmt.Sprintf("Comment %d.", i))
		switch code {
		case 202:
			accepted++
		case 429:
		default:
			t.Fatalf("submit %d: %d", i, code)
		}
	}
	if accepted != 10 {
		t.Errorf("accepted %d of 16 submissions across two instances, want 10 (the burst)", accepted)
	}
}

// A command that changes a thread outside any server (`parley article
// close`) notifies the running instances with Store.Notify; they drop their
// cached copy, and do not take the command for a peer to wait on.
func TestNotifyFromCommand(t *testing.T) {
	c := newCluster(t)
	a := c.start(t, false)
	_, id := a.submit("First.")
	a.call("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", id), nil, nil)
	var th struct {
		Article struct {
			Closed bool `json:"closed"`
		} `json:"article"`
	}
	path := "/api/v1/threads?site=news&url=" + url.QueryEscape(articleURL)
	a.call("GET", path, nil, &th) // cached
	cli := open(t, c.dbURL)
	defer cli.Close()
	ctx := context.Background()
	if err := cli.SetArticleClosed(ctx, "news", articleURL, true); err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(httpapi.ThreadNotice{Site: "news", URL: articleURL})
	if err := cli.Notify(ctx, httpapi.NoticeThread, payload); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for a.call("GET", path, nil, &th); !th.Article.Closed; a.call("GET", path, nil, &th) {
		if time.Now().After(deadline) {
			t.Fatal("A still serves the open article after the command closed it")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := a.bus.Peers(); n != 0 {
		t.Errorf("A counts %d peers after a command's notice, want 0", n)
	}
}

// Broadcast reaches the other instances' subscribers (and this one's at
// once) without waiting for acknowledgements.
func TestBusBroadcast(t *testing.T) {
	c := newCluster(t)
	a, b := c.start(t, false), c.start(t, false)
	hearEachOther(t, a, b)
	got := make(chan string, 4)
	for _, in := range []*instance{a, b} {
		unsubscribe := in.bus.Subscribe(func(kind string, payload json.RawMessage) {
			if kind == "event" {
				got <- in.url + " " + string(payload)
			}
		})
		defer unsubscribe()
	}
	if err := b.bus.Broadcast(context.Background(), "event", json.RawMessage(`{"n":1}`)); err != nil {
		t.Fatal(err)
	}
	heard := map[string]bool{}
	for range 2 {
		select {
		case s := <-got:
			heard[s] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("heard only %v", heard)
		}
	}
	if !heard[a.url+` {"n":1}`] || !heard[b.url+` {"n":1}`] {
		t.Errorf("heard %v, want the event on both instances", heard)
	}
}

// A trusted commenter's comment on B (a site in auto-approve-trusted mode)
// is held for review while email ownership cannot be proven (anyone can
// type a trusted address), so it is in neither instance's thread.
func TestTwoInstancesAutoApproved(t *testing.T) {
	c := newCluster(t)
	a, b := c.start(t, false), c.start(t, false)
	hearEachOther(t, a, b)
	ctx := context.Background()
	_, first := a.submit("A first comment, to be trusted from.")
	site, err := a.store.Site(ctx, "news")
	if err != nil {
		t.Fatal(err)
	}
	site.Mode = comment.ModeTrusted
	if err := a.store.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.SetStanding(ctx, comment.StandingChange{SiteID: "news", EmailHMAC: c.keys.EmailHMAC("ada@example.com"),
		Standing: comment.StandingTrusted, CommentID: first, Moderator: "ann", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if ids := a.threadIDs(); len(ids) != 0 { // cached, empty
		t.Fatalf("thread = %v, want empty", ids)
	}
	code, id := b.submit("Trusted, but the email is unverified: held.")
	if code != 202 {
		t.Fatalf("submit to B: %d", code)
	}
	if got, err := b.store.Comment(ctx, id); err != nil || got.Status != comment.StatusPending {
		t.Fatalf("comment from a trusted commenter = %s, %v; want pending (email unverified)", got.Status, err)
	}
	if ids := a.threadIDs(); contains(ids, id) {
		t.Errorf("A's thread %v shows comment %d held on B", ids, id)
	}
}
