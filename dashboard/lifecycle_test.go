package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
)

func (e *env) comment(id int64) comment.Comment {
	e.t.Helper()
	c, err := e.store.Comment(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) report(id int64, reader string, r comment.Report) {
	e.t.Helper()
	site, err := e.store.Site(context.Background(), "news")
	if err != nil {
		e.t.Fatal(err)
	}
	r.Reporter = []byte(reader)
	if _, err := e.api.Desk.Report(context.Background(), site, e.comment(id), r); err != nil {
		e.t.Fatal(err)
	}
}

// Remove and restore a published comment from the Approved queue: a reason
// is required (legal among them), the comment moves to the Removed queue
// and back.
func TestRemoveRestore(t *testing.T) {
	e := newEnv(t, false)
	ann := e.loggedIn("ann")
	id := e.submit("Ada", "ada@example.com", "Use the <div> tag.")
	if code, body, _ := ann.post(fmt.Sprintf("/admin/comments/%d/approve", id), url.Values{}, true); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}
	_, page, _ := ann.get("/admin/queue/approved")
	for _, want := range []string{fmt.Sprintf(`action="/admin/comments/%d/remove"`, id), `<option value="legal">legal</option>`,
		`<div class="rendered" dir="auto"><p>Use the &lt;div&gt; tag.</p>`, `<details class="raw"><summary>Raw text`,
		`<p class="body" dir="auto">Use the &lt;div&gt; tag.</p>`, `<strong><bdi>Ada</bdi></strong>`} {
		if !strings.Contains(page, want) {
			t.Errorf("approved queue lacks %s", want)
		}
	}
	// In search results and on the comment's page too.
	if _, page, _ := ann.get("/admin/queue/approved?q=div"); !strings.Contains(page, fmt.Sprintf(`action="/admin/comments/%d/remove"`, id)) {
		t.Errorf("search results on the Approved queue do not offer Remove")
	}
	if _, page, _ := ann.get(fmt.Sprintf("/admin/comments/%d", id)); !strings.Contains(page, fmt.Sprintf(`action="/admin/comments/%d/remove"`, id)) {
		t.Errorf("the comment's page does not offer Remove")
	}
	// A flagged comment shows its raw text, with the classifier's words
	// marked, without a key press.
	e.submit("Bo", "bo@example.com", "You fool.")
	if _, page, _ := ann.get("/admin/queue/flagged"); !strings.Contains(page, `<details class="raw" open>`) || !strings.Contains(page, "<mark>fool</mark>") {
		t.Errorf("flagged comment's raw text is not open with its marks")
	}
	if strings.Contains(page, `<details class="raw" open>`) {
		t.Errorf("an unflagged comment's raw text is open")
	}
	path := fmt.Sprintf("/admin/comments/%d/remove", id)
	for _, tt := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{}, "reason"},
		{url.Values{"reason": {"libel"}}, "reason"},
		{url.Values{"reason": {"legal"}, "note": {"a\x01b"}}, "note"},
	} {
		code, body, _ := ann.post(path, tt.form, true)
		if code != 422 || !strings.Contains(body, `"field":"`+tt.field+`"`) {
			t.Errorf("remove %v: %d %s", tt.form, code, body)
		}
	}
	if st := e.comment(id).Status; st != comment.StatusApproved {
		t.Fatalf("a refused removal changed the comment: %s", st)
	}
	if code, body, _ := ann.post(path, url.Values{"reason": {"legal"}, "note": {"court order 12/2026"}}, true); code != 200 || !strings.Contains(body, `"status":"removed"`) {
		t.Fatalf("remove: %d %s", code, body)
	}
	if c := e.comment(id); c.Status != comment.StatusRemoved || c.Reason != comment.ReasonLegal || c.Note != "court order 12/2026" || c.DecidedBy != "ann" {
		t.Fatalf("after removal: %+v", c)
	}
	_, page, _ = ann.get("/admin/queue/removed")
	if !strings.Contains(page, fmt.Sprintf(`action="/admin/comments/%d/restore"`, id)) || !strings.Contains(page, "court order 12/2026") {
		t.Errorf("the Removed queue does not offer to restore the comment")
	}
	_, page, _ = ann.get(fmt.Sprintf("/admin/comments/%d", id))
	if !strings.Contains(page, `status-removed">removed`) || !strings.Contains(page, "/restore") {
		t.Errorf("the comment's page does not show it removed with a restore button")
	}
	// A plain form (no script) comes back to where it was sent from.
	ann.get("/admin/queue/removed")
	code, _, hdr := ann.post(fmt.Sprintf("/admin/comments/%d/restore", id), url.Values{"csrf_token": {ann.csrf}, "return": {fmt.Sprintf("/admin/comments/%d", id)}}, false)
	if code != http.StatusSeeOther || hdr.Get("Location") != fmt.Sprintf("/admin/comments/%d", id) {
		t.Fatalf("restore: %d to %q", code, hdr.Get("Location"))
	}
	if st := e.comment(id).Status; st != comment.StatusApproved {
		t.Fatalf("after restore: %s", st)
	}
	if code, body, _ := ann.post(fmt.Sprintf("/admin/comments/%d/restore", id), url.Values{}, true); code != 409 {
		t.Errorf("restoring a published comment: %d %s", code, body)
	}
	// The audit log filters by the new actions too.
	for action, other := range map[string]string{"remove": "restore", "restore": "remove"} {
		code, page, _ := ann.get("/admin/audit?action=" + action)
		if code != 200 || !strings.Contains(page, `class="action-`+action+`"`) || strings.Contains(page, `class="action-`+other+`"`) ||
			!strings.Contains(page, `<option value="`+action+`" selected>`) {
			t.Errorf("audit log filtered by %s: %d\n%s", action, code, page)
		}
	}
	if code, _, _ := ann.get("/admin/audit?action=removed"); code != 422 {
		t.Errorf("audit log filtered by an unknown action: %d, want 422", code)
	}
}

