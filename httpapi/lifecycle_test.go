package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
)

// clock is a settable time for the edit window.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newClockEnv(t *testing.T) (*env, *clock) {
	clk := &clock{now: time.Now().UTC()}
	e := newEnv(t, func(c *httpapi.Config) { c.Now = clk.Now })
	return e, clk
}

func (e *env) approveID(id int64) {
	e.t.Helper()
	if resp := e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", id), nil, nil); resp.StatusCode != 200 {
		e.t.Fatalf("approve %d: %d", id, resp.StatusCode)
	}
}

func (e *env) published(sub map[string]any) submitted {
	e.t.Helper()
	s := e.submit(sub)
	e.approveID(s.ID)
	return s
}

func lifeThreadQuery() string { return "site=news&url=" + url.QueryEscape(articleURL) }

func wantStatus(t *testing.T, resp *http.Response, want int, what string) {
	t.Helper()
	if resp.StatusCode != want {
		raw := make([]byte, 2048)
		n, _ := resp.Body.Read(raw)
		t.Fatalf("%s: status %d, want %d: %s", what, resp.StatusCode, want, raw[:n])
	}
}

func TestRemoveRestore(t *testing.T) {
	e := newEnv(t)
	parent := e.published(validSubmission())
	reply := validSubmission()
	reply["parent_id"] = parent.ID
	reply["email"] = "bob@example.com"
	child := e.published(reply)
	lone := e.published(validSubmission())

	t.Run("ErrReasonRequired", func(t *testing.T) {
		var p problem
		resp := e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/remove", parent.ID), map[string]any{}, &p)
		wantStatus(t, resp, 422, "remove without reason")
		if got := fieldsOf(p); len(got) != 1 || got[0] != "reason" {
			t.Errorf("fields = %v, want [reason]", got)
		}
	})
	t.Run("ErrRestoreNeverRemoved", func(t *testing.T) {
		wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/restore", parent.ID), nil, nil), 409, "restore an approved comment")
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		wantStatus(t, e.admin("POST", "/api/v1/admin/comments/99999/remove", map[string]any{"reason": "legal"}, nil), 404, "remove unknown")
	})

	var removed httpapi.QueueItem
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/remove", parent.ID), map[string]any{"reason": "legal", "note": "court order 12/26"}, &removed), 200, "remove")
	if removed.Status != comment.StatusRemoved {
		t.Fatalf("removed status = %q", removed.Status)
	}
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/remove", lone.ID), map[string]any{"reason": "ad_hominem"}, nil), 200, "remove lone")
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/remove", parent.ID), map[string]any{"reason": "legal"}, nil), 409, "remove twice")

	var raw map[string]any
	e.do("GET", "/api/v1/threads?"+lifeThreadQuery(), nil, nil, &raw)
	comments := raw["comments"].([]any)
	if len(comments) != 1 {
		t.Fatalf("thread has %d top-level entries, want 1 (the tombstone; the lone removed comment is gone): %v", len(comments), comments)
	}
	tomb := comments[0].(map[string]any)
	if tomb["removed"] != true || tomb["author"] != nil || tomb["html"] != nil || int64(tomb["id"].(float64)) != parent.ID {
		t.Errorf("tombstone = %v, want id, removed and no author or html", tomb)
	}
	replies := tomb["replies"].([]any)
	if len(replies) != 1 || int64(replies[0].(map[string]any)["id"].(float64)) != child.ID {
		t.Errorf("tombstone replies = %v, want the reply", replies)
	}

	var own httpapi.OwnComment
	e.do("GET", fmt.Sprintf("/api/v1/comments/%d?token=%s", parent.ID, parent.EditToken), nil, nil, &own)
	if own.Status != comment.StatusRemoved || own.Reason != comment.ReasonLegal || !own.CanAppeal {
		t.Errorf("author sees %+v, want removed for legal, appealable", own)
	}
	// Its author cannot edit it back into the thread.
	var p problem
	wantStatus(t, e.do("PATCH", fmt.Sprintf("/api/v1/comments/%d?token=%s", parent.ID, parent.EditToken), map[string]any{"body": "Reworded."}, nil, &p), 409, "edit a removed comment")
	if !strings.Contains(p.Detail, "removed") {
		t.Errorf("refusal %q does not name the state", p.Detail)
	}
	if c, _ := e.store.Comment(context.Background(), parent.ID); c.Body == "Reworded." || c.Status != comment.StatusRemoved {
		t.Errorf("a refused edit changed the removed comment: %+v", c)
	}

	var audit struct {
		Entries []struct {
			Action string `json:"action"`
			Reason string `json:"reason"`
			Note   string `json:"note"`
		} `json:"entries"`
	}
	e.admin("GET", fmt.Sprintf("/api/v1/admin/audit?comment_id=%d", parent.ID), nil, &audit)
	if len(audit.Entries) == 0 || audit.Entries[0].Action != "remove" || audit.Entries[0].Reason != "legal" || audit.Entries[0].Note != "court order 12/26" {
		t.Errorf("audit = %+v, want remove legal with its note first", audit.Entries)
	}

	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/restore", parent.ID), nil, nil), 200, "restore")
	th := e.thread(lifeThreadQuery())
	if len(th.Comments) != 1 || th.Comments[0].Author.Name != "Ada Lovelace" || th.Article.CommentCount != 2 {
		t.Errorf("after restore: %+v (count %d), want the comment back and 2 published", th.Comments, th.Article.CommentCount)
	}
}

