package httpapi_test

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/internal/testenv"
)

func threadQuery(extra string) string {
	return "site=news&url=" + url.QueryEscape(articleURL) + extra
}

func TestModerationFlow(t *testing.T) {
	e := newEnv(t)
	a := e.submit(validSubmission())
	if th := e.thread(threadQuery("")); len(th.Comments) != 0 || th.Article.CommentCount != 0 {
		t.Fatalf("pending comment visible: %+v", th)
	}
	// A reply to a pending comment is refused.
	reply := validSubmission()
	reply["parent_id"] = a.ID
	var p problem
	if resp := e.do("POST", "/api/v1/comments", reply, nil, &p); resp.StatusCode != 422 || fieldsOf(p)[0] != "parent_id" {
		t.Fatalf("reply to pending: %d %+v", resp.StatusCode, p)
	}
	var queue struct {
		Items []httpapi.QueueItem `json:"items"`
		Count map[string]int      `json:"counts"`
	}
	e.admin("GET", "/api/v1/admin/queue?site=news", nil, &queue)
	if len(queue.Items) != 1 || queue.Items[0].ID != a.ID || queue.Count["pending"] != 1 {
		t.Fatalf("queue = %+v", queue)
	}
	if resp := e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", a.ID), nil, nil); resp.StatusCode != 200 {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	th := e.thread(threadQuery(""))
	if len(th.Comments) != 1 || th.Comments[0].ID != a.ID || th.Article.CommentCount != 1 || th.Article.Title != "" {
		t.Fatalf("approved comment not visible: %+v", th)
	}
	if th.Comments[0].Author.Name != "Ada Lovelace" || th.Comments[0].Author.Website != "https://ada.example" {
		t.Errorf("author = %+v", th.Comments[0].Author)
	}
	// Now the reply is accepted, and shows nested once approved.
	r := e.submit(reply)
	e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", r.ID), nil, nil)
	th = e.thread(threadQuery(""))
	if len(th.Comments) != 1 || len(th.Comments[0].Replies) != 1 || th.Comments[0].Replies[0].ID != r.ID || *th.Comments[0].Replies[0].ParentID != a.ID {
		t.Fatalf("reply not nested: %+v", th.Comments[0])
	}
	// A rejected comment never shows.
	b := e.submit(validSubmission())
	if resp := e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/reject", b.ID), map[string]any{"reason": "ad_hominem", "note": "calls the ambassador a liar"}, nil); resp.StatusCode != 200 {
		t.Fatalf("reject: %d", resp.StatusCode)
	}
	for _, sort := range []string{"oldest", "newest"} {
		for _, c := range e.thread(threadQuery("&sort=" + sort)).Comments {
			if c.ID == b.ID {
				t.Errorf("rejected comment visible with sort=%s", sort)
			}
		}
	}
	// Deciding twice is a conflict.
	if resp := e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", b.ID), nil, &p); resp.StatusCode != 409 {
		t.Errorf("second decision: %d, want 409", resp.StatusCode)
	}
	// Bad reasons name the field.
	c := e.submit(validSubmission())
	for _, body := range []map[string]any{{}, {"reason": "rude"}} {
		if resp := e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/reject", c.ID), body, &p); resp.StatusCode != 422 || fieldsOf(p)[0] != "reason" {
			t.Errorf("reject %v: %d %+v", body, resp.StatusCode, p)
		}
	}
	if resp := e.admin("POST", "/api/v1/admin/comments/99999/approve", nil, nil); resp.StatusCode != 404 {
		t.Errorf("approve unknown: %d, want 404", resp.StatusCode)
	}
	var audit struct {
		Entries []struct {
			Moderator string `json:"moderator"`
			Action    string `json:"action"`
			CommentID int64  `json:"comment_id"`
			Reason    string `json:"reason"`
			Note      string `json:"note"`
			At        string `json:"at"`
		} `json:"entries"`
	}
	e.admin("GET", "/api/v1/admin/audit?site=news", nil, &audit)
	if len(audit.Entries) != 3 {
		t.Fatalf("audit = %+v", audit)
	}
	last := audit.Entries[0]
	if last.Moderator != "ann" || last.Action != "reject" || last.CommentID != b.ID || last.Reason != "ad_hominem" || last.Note != "calls the ambassador a liar" || last.At == "" {
		t.Errorf("newest audit entry = %+v", last)
	}
	// Closed articles take no new comments.
	if resp := e.admin("POST", "/api/v1/admin/articles/close", map[string]any{"site": "news", "url": articleURL}, nil); resp.StatusCode != 200 {
		t.Fatalf("close: %d", resp.StatusCode)
	}
	if resp := e.do("POST", "/api/v1/comments", validSubmission(), nil, &p); resp.StatusCode != 422 || fieldsOf(p)[0] != "article_url" {
		t.Errorf("comment on closed article: %d %+v", resp.StatusCode, p)
	}
}