// The Reported queue: most-reported first, reasons and explanations (and
// a DSA notice's name, and email for admins), dismiss or remove.
func TestReportedQueue(t *testing.T) {
	e := newEnv(t, false)
	ann, bob := e.loggedIn("ann"), e.loggedIn("bob")
	once := e.submit("Ada", "ada@example.com", "Once reported.")
	twice := e.submit("בן דוד", "ben@example.com", "Twice reported.")
	for _, id := range []int64{once, twice} {
		if code, body, _ := ann.post(fmt.Sprintf("/admin/comments/%d/approve", id), url.Values{}, true); code != 200 {
			t.Fatalf("approve: %d %s", code, body)
		}
	}
	cipher, err := e.keys.EncryptEmail("notifier@example.org")
	if err != nil {
		t.Fatal(err)
	}
	e.report(once, "r1", comment.Report{Reason: comment.ReportSpam})
	e.report(twice, "r1", comment.Report{Reason: comment.ReportPersonalAttack})
	e.report(twice, "r2", comment.Report{Reason: comment.ReportIllegal, Explanation: "Defames a named person.", Name: "Nora Notifier",
		EmailCipher: cipher, GoodFaith: true})
	_, page, _ := ann.get("/admin/reported")
	i, j := strings.Index(page, fmt.Sprintf(`id="c%d"`, twice)), strings.Index(page, fmt.Sprintf(`id="c%d"`, once))
	if i < 0 || j < 0 || i > j {
		t.Fatalf("most reported first: positions %d, %d", i, j)
	}
	for _, want := range []string{"2 readers reported", "1 reader reported", "personal attack", "illegal content (DSA notice)",
		`<p class="explanation" dir="auto">Defames a named person.</p>`, "<bdi>Nora Notifier</bdi>", "notifier@example.org",
		"good faith stated", "<strong><bdi>בן דוד</bdi></strong>", fmt.Sprintf(`action="/admin/comments/%d/reports/dismiss"`, twice)} {
		if !strings.Contains(page, want) {
			t.Errorf("reported queue lacks %q", want)
		}
	}
	// A moderator sees the report but not the notifier's email.
	if _, page, _ := bob.get("/admin/reported"); !strings.Contains(page, "Nora Notifier") || strings.Contains(page, "notifier@example.org") {
		t.Errorf("bob's view of the notice: name shown %v, email shown %v", strings.Contains(page, "Nora Notifier"), strings.Contains(page, "notifier@example.org"))
	}
	if code, body, _ := ann.post(fmt.Sprintf("/admin/comments/%d/reports/dismiss", once), url.Values{}, true); code != 200 {
		t.Fatalf("dismiss: %d %s", code, body)
	}
	if st := e.comment(once).Status; st != comment.StatusApproved {
		t.Errorf("dismissed reports changed the comment: %s", st)
	}
	if code, _, _ := ann.post(fmt.Sprintf("/admin/comments/%d/reports/dismiss", once), url.Values{}, true); code != 404 {
		t.Errorf("dismissing reports that are closed: %d, want 404", code)
	}
	if code, body, _ := ann.post(fmt.Sprintf("/admin/comments/%d/remove", twice), url.Values{"reason": {"legal"}}, true); code != 200 {
		t.Fatalf("remove: %d %s", code, body)
	}
	_, page, _ = ann.get("/admin/reported")
	if !strings.Contains(page, "No open reports.") {
		t.Errorf("the queue still lists comments after dismissal and removal")
	}
}