func TestRemoveConcurrentOneWins(t *testing.T) {
	e := newEnv(t)
	s := e.published(validSubmission())
	var wins, conflicts atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch resp := e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/remove", s.ID), map[string]any{"reason": "spam"}, nil); resp.StatusCode {
			case 200:
				wins.Add(1)
			case 409:
				conflicts.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != 7 {
		t.Errorf("wins %d, conflicts %d; want 1 and 7", wins.Load(), conflicts.Load())
	}
}

func TestAuthorEditAndDelete(t *testing.T) {
	e, clk := newClockEnv(t)
	pend := e.submit(validSubmission())
	path := func(s submitted) string { return fmt.Sprintf("/api/v1/comments/%d?token=%s", s.ID, s.EditToken) }

	t.Run("ErrWrongToken", func(t *testing.T) {
		wantStatus(t, e.do("PATCH", fmt.Sprintf("/api/v1/comments/%d?token=nope", pend.ID), map[string]any{"body": "x"}, nil, nil), 404, "wrong token")
	})
	t.Run("ErrBodyRequired", func(t *testing.T) {
		var p problem
		wantStatus(t, e.do("PATCH", path(pend), map[string]any{"body": "  "}, nil, &p), 422, "empty body")
		if got := fieldsOf(p); len(got) != 1 || got[0] != "body" {
			t.Errorf("fields = %v", got)
		}
	})
	var own httpapi.OwnComment
	wantStatus(t, e.do("PATCH", path(pend), map[string]any{"body": "Fixed a typo."}, nil, &own), 200, "edit pending")
	if own.Body != "Fixed a typo." || own.Status != comment.StatusPending {
		t.Errorf("edited pending = %+v", own)
	}

	pub := e.published(validSubmission())
	wantStatus(t, e.do("PATCH", path(pub), map[string]any{"body": "Second thoughts, <b>kept</b> as text."}, nil, &own), 200, "edit published")
	if !own.PendingEdit || own.Body == "Second thoughts, <b>kept</b> as text." {
		t.Errorf("edit of a published comment = %+v, want the published text kept and the edit pending", own)
	}
	th := e.thread(lifeThreadQuery())
	for _, c := range th.Comments {
		if c.ID == pub.ID && c.HTML != "<p>The hotline is a start; the patrol question decides everything.</p>\n" {
			t.Errorf("thread shows %q before the edit is approved", c.HTML)
		}
	}
	wantStatus(t, e.do("PATCH", path(pub), map[string]any{"body": "Again"}, nil, nil), 409, "second edit while one waits")
	var queue struct {
		Items []httpapi.QueueItem `json:"items"`
	}
	e.admin("GET", "/api/v1/admin/queue", nil, &queue)
	var rev *httpapi.QueueItem
	for i := range queue.Items {
		if queue.Items[i].RevisionOf == pub.ID {
			rev = &queue.Items[i]
		}
	}
	if rev == nil || rev.PreviousBody == "" {
		t.Fatalf("queue has no revision of %d with its previous text: %+v", pub.ID, queue.Items)
	}
	e.approveID(rev.ID)
	th = e.thread(lifeThreadQuery())
	var found bool
	for _, c := range th.Comments {
		if c.ID == pub.ID {
			found = true
			if c.HTML != "<p>Second thoughts, &lt;b&gt;kept&lt;/b&gt; as text.</p>\n" {
				t.Errorf("after approval thread shows %q", c.HTML)
			}
		}
	}
	if !found {
		t.Fatal("edited comment missing from the thread")
	}

	clk.add(16 * time.Minute)
	var p problem
	wantStatus(t, e.do("PATCH", path(pub), map[string]any{"body": "Too late"}, nil, &p), 409, "edit past the window")
	if p.Detail == "" {
		t.Error("no message past the window")
	}

	wantStatus(t, e.do("DELETE", path(pub), nil, nil, nil), 200, "delete")
	wantStatus(t, e.do("DELETE", path(pub), nil, nil, nil), 409, "delete twice")
	for _, c := range e.thread(lifeThreadQuery()).Comments {
		if c.ID == pub.ID {
			t.Error("deleted comment without replies still in the thread")
		}
	}
	wantStatus(t, e.do("PATCH", path(pub), map[string]any{"body": "edit a deleted one"}, nil, nil), 409, "edit deleted")
}