func TestThreadCachingAndPaging(t *testing.T) {
	e := newEnv(t)
	var ids []int64
	for i := 0; i < httpapi.ThreadPageSize+5; i++ {
		s := e.submit(validSubmission())
		e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", s.ID), nil, nil)
		ids = append(ids, s.ID)
	}
	first := e.do("GET", "/api/v1/threads?"+threadQuery(""), nil, nil, nil)
	etag := first.Header.Get("ETag")
	if etag == "" || !strings.Contains(first.Header.Get("Cache-Control"), "no-cache") {
		t.Fatalf("headers = %v", first.Header)
	}
	again := e.do("GET", "/api/v1/threads?"+threadQuery(""), nil, map[string]string{"If-None-Match": etag}, nil)
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", again.StatusCode)
	}
	var page1 threadJSON
	json.NewDecoder(first.Body).Decode(&page1)
	if len(page1.Comments) != httpapi.ThreadPageSize || page1.Next == nil || page1.Article.CommentCount != len(ids) {
		t.Fatalf("page 1: %d comments, next %v, count %d", len(page1.Comments), page1.Next, page1.Article.CommentCount)
	}
	page2 := e.thread(threadQuery("&after=" + url.QueryEscape(*page1.Next)))
	if len(page2.Comments) != 5 || page2.Next != nil || page2.Comments[4].ID != ids[len(ids)-1] {
		t.Fatalf("page 2: %+v", page2)
	}
	// A new approval changes the thread at once: the cache is invalidated.
	s := e.submit(validSubmission())
	e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", s.ID), nil, nil)
	after := e.do("GET", "/api/v1/threads?"+threadQuery(""), nil, map[string]string{"If-None-Match": etag}, nil)
	if after.StatusCode != http.StatusOK || after.Header.Get("ETag") == etag {
		t.Errorf("after approval: status %d, same etag %v", after.StatusCode, after.Header.Get("ETag") == etag)
	}
	newest := e.thread(threadQuery("&sort=newest"))
	if newest.Comments[0].ID != s.ID {
		t.Errorf("newest first = %d, want %d", newest.Comments[0].ID, s.ID)
	}
	for _, q := range []string{"site=news", "url=x", threadQuery("&sort=best"), threadQuery("&after=%%%"), threadQuery("&after=bm90LWEtY3Vyc29y")} {
		if resp := e.do("GET", "/api/v1/threads?"+q, nil, nil, nil); resp.StatusCode != 400 {
			t.Errorf("thread %s: %d, want 400", q, resp.StatusCode)
		}
	}
	if resp := e.do("GET", "/api/v1/threads?site=nope&url=x", nil, nil, nil); resp.StatusCode != 404 {
		t.Errorf("unknown site: %d, want 404", resp.StatusCode)
	}
	if th := e.thread("site=news&url=" + url.QueryEscape(origin+"/never-commented")); len(th.Comments) != 0 {
		t.Errorf("article without comments: %+v", th)
	}
}