// The Appeals queue: the original decision with reason, note and
// moderator, the appeal; the original moderator is refused where another
// exists, another overturns and the comment is published.
func TestAppealsQueue(t *testing.T) {
	e := newEnv(t, false)
	ann, bob := e.loggedIn("ann"), e.loggedIn("bob")
	id := e.submit("Ada", "ada@example.com", "Rejected, then appealed.")
	if code, body, _ := ann.post(fmt.Sprintf("/admin/comments/%d/reject", id), url.Values{"reason": {"off_topic"}, "note": {"not about energy"}}, true); code != 200 {
		t.Fatalf("reject: %d %s", code, body)
	}
	if _, err := e.api.Desk.Appeal(context.Background(), e.comment(id), "It answers the second paragraph."); err != nil {
		t.Fatal(err)
	}
	_, page, _ := bob.get("/admin/appeals")
	for _, want := range []string{"Decision under appeal: <strong>rejected</strong> as <strong>off-topic</strong>", `<strong class="original-by">ann</strong>`,
		"not about energy", "It answers the second paragraph.", `value="overturned"`} {
		if !strings.Contains(page, want) {
			t.Errorf("appeals queue lacks %q", want)
		}
	}
	path := fmt.Sprintf("/admin/comments/%d/appeal", id)
	if code, body, _ := bob.post(path, url.Values{"outcome": {"maybe"}}, true); code != 422 || !strings.Contains(body, `"field":"outcome"`) {
		t.Errorf("bad outcome: %d %s", code, body)
	}
	if code, body, _ := ann.post(path, url.Values{"outcome": {"overturned"}}, true); code != 403 || !strings.Contains(body, "another moderator") {
		t.Errorf("the original moderator decides: %d %s", code, body)
	}
	if code, body, _ := bob.post(path, url.Values{"outcome": {"overturned"}, "note": {"on topic after all"}}, true); code != 200 || !strings.Contains(body, `"status":"approved"`) {
		t.Fatalf("overturn: %d %s", code, body)
	}
	if code, _, _ := bob.post(path, url.Values{"outcome": {"upheld"}}, true); code != 409 {
		t.Errorf("deciding twice: %d, want 409", code)
	}
	if _, page, _ := bob.get("/admin/appeals"); !strings.Contains(page, "No appeals waiting.") {
		t.Errorf("the decided appeal is still listed")
	}
	if _, page, _ := bob.get(fmt.Sprintf("/admin/comments/%d", id)); !strings.Contains(page, "Appeal overturned by bob") {
		t.Errorf("the comment's page does not show the appeal's outcome")
	}
}

// Bans with a reason and a suspension in days, unban, and rejecting every
// pending comment of a commenter.
func TestBanForm(t *testing.T) {
	e := newEnv(t, false)
	ann := e.loggedIn("ann")
	a := e.submit("Troll", "troll@example.com", "First.")
	b := e.submit("Troll", "troll@example.com", "Second.")
	other := e.submit("Ada", "ada@example.com", "Unrelated.")
	_, page, _ := ann.get("/admin/queue/pending")
	for _, want := range []string{`name="ban_reason"`, `name="until"`, fmt.Sprintf(`action="/admin/comments/%d/reject-pending"`, a)} {
		if !strings.Contains(page, want) {
			t.Errorf("pending queue lacks %s", want)
		}
	}
	if code, body, _ := ann.post(fmt.Sprintf("/admin/comments/%d/reject-pending", a), url.Values{}, true); code != 200 || !strings.Contains(body, fmt.Sprintf(`"rejected":[%d,%d]`, a, b)) {
		t.Fatalf("reject pending: %d %s", code, body)
	}
	if st := e.comment(other).Status; st != comment.StatusPending {
		t.Errorf("another commenter's comment: %s", st)
	}
	if code, body, _ := ann.post(fmt.Sprintf("/admin/comments/%d/ban", a), url.Values{"ban_reason": {"spam links"}, "until": {"0"}}, true); code != 422 || !strings.Contains(body, `"field":"until"`) {
		t.Errorf("until 0: %d %s", code, body)
	}
	if code, body, _ := ann.post(fmt.Sprintf("/admin/comments/%d/ban", a), url.Values{"ban_reason": {"spam links"}, "until": {"7"}}, true); code != 200 {
		t.Fatalf("ban: %d %s", code, body)
	}
	c := e.comment(a)
	who, err := e.store.Commenter(context.Background(), "news", c.EmailHMAC)
	if err != nil {
		t.Fatal(err)
	}
	if who.Standing != comment.StandingBanned || who.StandingReason != "spam links" || who.StandingUntil.Sub(e.clock.Now()).Hours() != 7*24 {
		t.Fatalf("after the ban: %+v", who)
	}
	_, page, _ = ann.get(fmt.Sprintf("/admin/comments/%d", a))
	if !strings.Contains(page, fmt.Sprintf(`action="/admin/comments/%d/unban"`, a)) || !strings.Contains(page, "banned until") {
		t.Errorf("the comment's page does not offer to unban")
	}
	if code, body, _ := ann.post(fmt.Sprintf("/admin/comments/%d/unban", a), url.Values{}, true); code != 200 {
		t.Fatalf("unban: %d %s", code, body)
	}
	if who, _ := e.store.Commenter(context.Background(), "news", c.EmailHMAC); who.Standing != comment.StandingNone {
		t.Errorf("after unban: %s", who.Standing)
	}
}

