package httpapi

import (
	"context"
	"io"
	"net/http"
	neturl "net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/comment"
	"golang.org/x/net/html"
)

// Limits on reading an article's page for its title.
const (
	articleFetchTimeout = 5 * time.Second
	articleFetchBytes   = 512 << 10
	articleFetchAtOnce  = 4
)

// articlePages reads the newsroom's own title of each new article from its
// page, in the background, once per article and process.
type articlePages struct {
	client *http.Client
	slots  chan struct{}
	mu     sync.Mutex
	seen   map[string]bool
}

func newArticlePages(client *http.Client) *articlePages {
	if client == nil {
		client = &http.Client{Timeout: articleFetchTimeout,
			// A redirect is followed only within the site's origins; see fetch.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &articlePages{client: client, slots: make(chan struct{}, articleFetchAtOnce), seen: map[string]bool{}}
}

// articleTitleLater reads an article's title and canonical link from its
// page in the background unless the article already has a verified title.
// It never runs on the submission's path, fetches only from the site's own
// origins, and gives up at a timeout or size cap; failing, the commenter's
// title stays unverified (shown to moderators only). When the page names
// another URL of the site's origins as canonical, the article moves there
// (see desk.CanonicalizeArticle) and the title is set on the canonical one.
func (s *Server) articleTitleLater(site comment.Site, url string) {
	if s.pages == nil {
		return
	}
	key := articleKey(site.ID, url)
	s.pages.mu.Lock()
	if len(s.pages.seen) >= 100_000 {
		s.pages.seen = map[string]bool{} // bounded; an article checked twice costs one read
	}
	seen := s.pages.seen[key]
	s.pages.seen[key] = true
	s.pages.mu.Unlock()
	if seen {
		return
	}
	origin, ok := originOf(url)
	if !ok || !slices.Contains(site.Origins, origin) {
		return
	}
	select {
	case s.pages.slots <- struct{}{}:
	default:
		// Busy: forget it, so the next comment on the article tries again.
		s.pages.mu.Lock()
		delete(s.pages.seen, key)
		s.pages.mu.Unlock()
		return
	}
	go func() {
		defer func() { <-s.pages.slots }()
		ctx, cancel := context.WithTimeout(context.Background(), articleFetchTimeout)
		defer cancel()
		a, err := s.Store.Article(ctx, site.ID, url)
		if err != nil || a.TitleVerified {
			return
		}
		page, err := s.pages.read(ctx, url, site)
		if err != nil {
			s.Logger.Info("reading an article's page failed", "site", site.ID, "err", err)
			return
		}
		if page.Canonical != "" && page.Canonical != url {
			a, err = s.Desk.CanonicalizeArticle(ctx, comment.ArticleCanonical{SiteID: site.ID, URL: url, Canonical: page.Canonical, Moderator: "article-page"})
			if err != nil {
				s.Logger.Warn("moving an article to its canonical URL failed", "site", site.ID, "err", err)
				return
			}
		}
		if page.Title == "" || a.TitleVerified {
			return
		}
		if _, err := s.Desk.ChangeArticle(ctx, comment.ArticleChange{SiteID: site.ID, URL: a.URL, Title: &page.Title, Moderator: "article-page"}); err != nil {
			s.Logger.Warn("storing an article's title failed", "site", site.ID, "err", err)
		}
	}()
}

// read fetches an article's page and reads it (see ReadArticlePage).
func (p *articlePages) read(ctx context.Context, url string, site comment.Site) (ArticlePage, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return ArticlePage{}, err
	}
	req.Header.Set("Accept", "text/html")
	req.Header.Set("User-Agent", "Parley (article title)")
	resp, err := p.client.Do(req)
	if err != nil {
		return ArticlePage{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ArticlePage{}, &comment.Error{Code: comment.CodeUnavailable, Message: "the article page answered " + resp.Status}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "html") {
		return ArticlePage{}, &comment.Error{Code: comment.CodeUnavailable, Message: "the article page is not HTML: " + ct}
	}
	return ReadArticlePage(io.LimitReader(resp.Body, articleFetchBytes), url, site), nil
}

// ArticlePage is what the server reads from an article's page.
type ArticlePage struct {
	// Title is the og:title, else the <title>, trimmed and cut to
	// MaxTitleRunes; "" when the page has neither.
	Title string
	// Canonical is the page's <link rel="canonical"> href, resolved against
	// the page's URL and normalized as a submitted article URL is; "" when
	// the page has none, or it is not an http(s) URL on one of the site's
	// origins.
	Canonical string
}

// PageTitle reads an HTML page's og:title, else its <title>, trimmed and
// cut to MaxTitleRunes; "" when it has neither.
func PageTitle(r io.Reader) string {
	return ReadArticlePage(r, "", comment.Site{}).Title
}

// ReadArticlePage reads an HTML page's title and canonical link (both in
// its head) in one pass; pageURL is where it was fetched from.
func ReadArticlePage(r io.Reader, pageURL string, site comment.Site) ArticlePage {
	z := html.NewTokenizer(r)
	var og, title, canonical string
	done := func() ArticlePage {
		return ArticlePage{Title: cleanTitle(og, title), Canonical: canonicalURL(canonical, pageURL, site)}
	}
	inTitle := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return done()
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "meta":
				var prop, content string
				for _, a := range tok.Attr {
					switch a.Key {
					case "property", "name":
						prop = a.Val
					case "content":
						content = a.Val
					}
				}
				if prop == "og:title" && og == "" {
					og = content
				}
			case "link":
				var rel, href string
				for _, a := range tok.Attr {
					switch a.Key {
					case "rel":
						rel = a.Val
					case "href":
						href = a.Val
					}
				}
				isCanonical := slices.ContainsFunc(strings.Fields(rel), func(r string) bool { return strings.EqualFold(r, "canonical") })
				if isCanonical && canonical == "" {
					canonical = strings.TrimSpace(href)
				}
			case "title":
				inTitle = title == ""
			case "body":
				return done()
			}
		case html.TextToken:
			if inTitle {
				title += string(z.Text())
			}
		case html.EndTagToken:
			if tn, _ := z.TagName(); string(tn) == "title" {
				inTitle = false
			} else if string(tn) == "head" {
				return done()
			}
		}
	}
}

// canonicalURL resolves a canonical link's href against the page's URL and
// normalizes it, or returns "" unless it is an http(s) URL a comment could
// be posted under: on one of the site's origins, within MaxURLBytes.
func canonicalURL(href, pageURL string, site comment.Site) string {
	if href == "" || pageURL == "" {
		return ""
	}
	base, err := neturl.Parse(pageURL)
	if err != nil {
		return ""
	}
	ref, err := neturl.Parse(href)
	if err != nil {
		return ""
	}
	abs := NormalizeArticleURL(base.ResolveReference(ref).String(), site.TrackingParams)
	if len(abs) > MaxURLBytes || checkText(abs, false) != "" || !validHTTPURL(abs) || !slices.Contains(site.Origins, mustOrigin(abs)) {
		return ""
	}
	return abs
}

func cleanTitle(og, title string) string {
	t := strings.TrimSpace(og)
	if t == "" {
		t = strings.TrimSpace(title)
	}
	t = strings.Join(strings.Fields(t), " ")
	if checkText(t, false) != "" {
		return ""
	}
	if utf8.RuneCountInString(t) > MaxTitleRunes {
		t = strings.TrimSpace(string([]rune(t)[:MaxTitleRunes]))
	}
	return t
}
