package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/store/sqlite"
)

// A full disk or read-only storage: submissions get a 503 that says so and
// leave nothing half-written, reads keep working, and once space returns the
// server takes comments again by itself.
func TestStorageFullOrReadOnly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	db := e.store.(*sqlite.Store)
	approved := e.submit(validSubmission())
	e.admin("POST", "/api/v1/admin/comments/"+itoa(approved.ID)+"/approve", nil, nil)
	readThread := func() {
		t.Helper()
		th := e.thread("site=news&url=" + articleURL)
		if len(th.Comments) != 1 {
			t.Fatalf("thread has %d comments, want the approved one", len(th.Comments))
		}
	}

	cases := []struct {
		name, message string
		break_, heal  func() error
	}{
		{"Full", "storage is full",
			func() error {
				n, err := db.PageCount(ctx)
				if err != nil {
					return err
				}
				_, err = db.LimitPages(ctx, n+2)
				return err
			},
			func() error { _, err := db.LimitPages(ctx, 0); return err }},
		{"ReadOnly", "storage is read-only",
			func() error { return db.SetReadOnly(ctx, true) },
			func() error { return db.SetReadOnly(ctx, false) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, err := e.store.CountByStatus(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.break_(); err != nil {
				t.Fatal(err)
			}
			accepted, refused := 0, 0
			for i := 0; i < 60 && refused < 3; i++ {
				fields := validSubmission()
				fields["body"] = strings.Repeat("A point about the patrols, made at length. ", 200)
				var p struct {
					Detail string `json:"detail"`
				}
				resp := e.do("POST", "/api/v1/comments", fields, nil, &p)
				switch resp.StatusCode {
				case http.StatusAccepted:
					accepted++
				case http.StatusServiceUnavailable:
					refused++
					if !strings.Contains(p.Detail, tc.message) || !strings.Contains(p.Detail, "nothing was saved") {
						t.Errorf("503 detail %q, want it to say %q and that nothing was saved", p.Detail, tc.message)
					}
					if resp.Header.Get("Retry-After") == "" {
						t.Error("503 without Retry-After")
					}
				default:
					t.Fatalf("submission answered %d, want 202 or 503", resp.StatusCode)
				}
			}
			if refused == 0 {
				t.Fatalf("%d submissions accepted and none refused: storage never ran out", accepted)
			}
			readThread()
			after, err := e.store.CountByStatus(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := after[comment.StatusPending] - before[comment.StatusPending]; got != accepted {
				t.Errorf("%d pending comments added, want exactly the %d accepted", got, accepted)
			}
			if ok, err := db.IntegrityCheck(ctx); err != nil || ok != "ok" {
				t.Errorf("integrity_check = %q, %v", ok, err)
			}

			if err := tc.heal(); err != nil {
				t.Fatal(err)
			}
			e.submit(validSubmission()) // fails the test unless 202
			readThread()
		})
	}
}