func TestMarkdownRendering(t *testing.T) {
	r := httpapi.NewRenderer()
	tests := []struct{ in, want string }{
		{"**bold** and _em_", "<p><strong>bold</strong> and <em>em</em></p>\n"},
		{"[link](https://a.example/x)", `<p><a href="https://a.example/x" rel="nofollow ugc noopener">link</a></p>` + "\n"},
		{"see https://a.example", `<p>see <a href="https://a.example" rel="nofollow ugc noopener">https://a.example</a></p>` + "\n"},
		{"[x](javascript:alert(1))", "<p>x</p>\n"},
		// Raw HTML typed into a comment is text: shown as typed, escaped,
		// never dropped and never markup.
		{"<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"},
		{"<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"},
		{"x <b onclick=alert(1)>y</b>", "<p>x &lt;b onclick=alert(1)&gt;y&lt;/b&gt;</p>\n"},
		{"Use the <div> tag", "<p>Use the &lt;div&gt; tag</p>\n"},
		{"<div>\nblock\n</div>", "<p>&lt;div&gt;<br>\nblock<br>\n&lt;/div&gt;</p>\n"},
		{"<!-- hidden -->shown", "<p>&lt;!-- hidden --&gt;shown</p>\n"},
		{"![alt text](https://a.example/i.png)", "<p>alt text</p>\n"},
		{"# Heading", "Heading\n"},
		{"a < b & c", "<p>a &lt; b &amp; c</p>\n"},
	}
	for _, tt := range tests {
		if got := r.Render(tt.in); got != tt.want {
			t.Errorf("Render(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCORS(t *testing.T) {
	e := newEnv(t)
	good := map[string]string{"Origin": origin}
	evil := map[string]string{"Origin": "https://evil.example"}
	resp := e.do("POST", "/api/v1/comments", validSubmission(), good, nil)
	if resp.StatusCode != 202 || resp.Header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("allowed origin: %d, ACAO %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	var p problem
	resp = e.do("POST", "/api/v1/comments", validSubmission(), evil, &p)
	if resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" || len(p.Errors) == 0 {
		t.Errorf("unknown origin: %d, ACAO %q, %+v", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), p)
	}
	if resp := e.do("GET", "/api/v1/threads?"+threadQuery(""), nil, evil, nil); resp.StatusCode != 403 {
		t.Errorf("thread from unknown origin: %d", resp.StatusCode)
	}
	pre := map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
	resp = e.do("OPTIONS", "/api/v1/comments", nil, pre, nil)
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != origin || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	pre["Origin"] = "https://evil.example"
	if resp := e.do("OPTIONS", "/api/v1/comments", nil, pre, nil); resp.StatusCode != 403 {
		t.Errorf("preflight from unknown origin: %d", resp.StatusCode)
	}
}

func TestAdminAuth(t *testing.T) {
	e := newEnv(t)
	s := e.submit(validSubmission())
	// Every admin route refuses requests without credentials.
	for _, rt := range e.api.Routes() {
		if !strings.HasPrefix(rt.Pattern, "/api/v1/admin/") || rt.Pattern == "/api/v1/admin/login" {
			continue
		}
		path := strings.ReplaceAll(rt.Pattern, "{id}", itoa(s.ID))
		for _, h := range []map[string]string{nil, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic YTpi"}, {"Cookie": "parley_session=forged"}} {
			resp := e.do(rt.Method, path, "{}", h, nil)
			if resp.StatusCode != 401 {
				t.Errorf("%s %s with %v: %d, want 401", rt.Method, path, h, resp.StatusCode)
			}
		}
	}
	// A session works, but only with its CSRF token for changes.
	jar := &cookieClient{t: t, base: e.srv.URL}
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	if resp := jar.do("POST", "/api/v1/admin/login", `{"name":"ann","password":"wrong password"}`, nil, nil); resp.StatusCode != 401 {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	resp := jar.do("POST", "/api/v1/admin/login", `{"name":"ann","password":"correct horse battery"}`, nil, &login)
	ck := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != 200 || login.CSRF == "" || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Strict") {
		t.Fatalf("login: %d %q %+v", resp.StatusCode, ck, login)
	}
	if resp := jar.do("GET", "/api/v1/admin/queue", nil, nil, nil); resp.StatusCode != 200 {
		t.Errorf("queue with session: %d", resp.StatusCode)
	}
	approve := fmt.Sprintf("/api/v1/admin/comments/%d/approve", s.ID)
	if resp := jar.do("POST", approve, nil, nil, nil); resp.StatusCode != 403 {
		t.Errorf("approve without CSRF: %d, want 403", resp.StatusCode)
	}
	if resp := jar.do("POST", approve, nil, map[string]string{"X-CSRF-Token": login.CSRF}, nil); resp.StatusCode != 200 {
		t.Errorf("approve with CSRF: %d", resp.StatusCode)
	}
	jar.do("POST", "/api/v1/admin/logout", nil, map[string]string{"X-CSRF-Token": login.CSRF}, nil)
	if resp := jar.do("GET", "/api/v1/admin/queue", nil, nil, nil); resp.StatusCode != 401 {
		t.Errorf("queue after logout: %d, want 401", resp.StatusCode)
	}
}

func TestLoginThrottled(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.NoRateLimits = false })
	codes := map[int]int{}
	var retry string
	for range 8 {
		resp := e.do("POST", "/api/v1/admin/login", `{"name":"ann","password":"guess guess"}`, nil, nil)
		codes[resp.StatusCode]++
		if resp.StatusCode == 429 {
			retry = resp.Header.Get("Retry-After")
		}
	}
	if codes[401] != 5 || codes[429] != 3 || retry == "" || retry == "0" {
		t.Errorf("login answers = %v (Retry-After %q), want five 401 then 429 with Retry-After", codes, retry)
	}
}

