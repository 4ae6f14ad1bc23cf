package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
	"github.com/parleyhq/parley/secret"
	"github.com/parleyhq/parley/store/sqlite"
)

const (
	origin     = "https://news.example"
	articleURL = "https://news.example/2026/talks"
)

// env is a server on a fresh SQLite database with one site and a token.
type env struct {
	t      testing.TB
	srv    *httptest.Server
	api    *httpapi.Server
	store  comment.Store
	keys   *secret.Keyring
	token  string
	logBuf *bytes.Buffer
	dir    string // holds parley.db and parley.key
}

func newEnv(t testing.TB, opts ...func(*httpapi.Config)) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	keys, err := secret.LoadOrCreate(filepath.Join(dir, "parley.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateSite(ctx, comment.Site{ID: "news", Origins: []string{origin}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	hash, _ := secret.HashPassword("correct horse battery")
	m, err := store.CreateModerator(ctx, comment.Moderator{Name: "ann", Role: comment.RoleAdmin, PasswordHash: hash, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	token := secret.NewToken()
	if err := store.CreateToken(ctx, m.ID, secret.TokenHash(token), time.Now()); err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	cfg := httpapi.Config{Store: store, Keys: keys, NoRateLimits: true, Logger: newTestLogger(&logBuf)}
	for _, o := range opts {
		o(&cfg)
	}
	api := httpapi.New(cfg)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, api: api, store: store, keys: keys, token: token, logBuf: &logBuf, dir: dir}
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (e *env) do(method, path string, body any, header map[string]string, out any) *http.Response {
	e.t.Helper()
	return doRequest(e.t, http.DefaultClient, e.srv.URL, method, path, body, header, out)
}

func doRequest(t testing.TB, client *http.Client, base, method, path string, body any, header map[string]string, out any) *http.Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decoding %q: %v", method, path, raw, err)
		}
	}
	return resp
}

func (e *env) admin(method, path string, body any, out any) *http.Response {
	e.t.Helper()
	return e.do(method, path, body, map[string]string{"Authorization": "Bearer " + e.token}, out)
}

func validSubmission() map[string]any {
	return map[string]any{
		"site": "news", "article_url": articleURL, "article_title": "Talks resume",
		"name": "Ada Lovelace", "email": "ada@example.com", "website": "https://ada.example",
		"body": "The hotline is a start; the patrol question decides everything.",
	}
}

type submitted struct {
	ID        int64  `json:"id"`
	Status    string `json:"status"`
	Message   string `json:"message"`
	EditToken string `json:"edit_token"`
}

func (e *env) submit(fields map[string]any) submitted {
	e.t.Helper()
	var out submitted
	resp := e.do("POST", "/api/v1/comments", fields, nil, &out)
	if resp.StatusCode != http.StatusAccepted {
		body, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("submit: status %d: %s", resp.StatusCode, body)
	}
	return out
}

type problem struct {
	Status int                  `json:"status"`
	Detail string               `json:"detail"`
	Errors []comment.FieldError `json:"errors"`
}

func fieldsOf(p problem) []string {
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Field)
	}
	return out
}

type threadJSON struct {
	Article struct {
		URL          string `json:"url"`
		Title        string `json:"title"`
		CommentCount int    `json:"comment_count"`
	} `json:"article"`
	Comments []*threadComment `json:"comments"`
	Next     *string          `json:"next"`
}

type threadComment struct {
	ID       int64  `json:"id"`
	ParentID *int64 `json:"parent_id"`
	Author   struct {
		Name    string `json:"name"`
		Website string `json:"website"`
	} `json:"author"`
	HTML    string           `json:"html"`
	Replies []*threadComment `json:"replies"`
}

func (e *env) thread(query string) threadJSON {
	e.t.Helper()
	var th threadJSON
	resp := e.do("GET", "/api/v1/threads?"+query, nil, nil, &th)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("thread %s: status %d", query, resp.StatusCode)
	}
	return th
}

