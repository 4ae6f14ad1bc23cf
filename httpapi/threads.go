package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/comment"
)

// ThreadPageSize is how many top-level comments one thread page holds.
const ThreadPageSize = 50

// Author is a commenter as the public sees them: never an email or a hash.
type Author struct {
	Name    string `json:"name"`
	Website string `json:"website"`
}

// ThreadComment is one approved comment in a thread, with its replies. A
// comment removed by a moderator (Removed) or deleted by its author
// (Deleted) that still has published replies stays as a tombstone, so the
// replies keep their place: it has no author and no html.
type ThreadComment struct {
	ID        int64   `json:"id"`
	ParentID  *int64  `json:"parent_id"`
	Author    *Author `json:"author,omitempty"`
	HTML      string  `json:"html,omitempty"`
	CreatedAt string  `json:"created_at"`
	EditedAt  string  `json:"edited_at,omitempty"`
	Removed   bool    `json:"removed,omitempty"`
	Deleted   bool    `json:"deleted,omitempty"`
	// Staff marks a comment a moderator wrote (Comment.StaffBy); nothing
	// a reader sends can set it.
	Staff   bool             `json:"staff,omitempty"`
	Replies []*ThreadComment `json:"replies"`
}

// ThreadArticle describes the article of a thread.
type ThreadArticle struct {
	URL          string `json:"url"`
	Title        string `json:"title"`
	CommentCount int    `json:"comment_count"`
	Closed       bool   `json:"closed"`
	// Mode is the moderation mode in force for the article, so that the
	// form makes the right promise.
	Mode comment.Mode `json:"mode"`
}