func TestReportsHoldAfterThreshold(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	site, _ := e.store.Site(ctx, "news")
	site.ReportHold = 2
	if err := e.store.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	s := e.published(validSubmission())
	rpath := fmt.Sprintf("/api/v1/comments/%d/reports", s.ID)
	t.Run("ErrReasonRequired", func(t *testing.T) {
		var p problem
		wantStatus(t, e.do("POST", rpath, map[string]any{}, nil, &p), 422, "no reason")
		if got := fieldsOf(p); len(got) != 1 || got[0] != "reason" {
			t.Errorf("fields = %v", got)
		}
		wantStatus(t, e.do("POST", rpath, map[string]any{"reason": "rude"}, nil, &p), 422, "unknown reason")
	})
	t.Run("ErrIllegalNeedsNotice", func(t *testing.T) {
		var p problem
		wantStatus(t, e.do("POST", rpath, map[string]any{"reason": "illegal"}, nil, &p), 422, "illegal without notice")
		if got := fieldsOf(p); len(got) != 4 {
			t.Errorf("fields = %v, want explanation, name, email, good_faith", got)
		}
	})
	// One reader twice counts once.
	wantStatus(t, e.do("POST", rpath, map[string]any{"reason": "spam", "email": "r1@example.com"}, nil, nil), 202, "report 1")
	wantStatus(t, e.do("POST", rpath, map[string]any{"reason": "spam", "email": "r1@example.com"}, nil, nil), 202, "report 1 again")
	if th := e.thread(lifeThreadQuery()); len(th.Comments) != 1 {
		t.Fatalf("held after one reader's two reports")
	}
	wantStatus(t, e.do("POST", rpath, map[string]any{"reason": "illegal", "explanation": "Defames a named person.", "name": "R Two",
		"email": "r2@example.com", "good_faith": true}, nil, nil), 202, "report 2")
	if th := e.thread(lifeThreadQuery()); len(th.Comments) != 0 {
		t.Fatalf("not held after two readers reported: %+v", th.Comments)
	}
	var rq struct {
		Items []httpapi.ReportedItem `json:"items"`
	}
	e.admin("GET", "/api/v1/admin/reports", nil, &rq)
	if len(rq.Items) != 1 || len(rq.Items[0].Reports) != 2 || rq.Items[0].Reports[1].Explanation != "Defames a named person." {
		t.Fatalf("reported queue = %+v", rq.Items)
	}
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/reports/dismiss", s.ID), nil, nil), 200, "dismiss")
	e.admin("GET", "/api/v1/admin/reports", nil, &rq)
	if len(rq.Items) != 0 {
		t.Errorf("reported queue after dismiss = %+v", rq.Items)
	}
	wantStatus(t, e.do("POST", "/api/v1/comments/99999/reports", map[string]any{"reason": "spam"}, nil, nil), 404, "unknown comment")
}