func TestSubmitOK(t *testing.T) {
	e := newEnv(t)
	got := e.submit(validSubmission())
	if got.ID == 0 || got.Status != "pending" || got.Message != "Your comment will be posted pending moderator approval." || len(got.EditToken) < 32 {
		t.Errorf("submit = %+v", got)
	}
	c, err := e.store.Comment(context.Background(), got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != comment.StatusPending || c.AuthorName != "Ada Lovelace" || len(c.EmailCipher) == 0 || bytes.Contains(c.EmailCipher, []byte("ada@example.com")) {
		t.Errorf("stored = %+v", c)
	}
	if email, err := e.keys.DecryptEmail(c.EmailCipher); err != nil || email != "ada@example.com" {
		t.Errorf("decrypted email = %q, %v", email, err)
	}
	if !bytes.Equal(c.EmailHMAC, e.keys.EmailHMAC("ADA@example.com ")) {
		t.Error("email HMAC does not match the normalized address")
	}
}

// Every validation rule, each failing alone, names its field.
func TestSubmitValidation(t *testing.T) {
	e := newEnv(t)
	long := func(n int) string { return strings.Repeat("é", n) }
	tests := []struct {
		name   string
		change map[string]any
		status int
		fields []string
	}{
		{"ErrSiteRequired", map[string]any{"site": ""}, 422, []string{"site"}},
		{"ErrSiteUnknown", map[string]any{"site": "nope"}, 422, []string{"site"}},
		{"ErrArticleURLRequired", map[string]any{"article_url": ""}, 422, []string{"article_url"}},
		{"ErrArticleURLNotURL", map[string]any{"article_url": "not a url"}, 422, []string{"article_url"}},
		{"ErrArticleURLScheme", map[string]any{"article_url": "javascript:alert(1)"}, 422, []string{"article_url"}},
		{"ErrArticleURLOtherOrigin", map[string]any{"article_url": "https://evil.example/2026/talks"}, 422, []string{"article_url"}},
		{"ErrArticleURLTooLong", map[string]any{"article_url": articleURL + "?" + strings.Repeat("a", 2100)}, 422, []string{"article_url"}},
		{"ErrTitleTooLong", map[string]any{"article_title": long(301)}, 422, []string{"article_title"}},
		{"ErrNameRequired", map[string]any{"name": ""}, 422, []string{"name"}},
		{"ErrNameBlank", map[string]any{"name": "   \t "}, 422, []string{"name"}},
		{"OKName80", map[string]any{"name": long(80)}, 202, nil},
		{"OKName80Padded", map[string]any{"name": "  " + long(80) + "  "}, 202, nil},
		{"ErrName81", map[string]any{"name": long(81)}, 422, []string{"name"}},
		{"ErrNameControl", map[string]any{"name": "Ada\u0007"}, 422, []string{"name"}},
		{"ErrNameNewline", map[string]any{"name": "Ada\nLovelace"}, 422, []string{"name"}},
		{"ErrEmailRequired", map[string]any{"email": ""}, 422, []string{"email"}},
		{"ErrEmailInvalid", map[string]any{"email": "ada@"}, 422, []string{"email"}},
		{"ErrEmailNoAt", map[string]any{"email": "ada.example.com"}, 422, []string{"email"}},
		{"ErrEmailWithName", map[string]any{"email": "Ada <ada@example.com>"}, 422, []string{"email"}},
		{"ErrEmailTooLong", map[string]any{"email": strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190) + ".com"}, 422, []string{"email"}},
		{"OKWebsiteEmpty", map[string]any{"website": ""}, 202, nil},
		{"ErrWebsiteScheme", map[string]any{"website": "javascript:alert(1)"}, 422, []string{"website"}},
		{"ErrWebsiteNotURL", map[string]any{"website": "ada dot example"}, 422, []string{"website"}},
		{"ErrWebsiteFTP", map[string]any{"website": "ftp://ada.example"}, 422, []string{"website"}},
		{"ErrBodyRequired", map[string]any{"body": ""}, 422, []string{"body"}},
		{"ErrBodyBlank", map[string]any{"body": " \n\t "}, 422, []string{"body"}},
		{"OKBody10000", map[string]any{"body": long(10000)}, 202, nil},
		{"ErrBody10001", map[string]any{"body": long(10001)}, 422, []string{"body"}},
		{"OKBodyNewlineTab", map[string]any{"body": "line one\n\tline two"}, 202, nil},
		{"ErrBodyNUL", map[string]any{"body": "a\u0000b"}, 422, []string{"body"}},
		{"ErrBodyCR", map[string]any{"body": "a\rb"}, 422, []string{"body"}},
		{"ErrBodyDEL", map[string]any{"body": "a\u007fb"}, 422, []string{"body"}},
		{"ErrBodyC1", map[string]any{"body": "a\u0085b"}, 422, []string{"body"}},
		{"ErrParentZero", map[string]any{"parent_id": 0}, 422, []string{"parent_id"}},
		{"ErrParentUnknown", map[string]any{"parent_id": 987654}, 422, []string{"parent_id"}},
		{"ErrParentType", map[string]any{"parent_id": "one"}, 400, []string{"parent_id"}},
		{"ErrNameType", map[string]any{"name": 42}, 400, []string{"name"}},
		{"ErrUnknownField", map[string]any{"mood": "angry"}, 400, []string{"mood"}},
		{"ErrEverything", map[string]any{"site": "", "name": "", "email": "x", "body": ""}, 422, []string{"site", "name", "email", "body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := validSubmission()
			for k, v := range tt.change {
				req[k] = v
			}
			var p problem
			resp := e.do("POST", "/api/v1/comments", req, nil, nil)
			if resp.StatusCode >= 400 {
				json.NewDecoder(resp.Body).Decode(&p)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d (%+v)", resp.StatusCode, tt.status, p)
			}
			if tt.status >= 400 {
				if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type = %q", ct)
				}
				if diff := cmp.Diff(tt.fields, fieldsOf(p)); diff != "" {
					t.Errorf("fields (-want +got):\n%s\n%+v", diff, p)
				}
				for _, f := range p.Errors {
					if f.Message == "" {
						t.Errorf("field %s has no message", f.Field)
					}
				}
			}
		})
	}
}