// ThreadResponse is the body of GET /api/v1/threads.
type ThreadResponse struct {
	Article  ThreadArticle    `json:"article"`
	Comments []*ThreadComment `json:"comments"`
	Next     *string          `json:"next"`
	// Sort is the order of this page: the one asked, else the site's default.
	Sort comment.Sort `json:"sort"`
	// Picks are the comments editors featured, on the first page only.
	Picks []*ThreadComment `json:"picks,omitempty"`
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// encodeCursor makes an opaque cursor string.
func encodeCursor(c comment.Cursor) string {
	f := "0"
	if c.Flagged || c.Featured {
		f = "1"
	}
	raw := strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + "." + strconv.FormatInt(c.ID, 10) + "." + f
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(field, s string) (comment.Cursor, error) {
	bad := badRequest("The cursor is not one this server gave out.", comment.FieldError{Field: field, Message: "is not a valid cursor"})
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return comment.Cursor{}, bad
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 3 {
		return comment.Cursor{}, bad
	}
	us, err1 := strconv.ParseInt(parts[0], 10, 64)
	id, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || id <= 0 || (parts[2] != "0" && parts[2] != "1") {
		return comment.Cursor{}, bad
	}
	return comment.Cursor{CreatedAt: time.UnixMicro(us).UTC(), ID: id, Flagged: parts[2] == "1"}, nil
}

func (s *Server) thread(w http.ResponseWriter, r *http.Request) error {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return badRequest("The query string is malformed: " + err.Error())
	}
	siteID, pageURL := q.Get("site"), q.Get("url")
	var errs []comment.FieldError
	if siteID == "" {
		errs = append(errs, comment.FieldError{Field: "site", Message: "is required"})
	}
	if pageURL == "" {
		errs = append(errs, comment.FieldError{Field: "url", Message: "is required"})
	} else if len(pageURL) > MaxURLBytes {
		errs = append(errs, comment.FieldError{Field: "url", Message: "is too long"})
	}
	sort := comment.Sort(q.Get("sort"))
	if sort != "" && !sort.Valid() {
		errs = append(errs, comment.FieldError{Field: "sort", Message: "must be oldest, newest or featured"})
	}
	var after comment.Cursor
	if a := q.Get("after"); a != "" {
		c, err := decodeCursor("after", a)
		if err != nil {
			errs = append(errs, comment.FieldError{Field: "after", Message: "is not a valid cursor"})
		}
		// The cursor's flag bit is, in a thread sorted featured first,
		// whether the last comment was featured.
		c.Featured = c.Flagged
		after = c
	}
	if len(errs) > 0 {
		return badRequest("The query has invalid parameters.", errs...)
	}
	site, err := s.sites.site(r.Context(), s.Store, siteID)
	if err != nil {
		if comment.ErrorCode(err) == comment.CodeNotFound {
			return &comment.Error{Code: comment.CodeNotFound, Message: "Unknown site.", Fields: []comment.FieldError{{Field: "site", Message: "is not a site this server knows"}}}
		}
		return err
	}
	if err := checkOrigin(w, r, site); err != nil {
		return err
	}
	pageURL = NormalizeArticleURL(pageURL, site.TrackingParams)
	// An alias (an AMP or print URL whose page names another as canonical)
	// reads the canonical article's thread; the aliases are in memory.
	if pageURL, err = s.aliases.resolve(r.Context(), s.Store, siteID, pageURL); err != nil {
		return err
	}
	if sort == "" {
		sort = site.Policy.DefaultSortOrOldest()
	}

	key := articleKey(siteID, pageURL)
	variant := string(sort) + "|" + q.Get("after")
	cached, ok, gen := s.threads.get(key, variant)
	if ok && !cached.expires.IsZero() && !s.Now().Before(cached.expires) {
		ok = false
	}
	if !ok {
		th, err := s.Store.Thread(r.Context(), comment.ThreadQuery{SiteID: siteID, URL: pageURL, Sort: sort, After: after, Limit: ThreadPageSize})
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		resp := buildThread(th)
		resp.Article.Mode = site.ModeFor(pageURL)
		resp.Sort = sort
		closesAt := autoCloseAt(site, pageURL, th.Article)
		if !closesAt.IsZero() && !s.Now().Before(closesAt) {
			resp.Article.Closed = true
		}
		if after.IsZero() && th.Exists {
			picks, err := s.Store.Picks(r.Context(), siteID, pageURL)
			if err != nil {
				return err
			}
			resp.Picks = pickNodes(picks)
		}
		if err := json.NewEncoder(&buf).Encode(resp); err != nil {
			return err
		}
		sum := sha256.Sum256(buf.Bytes())
		cached = &cachedThread{body: buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		if !resp.Article.Closed {
			cached.expires = closesAt
		}
		// Only pages of the site's own articles are kept: a URL off its
		// origins has no comments, and must not fill the cache.
		if o, ok := originOf(pageURL); ok && slices.Contains(site.Origins, o) {
			s.threads.put(key, variant, cached, gen)
		}
	}
	writeThread(w, r, cached)
	return nil
}

// writeThread sends a rendered thread: 304 when the client has it, else
// the body in the best encoding the client accepts (Brotli, gzip or none).
func writeThread(w http.ResponseWriter, r *http.Request, t *cachedThread) {
	h := w.Header()
	h["Etag"] = []string{t.etag}
	// Browsers and CDNs may keep a copy but must ask again each time; the
	// ETag makes that a 304 with no body.
	h["Cache-Control"] = cacheControl
	h.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, t.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := t.body
	switch acceptEncoding(r.Header.Get("Accept-Encoding")) {
	case "br":
		body = t.brotlied()
		h["Content-Encoding"] = brEncoding
	case "gzip":
		body = t.gzipped()
		h["Content-Encoding"] = gzipEncoding
	}
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// Header values shared by every thread response (never modified).
var (
	cacheControl    = []string{"public, no-cache"}
	brEncoding      = []string{"br"}
	gzipEncoding    = []string{"gzip"}
	jsonContentType = []string{"application/json"}
)

// acceptEncoding picks "br", "gzip" or "" from an Accept-Encoding header,
// honouring q=0 as a refusal.
func acceptEncoding(header string) string {
	if header == "" {
		return ""
	}
	br, gz := false, false
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				continue
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "br":
			br = true
		case "gzip":
			gz = true
		}
	}
	switch {
	case br:
		return "br"
	case gz:
		return "gzip"
	}
	return ""
}

// buildThread nests a page's replies under their parents, keeping removed
// and deleted comments only as tombstones above published replies.
func buildThread(th comment.Thread) ThreadResponse {
	out := ThreadResponse{
		Article:  ThreadArticle{URL: th.Article.URL, CommentCount: th.Article.ApprovedCount, Closed: th.Article.Closed},
		Comments: make([]*ThreadComment, 0, len(th.Roots)),
	}
	all := make([]*ThreadComment, 0, len(th.Roots)+len(th.Replies))
	parents := make([]*ThreadComment, 0, cap(all))
	nodes := make(map[int64]*ThreadComment, cap(all))
	children := make(map[*ThreadComment][]*ThreadComment, cap(all))
	node := func(c comment.Comment) *ThreadComment {
		n := &ThreadComment{ID: c.ID, CreatedAt: timestamp(c.CreatedAt), Replies: []*ThreadComment{}}
		switch c.Status {
		case comment.StatusRemoved:
			n.Removed = true
		case comment.StatusDeleted:
			n.Deleted = true
		default:
			n.Author, n.HTML = &Author{Name: c.AuthorName, Website: c.AuthorWebsite}, c.HTML
			n.Staff = c.StaffBy != ""
			if !c.EditedAt.IsZero() {
				n.EditedAt = timestamp(c.EditedAt)
			}
		}
		if c.ParentID != 0 {
			n.ParentID = &c.ParentID
		}
		nodes[c.ID] = n
		return n
	}
	for _, c := range th.Roots {
		all = append(all, node(c))
		parents = append(parents, nil)
	}
	for _, c := range th.Replies {
		n := node(c)
		parent := nodes[c.ParentID]
		if parent == nil {
			parent = nodes[c.RootID]
		}
		all = append(all, n)
		parents = append(parents, parent)
		if parent != nil {
			children[parent] = append(children[parent], n)
		}
	}
	// A reply comes after its parent (it was written later), so walking
	// backwards settles every child before its parent, without recursion
	// however deep the chain.
	keep := make(map[*ThreadComment]bool, len(all))
	for i := len(all) - 1; i >= 0; i-- {
		n := all[i]
		if n.Removed || n.Deleted {
			visible := false
			for _, r := range children[n] {
				if keep[r] {
					visible = true
					break
				}
			}
			if !visible {
				continue
			}
		}
		keep[n] = true
	}
	for i, n := range all {
		if !keep[n] {
			continue
		}
		switch p := parents[i]; {
		case i < len(th.Roots):
			out.Comments = append(out.Comments, n)
		case p != nil:
			p.Replies = append(p.Replies, n)
		}
	}
	if th.Article.TitleVerified {
		// Only the newsroom's own title is published, never the one the
		// first commenter sent.
		out.Article.Title = th.Article.Title
	}
	if !th.Next.IsZero() {
		next := encodeCursor(th.Next)
		out.Next = &next
	}
	return out
}
