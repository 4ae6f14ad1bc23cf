package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley/httpapi"
)

type submitReply struct {
	ID       int64  `json:"id"`
	ParentID *int64 `json:"parent_id"`
	Notice   string `json:"notice"`
}

// replyChain sends n reply requests through the API, each answering the
// newest comment, approving each, and returns the answers.
func replyChain(t *testing.T, e *env, first int64, n int) []submitReply {
	t.Helper()
	var out []submitReply
	parent := first
	for i := range n {
		fields := validSubmission()
		fields["parent_id"] = parent
		fields["body"] = fmt.Sprintf("Reply %d.", i+1)
		var r submitReply
		if resp := e.do("POST", "/api/v1/comments", fields, nil, &r); resp.StatusCode != 202 {
			t.Fatalf("reply %d: %d", i+1, resp.StatusCode)
		}
		if resp := e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", r.ID), nil, nil); resp.StatusCode != 200 {
			t.Fatalf("approve reply %d: %d", i+1, resp.StatusCode)
		}
		out = append(out, r)
		parent = r.ID
	}
	return out
}

func threadDepth(cs []*threadComment, d int) int {
	max := d
	for _, c := range cs {
		if n := threadDepth(c.Replies, d+1); n > max {
			max = n
		}
	}
	return max
}

// TestReplyDepthCap: replies nest at most 50 deep (the default): a reply to
// a comment at the cap is attached to that comment's parent, and the answer
// says so with the parent used and a notice.
func TestReplyDepthCap(t *testing.T) {
	e := newEnv(t)
	top := e.submit(validSubmission())
	e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", top.ID), nil, nil)
	got := replyChain(t, e, top.ID, 60)
	parentOf := map[int64]int64{}
	for i, r := range got {
		asked := top.ID
		if i > 0 {
			asked = got[i-1].ID
		}
		switch {
		case i < httpapi.DefaultMaxReplyDepth:
			if r.ParentID == nil || *r.ParentID != asked || r.Notice != "" {
				t.Fatalf("reply %d (depth %d): parent %v, notice %q; want %d as asked", i+1, i+1, r.ParentID, r.Notice, asked)
			}
		default:
			// The asked parent is at the cap: its own parent is used.
			want := parentOf[asked]
			if r.ParentID == nil || *r.ParentID != want || !strings.Contains(r.Notice, "50") {
				t.Fatalf("reply %d past the cap: parent %v, notice %q; want %d and a notice", i+1, r.ParentID, r.Notice, want)
			}
		}
		parentOf[r.ID] = *r.ParentID
	}
	th := e.thread("site=news&url=" + articleURL)
	if d := threadDepth(th.Comments, 0); d != httpapi.DefaultMaxReplyDepth+1 {
		t.Errorf("thread depth %d levels, want %d (the top comment and 50 levels of replies)", d, httpapi.DefaultMaxReplyDepth+1)
	}
}