func TestSubmitMalformed(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		body   any
		header map[string]string
		status int
	}{
		{"ErrNotJSON", "{not json", nil, 400},
		{"ErrEmpty", "", nil, 400},
		{"ErrArray", "[1,2]", nil, 400},
		{"ErrTwoObjects", `{"site":"news"} {"site":"news"}`, nil, 400},
		{"ErrInvalidUTF8", []byte("{\"site\":\"news\",\"body\":\"\xff\xfe\"}"), nil, 400},
		{"ErrTooLarge", `{"body":"` + strings.Repeat("a", 70<<10) + `"}`, nil, 413},
		{"ErrContentType", "site=news", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p problem
			resp := e.do("POST", "/api/v1/comments", tt.body, tt.header, &p)
			if resp.StatusCode != tt.status || p.Detail == "" {
				t.Errorf("status = %d (%+v), want %d with a detail", resp.StatusCode, p, tt.status)
			}
		})
	}
}

func TestHoneypot(t *testing.T) {
	e := newEnv(t)
	req := validSubmission()
	req["homepage"] = "http://spam.example"
	got := e.submit(req)
	if got.Status != "pending" || got.Message == "" {
		t.Errorf("honeypot answer = %+v, want the same as a real comment", got)
	}
	c, err := e.store.Comment(context.Background(), got.ID)
	if err != nil || c.Status != comment.StatusSpam {
		t.Fatalf("stored status = %q, %v; want spam", c.Status, err)
	}
	var own map[string]any
	e.do("GET", "/api/v1/comments/"+itoa(got.ID)+"?token="+got.EditToken, nil, nil, &own)
	if own["status"] != "pending" {
		t.Errorf("the bot sees status %v, want pending", own["status"])
	}
}

func TestOwnComment(t *testing.T) {
	e := newEnv(t)
	got := e.submit(validSubmission())
	path := "/api/v1/comments/" + itoa(got.ID)
	var own struct {
		Status  string `json:"status"`
		Message string `json:"message"`
		Body    string `json:"body"`
		Reason  string `json:"reason"`
	}
	if resp := e.do("GET", path+"?token="+got.EditToken, nil, nil, &own); resp.StatusCode != 200 || own.Status != "pending" || !strings.Contains(own.Message, "Awaiting moderation") {
		t.Errorf("own comment = %d %+v", resp.StatusCode, own)
	}
	if resp := e.do("GET", path+"?token=wrong", nil, nil, nil); resp.StatusCode != 404 {
		t.Errorf("wrong token: status %d, want 404", resp.StatusCode)
	}
	if resp := e.do("GET", path, nil, nil, nil); resp.StatusCode != 400 {
		t.Errorf("no token: status %d, want 400", resp.StatusCode)
	}
	if resp := e.do("GET", "/api/v1/comments/abc?token=x", nil, nil, nil); resp.StatusCode != 400 {
		t.Errorf("bad id: status %d, want 400", resp.StatusCode)
	}
	if resp := e.admin("POST", "/api/v1/admin/comments/"+itoa(got.ID)+"/reject", map[string]any{"reason": "off_topic"}, nil); resp.StatusCode != 200 {
		t.Fatalf("reject: %d", resp.StatusCode)
	}
	e.do("GET", path+"?token="+got.EditToken, nil, nil, &own)
	if own.Status != "rejected" || own.Reason != "off_topic" || !strings.Contains(own.Message, "off topic") {
		t.Errorf("after rejection = %+v", own)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