func TestSubmitRateLimited(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.NoRateLimits = false })
	codes := map[int]int{}
	var retry string
	for range 12 {
		resp := e.do("POST", "/api/v1/comments", validSubmission(), nil, nil)
		codes[resp.StatusCode]++
		if resp.StatusCode == 429 {
			retry = resp.Header.Get("Retry-After")
		}
	}
	if codes[202] != 10 || codes[429] != 2 || retry == "" {
		t.Errorf("answers = %v (Retry-After %q), want ten 202 then 429", codes, retry)
	}
}

// cookieClient keeps cookies like a browser.
type cookieClient struct {
	t      *testing.T
	base   string
	client *http.Client
}

func (c *cookieClient) do(method, path string, body any, header map[string]string, out any) *http.Response {
	c.t.Helper()
	if c.client == nil {
		jar, _ := cookiejar.New(nil)
		c.client = &http.Client{Jar: jar}
	}
	return doRequest(c.t, c.client, c.base, method, path, body, header, out)
}

// The OpenAPI document lists exactly the routes the server serves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	resp := e.do("GET", "/api/openapi.json", nil, nil, &doc)
	if resp.StatusCode != 200 || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi.json: %d %q", resp.StatusCode, doc.OpenAPI)
	}
	var served, documented []string
	for _, rt := range e.api.Routes() {
		served = append(served, strings.ToLower(rt.Method)+" "+rt.Pattern)
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, method+" "+path)
		}
	}
	sort.Strings(served)
	sort.Strings(documented)
	if strings.Join(served, "\n") != strings.Join(documented, "\n") {
		t.Errorf("routes and OpenAPI differ:\nserved:\n%s\ndocumented:\n%s", strings.Join(served, "\n"), strings.Join(documented, "\n"))
	}
}

// Every naughty string in every field: never a 5xx, and what is stored comes
// back byte-identical or the field is refused with a message.
func TestNaughtyStrings(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.DataDir(t), "naughty-strings", "blns.json"))
	if err != nil {
		t.Fatal(err)
	}
	var blns []string
	if err := json.Unmarshal(raw, &blns); err != nil {
		t.Fatal(err)
	}
	if len(blns) != 515 {
		t.Fatalf("blns.json has %d strings, want 515", len(blns))
	}
	e := newEnv(t)
	fields := []string{"site", "article_url", "article_title", "name", "email", "website", "body", "homepage"}
	stored, refused := 0, 0
	for i, s := range blns {
		for _, field := range fields {
			req := validSubmission()
			req[field] = s
			resp := e.do("POST", "/api/v1/comments", req, nil, nil)
			body, _ := io.ReadAll(resp.Body)
			switch {
			case resp.StatusCode >= 500:
				t.Fatalf("string %d in %s: status %d: %s", i, field, resp.StatusCode, body)
			case resp.StatusCode == 202:
				stored++
				var out submitted
				json.Unmarshal(body, &out)
				checkStored(t, e, out, field, s)
			default:
				refused++
				var p problem
				if err := json.Unmarshal(body, &p); err != nil || p.Detail == "" {
					t.Fatalf("string %d in %s: %d without problem details: %s", i, field, resp.StatusCode, body)
				}
				if resp.StatusCode == 422 && (len(p.Errors) == 0 || p.Errors[0].Field != field || p.Errors[0].Message == "") {
					t.Errorf("string %d in %s refused naming %+v", i, field, p.Errors)
				}
			}
		}
		// And in the thread query.
		for _, q := range []string{"site=" + url.QueryEscape(s) + "&url=x", "site=news&url=" + url.QueryEscape(s), threadQuery("&sort=" + url.QueryEscape(s)), threadQuery("&after=" + url.QueryEscape(s))} {
			if resp := e.do("GET", "/api/v1/threads?"+q, nil, nil, nil); resp.StatusCode >= 500 {
				t.Fatalf("string %d in thread query %q: %d", i, q, resp.StatusCode)
			}
		}
	}
	t.Logf("%d submissions stored byte-identical, %d refused with a field message", stored, refused)
}

