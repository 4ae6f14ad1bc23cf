package dashboard_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/dashboard"
)

// openStream opens /admin/events for a logged-in browser and returns a
// function reading the next event's data line.
func openStream(t *testing.T, e *env, b *browser) (next func() string, status int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/admin/events", nil)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 {
		return nil, resp.StatusCode
	}
	rd := bufio.NewReader(resp.Body)
	rd.ReadString('\n') // open once the first line arrives
	return func() string {
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				return "closed: " + err.Error()
			}
			if strings.HasPrefix(line, "data: ") {
				return strings.TrimPrefix(line, "data: ")
			}
		}
	}, 200
}

func (e *env) submitTo(site, articleURL, body string) {
	e.t.Helper()
	raw, _ := json.Marshal(map[string]any{"site": site, "article_url": articleURL, "name": "Ada", "email": "ada@example.com", "body": body})
	resp, err := http.Post(e.srv.URL+"/api/v1/comments", "application/json", bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		e.t.Fatalf("submit to %s: %d", site, resp.StatusCode)
	}
}

// TestLiveEventsScoped: a moderator's live stream carries only their sites'
// events, with counts of their sites only, and an admin narrowing their
// sites takes effect on a stream already open.
func TestLiveEventsScoped(t *testing.T) {
	e := newEnv(t, false)
	if err := e.store.CreateSite(context.Background(), comment.Site{ID: "blog", Origins: []string{"https://blog.example"}, CreatedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	bob := e.loggedIn("bob")
	next, _ := openStream(t, e, bob)
	e.submitTo("news", origin+"/energy", "On news, while bob sees every site.")
	if ev := next(); !strings.Contains(ev, `"site":"news"`) {
		t.Fatalf("bob on every site: %s", ev)
	}
	ann := e.loggedIn("ann")
	if code, _, _ := ann.post("/admin/moderators/bob/sites", url.Values{"csrf_token": {ann.csrf}, "sites": {"blog"}}, false); code != http.StatusSeeOther {
		t.Fatalf("narrow bob's sites: %d", code)
	}
	e.submitTo("news", origin+"/energy", "On news, after bob was limited to the blog.")
	e.submitTo("blog", "https://blog.example/post", "On the blog.")
	ev := next()
	if !strings.Contains(ev, `"site":"blog"`) {
		t.Fatalf("bob, limited to the blog, heard: %s", ev)
	}
	var le struct {
		Counts  map[string]int `json:"counts"`
		Flagged int            `json:"flagged"`
	}
	json.Unmarshal([]byte(ev), &le)
	if le.Counts["pending"] != 1 {
		t.Errorf("bob's counts = %v, want the blog's only (1 pending, not 3)", le.Counts)
	}
}

// TestLiveStreamsPerSession: one session may hold MaxStreamsPerSession
// streams at once; the next is refused with 429 until one closes.
func TestLiveStreamsPerSession(t *testing.T) {
	e := newEnv(t, false)
	bob := e.loggedIn("bob")
	for i := range dashboard.MaxStreamsPerSession {
		if _, code := openStream(t, e, bob); code != 200 {
			t.Fatalf("stream %d: %d", i+1, code)
		}
	}
	if _, code := openStream(t, e, bob); code != http.StatusTooManyRequests {
		t.Errorf("stream %d of one session: %d, want 429", dashboard.MaxStreamsPerSession+1, code)
	}
	if _, code := openStream(t, e, e.loggedIn("ann")); code != 200 {
		t.Errorf("another session's stream: %d, want 200", code)
	}
}

// TestLiveStreamEndsWithTheAccount: an open stream re-reads its session at
// each event, so an account disabled, or a session logged out, hears
// nothing more: the server ends the stream.
func TestLiveStreamEndsWithTheAccount(t *testing.T) {
	for _, how := range []string{"disabled", "logged out"} {
		t.Run(how, func(t *testing.T) {
			e := newEnv(t, false)
			bob := e.loggedIn("bob")
			next, code := openStream(t, e, bob)
			if code != 200 {
				t.Fatalf("stream: %d", code)
			}
			e.submitTo("news", origin+"/energy", "Heard while bob may hear it.")
			if ev := next(); !strings.Contains(ev, `"site":"news"`) {
				t.Fatalf("bob before: %s", ev)
			}
			if how == "disabled" {
				ann := e.loggedIn("ann")
				if code, _, _ := ann.post("/admin/moderators/bob/disable", url.Values{"csrf_token": {ann.csrf}}, false); code != http.StatusSeeOther {
					t.Fatalf("disable bob: %d", code)
				}
			} else if code, _, _ := bob.post("/admin/logout", url.Values{"csrf_token": {bob.csrf}}, false); code != http.StatusSeeOther {
				t.Fatalf("log out: %d", code)
			}
			e.submitTo("news", origin+"/energy", "Sent after bob's session ended.")
			if ev := next(); ev != "closed: EOF" {
				t.Errorf("bob's stream after his session ended: %q, want the server to close it", ev)
			}
		})
	}
}