func TestAppeal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.submit(validSubmission())
	apath := fmt.Sprintf("/api/v1/comments/%d/appeal?token=%s", s.ID, s.EditToken)
	wantStatus(t, e.do("POST", apath, map[string]any{"message": "Please"}, nil, nil), 409, "appeal a pending comment")
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/reject", s.ID), map[string]any{"reason": "off_topic", "note": "not about the talks"}, nil), 200, "reject")
	var p problem
	wantStatus(t, e.do("POST", apath, map[string]any{"message": ""}, nil, &p), 422, "empty appeal")
	wantStatus(t, e.do("POST", apath, map[string]any{"message": "It is about the patrols, which the talks cover."}, nil, nil), 202, "appeal")
	wantStatus(t, e.do("POST", apath, map[string]any{"message": "again"}, nil, nil), 409, "second appeal")

	// ann made the decision; with another moderator on the site, ann may not decide the appeal.
	if _, err := e.store.CreateModerator(ctx, comment.Moderator{Name: "bea", Role: comment.RoleModerator, PasswordHash: "x", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/appeal", s.ID), map[string]any{"outcome": "overturned"}, nil), 403, "original moderator decides")
	if err := e.store.SetModeratorDisabled(ctx, "bea", true); err != nil {
		t.Fatal(err)
	}
	var aq struct {
		Items []httpapi.AppealItem `json:"items"`
	}
	e.admin("GET", "/api/v1/admin/appeals", nil, &aq)
	if len(aq.Items) != 1 || aq.Items[0].OriginalBy != "ann" || aq.Items[0].OriginalReason != comment.ReasonOffTopic || aq.Items[0].OriginalNote != "not about the talks" {
		t.Fatalf("appeals queue = %+v", aq.Items)
	}
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/appeal", s.ID), map[string]any{"outcome": "maybe"}, &p), 422, "bad outcome")
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/appeal", s.ID), map[string]any{"outcome": "overturned"}, nil), 200, "overturn")
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/appeal", s.ID), map[string]any{"outcome": "upheld"}, nil), 409, "decide twice")
	if th := e.thread(lifeThreadQuery()); len(th.Comments) != 1 {
		t.Error("overturned comment is not published")
	}
	var own httpapi.OwnComment
	e.do("GET", fmt.Sprintf("/api/v1/comments/%d?token=%s", s.ID, s.EditToken), nil, nil, &own)
	if own.Appeal == nil || own.Appeal.Status != "overturned" || own.Status != comment.StatusApproved {
		t.Errorf("author sees %+v", own)
	}
}

func TestBanHoldsAddress(t *testing.T) {
	e := newEnv(t)
	s := e.submit(validSubmission())
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/ban", s.ID), map[string]any{"reason": "repeated personal attacks"}, nil), 200, "ban")
	other := validSubmission()
	other["email"] = "fresh-address@example.com"
	var p problem
	resp := e.do("POST", "/api/v1/comments", other, nil, &p)
	wantStatus(t, resp, 403, "new email from a banned address")
	if !strings.Contains(p.Detail, "repeated personal attacks") {
		t.Errorf("refusal %q does not give the ban's reason", p.Detail)
	}
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/unban", s.ID), nil, nil), 200, "unban")
	e.submit(other)
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/ban", s.ID), map[string]any{"until": "2001-01-01T00:00:00Z"}, &p), 422, "suspension in the past")
}

func TestBidiControlsRefused(t *testing.T) {
	e := newEnv(t)
	for _, field := range []string{"name", "website"} {
		sub := validSubmission()
		if field == "name" {
			sub["name"] = "Ann \u202eliame"
		} else {
			sub["website"] = "https://a.example/\u2066x"
		}
		var p problem
		wantStatus(t, e.do("POST", "/api/v1/comments", sub, nil, &p), 422, field)
		if got := fieldsOf(p); len(got) != 1 || got[0] != field {
			t.Errorf("%s: fields = %v", field, got)
		}
	}
	// The name in a notice of illegal content too: admins see it beside
	// the notifier's email.
	pub := e.published(validSubmission())
	var p problem
	wantStatus(t, e.do("POST", fmt.Sprintf("/api/v1/comments/%d/reports", pub.ID), map[string]any{"reason": "illegal", "explanation": "Defamation.",
		"name": "Eve \u202emoc.elpmaxe@eve", "email": "eve@example.com", "good_faith": true}, nil, &p), 422, "report name")
	if got := fieldsOf(p); len(got) != 1 || got[0] != "name" {
		t.Errorf("report: fields = %v, want [name]", got)
	}
}

func TestTrackingParametersOneThread(t *testing.T) {
	e := newEnv(t)
	sub := validSubmission()
	sub["article_url"] = articleURL + "?utm_source=x&fbclid=y#comments"
	s := e.published(sub)
	th := e.thread("site=news&url=" + url.QueryEscape(articleURL+"?gclid=z"))
	if len(th.Comments) != 1 || th.Comments[0].ID != s.ID {
		t.Errorf("thread under a tracking URL = %+v, want the one comment", th.Comments)
	}
	for in, want := range map[string]string{
		"https://n.example/a?id=3&utm_medium=m#x": "https://n.example/a?id=3",
		"https://n.example/a?mc_cid=1&mc_eid=2":   "https://n.example/a",
		"https://n.example/a?b=1&a=2":             "https://n.example/a?b=1&a=2",
		"https://n.example/a?ref=tw":              "https://n.example/a",
	} {
		if got := httpapi.NormalizeArticleURL(in, []string{"ref"}); got != want {
			t.Errorf("NormalizeArticleURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every new endpoint refuses bad input with a 4xx that names the problem,
// and nothing changes.
func TestLifecycleBadInput(t *testing.T) {
	e := newEnv(t)
	pub := e.published(validSubmission())
	tok := pub.EditToken
	big := `{"body":"` + strings.Repeat("x", 70<<10) + `"}`
	for _, tt := range []struct {
		method, path, body string
		admin              bool
		want               int
	}{
		{"PATCH", fmt.Sprintf("/api/v1/comments/%d?token=%s", pub.ID, tok), `{"body":`, false, 400},
		{"PATCH", fmt.Sprintf("/api/v1/comments/%d?token=%s", pub.ID, tok), `{"text":"x"}`, false, 400},
		{"PATCH", fmt.Sprintf("/api/v1/comments/%d?token=%s", pub.ID, tok), big, false, 413},
		{"PATCH", fmt.Sprintf("/api/v1/comments/%d", pub.ID), `{"body":"x"}`, false, 400},
		{"PATCH", "/api/v1/comments/0?token=x", `{"body":"x"}`, false, 400},
		{"PATCH", fmt.Sprintf("/api/v1/comments/%d?token=%s", pub.ID+100, tok), `{"body":"x"}`, false, 404},
		{"DELETE", fmt.Sprintf("/api/v1/comments/%d?token=wrong", pub.ID), ``, false, 404},
		{"POST", fmt.Sprintf("/api/v1/comments/%d/reports", pub.ID), `[]`, false, 400},
		{"POST", fmt.Sprintf("/api/v1/comments/%d/reports", pub.ID), `{"reason":"spam","email":"not an address"}`, false, 422},
		{"POST", fmt.Sprintf("/api/v1/comments/%d/appeal?token=%s", pub.ID, tok), `{"message":"x"}`, false, 409},
		{"POST", fmt.Sprintf("/api/v1/admin/comments/%d/remove", pub.ID), `{"reason":"legal","note":"` + strings.Repeat("n", 2001) + `"}`, true, 422},
		{"POST", fmt.Sprintf("/api/v1/admin/comments/%d/remove", pub.ID), `{"reason":"because"}`, true, 422},
		{"POST", fmt.Sprintf("/api/v1/admin/comments/%d/appeal", pub.ID), `{"outcome":"upheld"}`, true, 404},
		{"POST", fmt.Sprintf("/api/v1/admin/comments/%d/ban", pub.ID), `{"until":"tomorrow"}`, true, 422},
		{"POST", "/api/v1/admin/comments/999/reports/dismiss", ``, true, 404},
	} {
		var hdr map[string]string
		if tt.admin {
			hdr = map[string]string{"Authorization": "Bearer " + e.token}
		}
		var body any
		if tt.body != "" {
			body = tt.body
		}
		var p problem
		resp := e.do(tt.method, tt.path, body, hdr, &p)
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s %.40s: %d, want %d (%s)", tt.method, tt.path, tt.body, resp.StatusCode, tt.want, p.Detail)
		}
		if resp.StatusCode >= 500 || p.Detail == "" {
			t.Errorf("%s %s: no problem detail", tt.method, tt.path)
		}
	}
	th := e.thread(lifeThreadQuery())
	if len(th.Comments) != 1 || th.Comments[0].HTML != "<p>The hotline is a start; the patrol question decides everything.</p>\n" {
		t.Errorf("thread changed after refused requests: %+v", th.Comments)
	}
	var audit struct {
		Entries []any `json:"entries"`
	}
	e.admin("GET", fmt.Sprintf("/api/v1/admin/audit?comment_id=%d", pub.ID), nil, &audit)
	if len(audit.Entries) != 1 {
		t.Errorf("audit has %d entries, want only the approval", len(audit.Entries))
	}
}

// Reports are rate-limited per address: ten at once, then one every 30
// seconds; a refused report is a 429 with Retry-After and is not counted.
// With the hold threshold off (the default), any number of reports leaves
// the comment published.
func TestReportsRateLimitedPerAddress(t *testing.T) {
	clk := &clock{now: time.Now().UTC()}
	e := newEnv(t, func(c *httpapi.Config) { c.Now, c.NoRateLimits = clk.Now, false })
	s := e.published(validSubmission())
	rpath := fmt.Sprintf("/api/v1/comments/%d/reports", s.ID)
	report := func(i int) *http.Response {
		return e.do("POST", rpath, map[string]any{"reason": "spam", "email": fmt.Sprintf("reader%d@example.com", i)}, nil, nil)
	}
	for i := range 10 {
		wantStatus(t, report(i), 202, fmt.Sprintf("report %d", i+1))
	}
	resp := report(10)
	wantStatus(t, resp, 429, "the eleventh report from one address")
	if resp.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	var rq struct {
		Items []httpapi.ReportedItem `json:"items"`
	}
	e.admin("GET", "/api/v1/admin/reports", nil, &rq)
	if len(rq.Items) != 1 || len(rq.Items[0].Reports) != 10 {
		t.Fatalf("reported queue = %+v, want the comment with 10 reports", rq.Items)
	}
	if th := e.thread(lifeThreadQuery()); len(th.Comments) != 1 {
		t.Error("held back with the hold threshold off")
	}
	clk.add(31 * time.Second)
	wantStatus(t, report(10), 202, "a report 31 seconds later")
}

// A ban holds the commenter's address for the site's address-ban time
// (default 7 days), never beyond the IP retention; a suspension (until)
// ends by itself, its address hold with it.
func TestBanAndSuspensionEnd(t *testing.T) {
	clk := &clock{now: time.Now().UTC()}
	e := newEnv(t, func(c *httpapi.Config) { c.Now, c.IPRetention = clk.Now, 48*time.Hour })
	n := 0
	post := func(email string) (int, string) {
		n++
		sub := validSubmission()
		sub["email"], sub["body"] = email, fmt.Sprintf("Comment number %d, on its own terms.", n)
		var out map[string]any
		resp := e.do("POST", "/api/v1/comments", sub, nil, &out)
		detail, _ := out["detail"].(string)
		return resp.StatusCode, detail
	}
	s := e.submit(validSubmission())
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/ban", s.ID), map[string]any{"reason": "abuse"}, nil), 200, "ban")
	clk.add(47 * time.Hour)
	if code, detail := post("new-1@example.com"); code != 403 || !strings.Contains(detail, "abuse") {
		t.Errorf("new email from the address after 47 hours: %d %q, want 403 with the reason", code, detail)
	}
	clk.add(2 * time.Hour)
	if code, detail := post("new-2@example.com"); code != 202 {
		t.Errorf("new email from the address after 49 hours (IP retention 48 h, under the 7-day hold): %d %q, want 202", code, detail)
	}
	if code, _ := post("ada@example.com"); code != 403 {
		t.Errorf("the banned email after 49 hours: %d, want 403 (a ban lasts until lifted)", code)
	}

	// A suspension for an hour: the reason and the end are shown; then over.
	cy := validSubmission()
	cy["email"], cy["body"] = "cy@example.com", "Cy speaks."
	c := e.submit(cy)
	until := clk.Now().Add(time.Hour).Format(time.RFC3339)
	wantStatus(t, e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/ban", c.ID), map[string]any{"reason": "cool off", "until": until}, nil), 200, "suspend")
	if code, detail := post("cy@example.com"); code != 403 || !strings.Contains(detail, "cool off") || !strings.Contains(detail, " until ") {
		t.Errorf("suspended email: %d %q, want 403 with the reason and the end", code, detail)
	}
	if code, _ := post("new-3@example.com"); code != 403 {
		t.Errorf("new email from a suspended address: %d, want 403", code)
	}
	clk.add(61 * time.Minute)
	for _, email := range []string{"cy@example.com", "new-4@example.com"} {
		if code, detail := post(email); code != 202 {
			t.Errorf("%s after the suspension ended: %d %q, want 202", email, code, detail)
		}
	}
}

// An author's edit is validated and scored like a new comment: an insult
// edited into a pending comment flags it in the queue, an edit of a
// published one waits as a flagged revision, and a banned word refuses the
// edit (422 naming body) and changes nothing.
func TestEditScoredLikeNewComment(t *testing.T) {
	e := newEnv(t, withClassifier)
	ctx := context.Background()
	site, _ := e.store.Site(ctx, "news")
	site.BannedWords = []string{"scumbag"}
	if err := e.store.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	queued := func(id int64) httpapi.QueueItem {
		t.Helper()
		var q struct {
			Items []httpapi.QueueItem `json:"items"`
		}
		e.admin("GET", "/api/v1/admin/queue", nil, &q)
		for _, it := range q.Items {
			if it.ID == id || it.RevisionOf == id {
				return it
			}
		}
		t.Fatalf("comment %d not in the queue: %+v", id, q.Items)
		return httpapi.QueueItem{}
	}
	pend := e.submit(validSubmission())
	if it := queued(pend.ID); it.Flagged {
		t.Fatalf("a fair comment is flagged: %+v", it)
	}
	path := fmt.Sprintf("/api/v1/comments/%d?token=%s", pend.ID, pend.EditToken)
	wantStatus(t, e.do("PATCH", path, map[string]any{"body": "On reflection, you idiot."}, nil, nil), 200, "edit pending")
	if it := queued(pend.ID); !it.Flagged || it.Score == nil || *it.Score != 0.9 || it.Body != "On reflection, you idiot." {
		t.Errorf("pending comment after an insulting edit: %+v, want flagged with score 0.9", it)
	}

	pubSub := validSubmission()
	pubSub["email"], pubSub["body"] = "bob@example.com", "A published point."
	pub := e.published(pubSub)
	ppath := fmt.Sprintf("/api/v1/comments/%d?token=%s", pub.ID, pub.EditToken)
	var p problem
	wantStatus(t, e.do("PATCH", ppath, map[string]any{"body": "What a scumbag."}, nil, &p), 422, "edit with a banned word")
	if got := fieldsOf(p); len(got) != 1 || got[0] != "body" {
		t.Errorf("fields = %v, want [body]", got)
	}
	if c, _ := e.store.Comment(ctx, pub.ID); c.Body != "A published point." || !c.EditedAt.IsZero() {
		t.Errorf("a refused edit changed the comment: %+v", c)
	}
	wantStatus(t, e.do("PATCH", ppath, map[string]any{"body": "A published point, idiot."}, nil, nil), 200, "edit published")
	if it := queued(pub.ID); it.RevisionOf != pub.ID || !it.Flagged {
		t.Errorf("revision of the published comment: %+v, want it waiting, flagged", it)
	}
}
