package httpapi

import (
	"context"
	"io"
	"net/http"
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

// articleTitleLater reads an article's title from its page in the
// background unless the article already has a verified title. It never
// runs on the submission's path, fetches only from the site's own origins,
// and gives up at a timeout or size cap; failing, the commenter's title
// stays unverified (shown to moderators only).
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
		title, err := s.pages.title(ctx, url)
		if err != nil {
			s.Logger.Info("reading an article's title failed", "site", site.ID, "err", err)
			return
		}
		if title == "" {
			return
		}
		if _, err := s.Desk.ChangeArticle(ctx, comment.ArticleChange{SiteID: site.ID, URL: url, Title: &title, Moderator: "article-page"}); err != nil {
			s.Logger.Warn("storing an article's title failed", "site", site.ID, "err", err)
		}
	}()
}

// title fetches a page and returns its og:title, else its <title>.
func (p *articlePages) title(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "text/html")
	req.Header.Set("User-Agent", "Parley (article title)")
	resp, err := p.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", &comment.Error{Code: comment.CodeUnavailable, Message: "the article page answered " + resp.Status}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "html") {
		return "", &comment.Error{Code: comment.CodeUnavailable, Message: "the article page is not HTML: " + ct}
	}
	return PageTitle(io.LimitReader(resp.Body, articleFetchBytes)), nil
}

// PageTitle reads an HTML page's og:title, else its <title>, trimmed and
// cut to MaxTitleRunes; "" when it has neither.
func PageTitle(r io.Reader) string {
	z := html.NewTokenizer(r)
	var og, title string
	inTitle := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return cleanTitle(og, title)
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
			case "title":
				inTitle = title == ""
			case "body":
				return cleanTitle(og, title)
			}
		case html.TextToken:
			if inTitle {
				title += string(z.Text())
			}
		case html.EndTagToken:
			if tn, _ := z.TagName(); string(tn) == "title" {
				inTitle = false
			} else if string(tn) == "head" {
				return cleanTitle(og, title)
			}
		}
	}
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
