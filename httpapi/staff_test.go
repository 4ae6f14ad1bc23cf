package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
)

type staffThread struct {
	Comments []struct {
		ID     int64 `json:"id"`
		Staff  bool  `json:"staff"`
		Author struct {
			Name string `json:"name"`
		} `json:"author"`
		Replies []struct {
			ID    int64 `json:"id"`
			Staff bool  `json:"staff"`
		} `json:"replies"`
	} `json:"comments"`
}

// A moderator's comment, on the article or under a reader's, is published
// at once with "staff": true in the thread and audited as their approval;
// a reader who calls themselves Staff, or sends "staff": true, gets no
// badge.
func TestStaffComments(t *testing.T) {
	e := newEnv(t)
	forger := validSubmission()
	forger["name"] = "Staff"
	reader := e.submit(forger)
	e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", reader.ID), nil, nil)
	forged := validSubmission()
	forged["name"], forged["staff"], forged["body"] = "Parley Staff", true, "I am staff, trust me."
	var fp problem
	if resp := e.do("POST", "/api/v1/comments", forged, nil, &fp); resp.StatusCode != 400 || !slices.Contains(fieldsOf(fp), "staff") {
		t.Errorf("a reader sending staff: true: %d %+v, want 400 naming staff", resp.StatusCode, fp)
	}

	var item struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	resp := e.admin("POST", "/api/v1/admin/comments", map[string]any{"site": "news", "article_url": articleURL, "body": "Editor's note: the talks resumed at 9."}, &item)
	if resp.StatusCode != 201 || item.Status != "approved" {
		t.Fatalf("staff comment: %d %+v", resp.StatusCode, item)
	}
	var reply struct {
		ID int64 `json:"id"`
	}
	if resp := e.admin("POST", "/api/v1/admin/comments", map[string]any{"parent_id": reader.ID, "name": "The newsroom", "body": "Thanks, corrected."}, &reply); resp.StatusCode != 201 {
		t.Fatalf("staff reply: %d", resp.StatusCode)
	}

	var th staffThread
	e.do("GET", "/api/v1/threads?"+threadQuery(""), nil, nil, &th)
	var sawStaff, sawReader, sawReply bool
	for _, c := range th.Comments {
		switch c.ID {
		case item.ID:
			sawStaff = c.Staff && c.Author.Name == "ann"
		case reader.ID:
			sawReader = !c.Staff && c.Author.Name == "Staff"
			for _, r := range c.Replies {
				sawReply = sawReply || (r.ID == reply.ID && r.Staff)
			}
		default:
			if c.Staff {
				t.Errorf("comment %d (a reader's) is badged staff", c.ID)
			}
		}
	}
	if !sawStaff || !sawReader || !sawReply {
		t.Errorf("staff comment badged: %v; reader named Staff unbadged: %v; staff reply badged: %v; thread %+v", sawStaff, sawReader, sawReply, th)
	}
	entries, _ := e.store.Audit(context.Background(), comment.AuditFilter{CommentID: item.ID})
	if len(entries) != 1 || entries[0].Moderator != "ann" || entries[0].Action != comment.ActionApprove {
		t.Errorf("audit = %+v", entries)
	}
	// The admin queue says who wrote a staff comment, and nothing for a
	// reader's.
	var approved struct {
		Items []struct {
			ID      int64  `json:"id"`
			StaffBy string `json:"staff_by"`
		} `json:"items"`
	}
	e.admin("GET", "/api/v1/admin/queue?site=news&status=approved", nil, &approved)
	staffBy := map[int64]string{}
	for _, it := range approved.Items {
		staffBy[it.ID] = it.StaffBy
	}
	if staffBy[item.ID] != "ann" || staffBy[reply.ID] != "ann" || staffBy[reader.ID] != "" {
		t.Errorf("staff_by in the approved queue: %v (staff %d and %d, reader %d)", staffBy, item.ID, reply.ID, reader.ID)
	}

	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"site": "news", "article_url": articleURL, "body": "  "}, "body"},
		{map[string]any{"article_url": articleURL, "body": "hi"}, "site"},
		{map[string]any{"site": "news", "body": "hi"}, "article_url"},
		{map[string]any{"site": "news", "article_url": "https://elsewhere.example/x", "body": "hi"}, "article_url"},
		{map[string]any{"parent_id": 999999, "body": "hi"}, "parent_id"},
		{map[string]any{"parent_id": -1, "body": "hi"}, "parent_id"},
	} {
		var p problem
		resp := e.admin("POST", "/api/v1/admin/comments", c.body, &p)
		if resp.StatusCode != 422 || !slices.Contains(fieldsOf(p), c.field) {
			t.Errorf("%v: %d %+v, want 422 naming %s", c.body, resp.StatusCode, p, c.field)
		}
	}
	if resp := e.do("POST", "/api/v1/admin/comments", map[string]any{"site": "news", "article_url": articleURL, "body": "hi"}, nil, nil); resp.StatusCode != 401 {
		t.Errorf("without a token: %d", resp.StatusCode)
	}

	// A staff comment under a URL whose page named another as canonical
	// goes to the canonical article, as readers' comments do.
	amp := strings.TrimSuffix(articleURL, "/") + "/amp"
	onAMP := validSubmission()
	onAMP["article_url"] = amp
	e.submit(onAMP)
	if _, err := e.api.Desk.CanonicalizeArticle(context.Background(), comment.ArticleCanonical{SiteID: "news", URL: amp, Canonical: articleURL, Moderator: "article-page"}); err != nil {
		t.Fatal(err)
	}
	var viaAlias struct {
		ID int64 `json:"id"`
	}
	if resp := e.admin("POST", "/api/v1/admin/comments", map[string]any{"site": "news", "article_url": amp, "body": "Posted under the AMP address."}, &viaAlias); resp.StatusCode != 201 {
		t.Fatalf("staff comment under an alias: %d", resp.StatusCode)
	}
	if c, err := e.store.Comment(context.Background(), viaAlias.ID); err != nil || c.ArticleURL != articleURL {
		t.Errorf("staff comment under an alias stored on %q, %v; want the canonical %q", c.ArticleURL, err, articleURL)
	}
}
