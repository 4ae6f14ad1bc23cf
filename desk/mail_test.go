package desk_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/desk"
	"github.com/parleyhq/parley/store/sqlite"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func newMailDesk(t *testing.T) (*desk.Desk, *sqlite.Store, *clock) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	clk := &clock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	for _, id := range []string{"news", "sport"} {
		if err := s.CreateSite(ctx, comment.Site{ID: id, Origins: []string{"https://" + id + ".example"}, CreatedAt: clk.t}); err != nil {
			t.Fatal(err)
		}
	}
	return desk.New(desk.Config{Store: s, Now: clk.Now}), s, clk
}

func TestCheckNotify(t *testing.T) {
	for _, ok := range [][]string{nil, {"decision"}, {"replies"}, {"decision", "replies"}} {
		if err := desk.CheckNotify(ok); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
	for _, bad := range [][]string{{"weekly"}, {"decision", "decision"}, {""}} {
		err := desk.CheckNotify(bad)
		var ce *comment.Error
		if ce, _ = err.(*comment.Error); ce == nil || ce.Code != comment.CodeInvalid || ce.Fields[0].Field != "notify" {
			t.Errorf("%v: %v, want 422 naming notify", bad, err)
		}
	}
}

// The queue alert goes to the moderators with an email who work on the
// site, once the oldest pending comment waited past the site's limit, and
// not again within the limit; the digest goes at its interval.
func TestMailTickAlertAndDigest(t *testing.T) {
	d, s, clk := newMailDesk(t)
	ctx := context.Background()
	site, _ := s.Site(ctx, "news")
	site.Mail.AlertMinutes = 30
	if err := d.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	add := func(name string, sites []string, digest string) comment.Moderator {
		m, err := s.CreateModerator(ctx, comment.Moderator{Name: name, Role: comment.RoleModerator, PasswordHash: "h", Sites: sites, CreatedAt: clk.t})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.SetModeratorMail(ctx, name, []byte("sealed-"+name), digest); err != nil {
			t.Fatal(err)
		}
		return m
	}
	ann := add("ann", nil, comment.DigestHourly)
	add("sam", []string{"sport"}, "off")
	if err := d.SetModeratorMail(ctx, "ann", []byte("x"), "weekly"); comment.ErrorCode(err) != comment.CodeInvalid {
		t.Fatalf("weekly digest: %v", err)
	}
	c := &comment.Comment{SiteID: "news", ArticleURL: "https://news.example/a", AuthorName: "Ada", Body: "Waiting.", EmailCipher: []byte{1},
		EmailHMAC: []byte{2}, Status: comment.StatusPending, Score: -1, CreatedAt: clk.t, EditTokenHash: []byte("t")}
	if err := s.CreateComment(ctx, c); err != nil {
		t.Fatal(err)
	}
	items := func(topic string) []comment.OutboxItem {
		it, err := s.OutboxItems(ctx, comment.OutboxFilter{Topic: topic})
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	tick := func(after time.Duration) {
		clk.t = clk.t.Add(after)
		if err := d.MailTick(ctx, "https://c.example/admin/"); err != nil {
			t.Fatal(err)
		}
	}
	tick(10 * time.Minute)
	if n := len(items("alert")); n != 0 {
		t.Fatalf("%d alerts after 10 minutes", n)
	}
	if dg := items("digest"); len(dg) != 1 || dg[0].Target != "moderator:"+itoa(ann.ID) {
		t.Fatalf("digests: %+v", dg)
	}
	tick(25 * time.Minute) // 35 minutes waiting
	al := items("alert")
	if len(al) != 1 || al[0].Target != "moderator:"+itoa(ann.ID) || al[0].SiteID != "news" || al[0].CommentID != c.ID {
		t.Fatalf("alerts after 35 minutes: %+v", al)
	}
	var p map[string]any
	json.Unmarshal(al[0].Payload, &p)
	if p["age"] != "35 minutes" || p["limit_minutes"] != float64(30) || p["pending"] != float64(1) {
		t.Errorf("alert payload %s", al[0].Payload)
	}
	tick(10 * time.Minute)
	if n := len(items("alert")); n != 1 {
		t.Errorf("%d alerts within the limit, want still 1", n)
	}
	if n := len(items("digest")); n != 1 {
		t.Errorf("%d digests within the hour, want 1", n)
	}
	tick(30 * time.Minute)
	if n, m := len(items("alert")), len(items("digest")); n != 2 || m != 2 {
		t.Errorf("after another limit and hour: %d alerts, %d digests; want 2 and 2", n, m)
	}
	var dp map[string]any
	json.Unmarshal(items("digest")[0].Payload, &dp)
	if dp["pending"] != float64(1) || !strings.Contains(string(items("digest")[0].Payload), `"oldest"`) {
		t.Errorf("digest payload %s", items("digest")[0].Payload)
	}
	if err := d.SetMailSettings(ctx, "news", comment.MailSettings{AlertMinutes: -1}); comment.ErrorCode(err) != comment.CodeInvalid {
		t.Errorf("negative alert limit: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