// An author's edit of a published comment waits in the Pending queue as a
// revision, shown as a word diff against the published text.
func TestRevisionDiffInQueue(t *testing.T) {
	e := newEnv(t, false)
	ann := e.loggedIn("ann")
	code, out := e.submitRaw("Ada", "ada@example.com", "The hotline is a good start.")
	if code != 202 {
		t.Fatalf("submit: %d %v", code, out)
	}
	id, token := int64(out["id"].(float64)), out["edit_token"].(string)
	if code, body, _ := ann.post(fmt.Sprintf("/admin/comments/%d/approve", id), url.Values{}, true); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}
	req, _ := http.NewRequest("PATCH", fmt.Sprintf("%s/api/v1/comments/%d?token=%s", e.srv.URL, id, token), strings.NewReader(`{"body":"The hotline is a weak start."}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	_, page, _ := ann.get("/admin/queue/pending")
	for _, want := range []string{fmt.Sprintf(`An edit of published comment <a href="/admin/comments/%d">#%d</a>`, id, id),
		`<p class="diff" dir="auto">The hotline is a <del>good</del><ins>weak</ins> start.</p>`} {
		if !strings.Contains(page, want) {
			t.Errorf("pending queue lacks %s", want)
		}
	}
}

// A moderator sets the newsroom's title of a comment's article from the
// comment's page: published from then on, no longer marked unverified, and
// audited. A missing title is a 422 naming it; a moderator of another site
// gets 403 and changes nothing.
func TestArticleTitleFromCommentPage(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	id := e.submit("Ada", "ada@example.com", "A first comment.")
	bob := e.loggedIn("bob")
	path := fmt.Sprintf("/admin/comments/%d/article-title", id)
	_, page, _ := bob.get(fmt.Sprintf("/admin/comments/%d", id))
	if !strings.Contains(page, `action="`+path+`"`) || !strings.Contains(page, `value="The energy debate"`) {
		t.Fatalf("the comment's page has no title form with the current title:\n%s", page)
	}
	for _, bad := range []string{"", "   ", "two\nlines", strings.Repeat("t", 301)} {
		code, body, _ := bob.post(path, url.Values{"title": {bad}}, true)
		if code != 422 || !strings.Contains(body, `"title"`) {
			t.Errorf("title %.20q: %d %s, want 422 naming title", bad, code, body)
		}
	}
	if code, body, _ := bob.post(path, url.Values{"csrf_token": {bob.csrf}, "title": {"  Energy: the debate, explained "}}, false); code != http.StatusSeeOther {
		t.Fatalf("set title: %d %s", code, body)
	}
	a, err := e.store.Article(ctx, "news", origin+"/energy")
	if err != nil || a.Title != "Energy: the debate, explained" || !a.TitleVerified {
		t.Fatalf("article = %+v, %v; want the moderator's title, verified", a, err)
	}
	if _, page, _ := bob.get("/admin/queue/pending"); strings.Contains(page, "unverified title") {
		t.Error("the queue still marks the title unverified")
	}
	entries, _ := e.store.Audit(ctx, comment.AuditFilter{SiteID: "news", Action: comment.ActionSetTitle, Limit: 5})
	if len(entries) != 1 || entries[0].Moderator != "bob" || entries[0].Target != origin+"/energy" {
		t.Errorf("audit = %+v, want set_title by bob on the article", entries)
	}

	// bob moderates only another site from now on.
	if err := e.store.CreateSite(ctx, comment.Site{ID: "blog", Origins: []string{"https://blog.example"}, CreatedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	admin := e.loggedIn("ann")
	if code, _, _ := admin.post("/admin/moderators/bob/sites", url.Values{"csrf_token": {admin.csrf}, "sites": {"blog"}}, false); code != http.StatusSeeOther {
		t.Fatalf("set sites: %d", code)
	}
	if code, _, _ := bob.post(path, url.Values{"title": {"Not his to name"}}, true); code != http.StatusForbidden {
		t.Errorf("title from another site's moderator: %d, want 403", code)
	}
	if a, _ := e.store.Article(ctx, "news", origin+"/energy"); a.Title != "Energy: the debate, explained" {
		t.Errorf("title changed by another site's moderator: %q", a.Title)
	}
}
