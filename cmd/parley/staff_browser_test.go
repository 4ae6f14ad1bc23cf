package main

import (
	"fmt"
	"strings"
	"testing"
)

// A moderator's comment shows the Staff badge; a reader who named
// themselves "Staff" gets none.
func TestStaffBadgeInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	d := startDemo(t)
	code, body := d.api.call("POST", "/api/v1/comments", map[string]any{"site": "demo", "article_url": d.article,
		"name": "Staff", "email": "forger@example.com", "body": "Official: the plan is cancelled."}, nil)
	if code != 202 {
		t.Fatalf("submit: %d %v", code, body)
	}
	id := int64(body["id"].(float64))
	if code, body := d.api.call("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", id), nil, nil); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	if code, body := d.api.call("POST", "/api/v1/admin/comments", map[string]any{"parent_id": id,
		"name": "The newsroom", "body": "That is not our announcement."}, nil); code != 201 {
		t.Fatalf("staff reply: %d %v", code, body)
	}
	openDemo(t, ctx, d)
	waitFor(t, ctx, "the staff badge", shadow+`.querySelector("span.staff")`)
	n := eval[int](t, ctx, shadow+`.querySelectorAll("span.staff").length`)
	got := text(t, ctx, shadow+`.querySelector("span.staff").closest("article")`)
	if n != 1 || !strings.Contains(got, "The newsroom") || !strings.Contains(got, "Staff") || !strings.Contains(got, "not our announcement") {
		t.Errorf("%d staff badges; the badged comment reads %q", n, got)
	}
	axeCheck(t, ctx, "thread with a staff reply")
}

// On a site whose default sort is featured first, the widget opens with
// "Featured first" selected and the featured comment at the head of the
// thread.
func TestFeaturedFirstInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	d := startDemo(t)
	var ids []int64
	for _, b := range []string{"The first comment, oldest of all.", "The second comment, featured by an editor."} {
		code, body := d.api.call("POST", "/api/v1/comments", map[string]any{"site": "demo", "article_url": d.article,
			"name": "Ada Lovelace", "email": "ada@example.com", "body": b}, nil)
		if code != 202 {
			t.Fatalf("submit: %d %v", code, body)
		}
		id := int64(body["id"].(float64))
		if code, body := d.api.call("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", id), nil, nil); code != 200 {
			t.Fatalf("approve: %d %v", code, body)
		}
		ids = append(ids, id)
	}
	if code, body := d.api.call("POST", fmt.Sprintf("/api/v1/admin/comments/%d/feature", ids[1]), nil, nil); code != 200 {
		t.Fatalf("feature: %d %v", code, body)
	}
	if code, body := d.api.call("PATCH", "/api/v1/admin/sites/demo/policy", map[string]any{"default_sort": "featured"}, nil); code != 200 {
		t.Fatalf("default_sort: %d %v", code, body)
	}
	openDemo(t, ctx, d)
	waitFor(t, ctx, "the thread", shadow+`.querySelector("ol.thread:not(.own) > li article")`)
	if got := eval[string](t, ctx, shadow+`.querySelector("label.sort select").value`); got != "featured" {
		t.Errorf("the sort selector shows %q", got)
	}
	if got := text(t, ctx, shadow+`.querySelector("ol.thread:not(.own) > li article")`); !strings.Contains(got, "featured by an editor") {
		t.Errorf("the thread starts with %q", got)
	}
}