func checkStored(t *testing.T, e *env, out submitted, field, want string) {
	t.Helper()
	var own struct {
		Body   string `json:"body"`
		Author struct {
			Name    string `json:"name"`
			Website string `json:"website"`
		} `json:"author"`
		ArticleURL string `json:"article_url"`
	}
	e.do("GET", fmt.Sprintf("/api/v1/comments/%d?token=%s", out.ID, out.EditToken), nil, nil, &own)
	var got string
	switch field {
	case "body":
		got = own.Body
	case "name":
		got = own.Author.Name
	case "website":
		got = own.Author.Website
	case "article_url":
		got = own.ArticleURL
	case "email":
		c, err := e.store.Comment(t.Context(), out.ID)
		if err != nil {
			t.Fatal(err)
		}
		email, err := e.keys.DecryptEmail(c.EmailCipher)
		if err != nil {
			t.Fatal(err)
		}
		got, want = email, strings.TrimSpace(want)
	default:
		return
	}
	if got != want {
		t.Errorf("%s stored as %q, sent %q", field, got, want)
	}
}

// No public response carries a commenter's email in any form.
func TestPrivacyNoEmailInPublicResponses(t *testing.T) {
	e := newEnv(t)
	emails := []string{"ada@example.com", "Grace.Hopper@Navy.example", "linus+parley@kernel.example"}
	var forms []string
	for _, email := range emails {
		for _, v := range []string{email, strings.ToLower(email), strings.ToUpper(email)} {
			m, s1, s2 := md5.Sum([]byte(v)), sha1.Sum([]byte(v)), sha256.Sum256([]byte(v))
			forms = append(forms, v, hex.EncodeToString(m[:]), hex.EncodeToString(s1[:]), hex.EncodeToString(s2[:]))
		}
		hmac := hex.EncodeToString(e.keys.EmailHMAC(email))
		forms = append(forms, hmac, strings.ToUpper(hmac))
	}
	var public []string
	get := func(path string, header map[string]string) {
		resp := e.do("GET", path, nil, header, nil)
		body, _ := io.ReadAll(resp.Body)
		var hdr strings.Builder
		resp.Header.Write(&hdr)
		public = append(public, path+"\n"+hdr.String()+string(body))
	}
	var first submitted
	for i, email := range emails {
		req := validSubmission()
		req["email"] = email
		req["body"] = fmt.Sprintf("Comment %d", i)
		resp := e.do("POST", "/api/v1/comments", req, map[string]string{"Origin": origin}, &first)
		body, _ := io.ReadAll(resp.Body) // the bytes the server sent, not a re-encoding
		var hdr strings.Builder
		resp.Header.Write(&hdr)
		public = append(public, "submit\n"+hdr.String()+string(body))
		e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", first.ID), nil, nil)
		get(fmt.Sprintf("/api/v1/comments/%d?token=%s", first.ID, first.EditToken), nil)
		// A reply, so that threads have depth.
		req["parent_id"] = first.ID
		var r submitted
		e.do("POST", "/api/v1/comments", req, nil, &r)
		e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", r.ID), nil, nil)
	}
	get("/api/v1/threads?"+threadQuery(""), nil)
	get("/api/v1/threads?"+threadQuery("&sort=newest"), map[string]string{"Origin": origin})
	get("/api/openapi.json", nil)
	get("/healthz", nil)
	get("/readyz", nil)
	public = append(public, e.logBuf.String())
	hits := 0
	for _, text := range public {
		for _, f := range forms {
			if strings.Contains(text, f) {
				hits++
				t.Errorf("found %q in public output:\n%.300s", f, text)
			}
		}
	}
	if len(public) < 8 || hits != 0 {
		t.Errorf("%d public responses scanned, %d hits", len(public), hits)
	}
}
