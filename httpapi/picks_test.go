package httpapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyhq/parley/comment"
)

// An editor features a published comment: it heads the thread's first
// page among the editors' picks, audited; a pending comment cannot be.
func TestEditorsPicks(t *testing.T) {
	e := newEnv(t)
	a := e.submit(validSubmission())
	b := e.submit(validSubmission())
	e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", a.ID), nil, nil)
	var p problem
	if resp := e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/feature", b.ID), nil, &p); resp.StatusCode != 409 {
		t.Errorf("featuring a pending comment: %d", resp.StatusCode)
	}
	if resp := e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/feature", a.ID), nil, nil); resp.StatusCode != 200 {
		t.Fatalf("feature: %d", resp.StatusCode)
	}
	var th struct {
		Picks []struct {
			ID     int64 `json:"id"`
			Author struct {
				Name string `json:"name"`
			} `json:"author"`
			HTML string `json:"html"`
		} `json:"picks"`
	}
	e.do("GET", "/api/v1/threads?"+threadQuery(""), nil, nil, &th)
	if len(th.Picks) != 1 || th.Picks[0].ID != a.ID || th.Picks[0].Author.Name != "Ada Lovelace" || th.Picks[0].HTML == "" {
		t.Errorf("picks = %+v", th.Picks)
	}
	entries, _ := e.store.Audit(context.Background(), comment.AuditFilter{CommentID: a.ID, Action: comment.ActionFeature})
	if len(entries) != 1 || entries[0].Moderator != "ann" {
		t.Errorf("audit = %+v", entries)
	}
	if resp := e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/unfeature", a.ID), nil, nil); resp.StatusCode != 200 {
		t.Fatalf("unfeature: %d", resp.StatusCode)
	}
	th.Picks = nil
	e.do("GET", "/api/v1/threads?"+threadQuery(""), nil, nil, &th)
	if len(th.Picks) != 0 {
		t.Errorf("picks after unfeaturing = %+v", th.Picks)
	}
	if resp := e.admin("POST", "/api/v1/admin/comments/999999/feature", nil, nil); resp.StatusCode != 404 {
		t.Errorf("unknown comment: %d", resp.StatusCode)
	}
}
