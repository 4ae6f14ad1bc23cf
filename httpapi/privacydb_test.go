package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley/store/sqlite"
)

// TestNoPlainEmailInDatabase: after the flows that queue email (opt-ins,
// a decision with a shared note, an approved reply, a report with the
// reporter's email, a data request), no table holds a commenter's address
// in plain text, in any case: the outbox carries sealed addresses or a
// reference to the comment, never the address itself.
func TestNoPlainEmailInDatabase(t *testing.T) {
	e := newEnv(t)
	ada := validSubmission()
	ada["email"], ada["notify"] = "Ada.Lovelace@Example.com", []string{"decision", "replies"}
	first := e.submit(ada)
	e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", first.ID), nil, nil)
	reply := validSubmission()
	reply["email"], reply["parent_id"], reply["body"] = "bob.builder@example.org", first.ID, "A reply that Ada hears about once it is approved."
	reply["notify"] = []string{"decision"}
	r := e.submit(reply)
	e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/reject", r.ID), map[string]any{"reason": "off_topic", "note": "Stay on the talks.", "share_note": true}, nil)
	e.do("POST", fmt.Sprintf("/api/v1/comments/%d/reports", first.ID), map[string]any{"reason": "spam", "name": "Cy", "email": "cy.reporter@example.net", "good_faith": true}, nil, nil)
	e.do("POST", "/api/v1/data-requests", map[string]any{"site": "news", "email": "Ada.Lovelace@Example.com"}, nil, nil)

	s := e.store.(*sqlite.Store)
	ctx := context.Background()
	tables, err := s.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	outbox := 0
	for _, table := range tables {
		if table == "comment_counts" {
			continue // counts only, and a table without rowid, which ReadTable does not read
		}
		err := s.ReadTable(ctx, table, func(cols []string, row []any) error {
			if table == "outbox" {
				outbox++
			}
			for i, v := range row {
				var text string
				switch v := v.(type) {
				case string:
					text = v
				case []byte:
					text = string(v)
				default:
					continue
				}
				text = strings.ToLower(text)
				for _, addr := range []string{"ada.lovelace@example.com", "bob.builder@example.org", "cy.reporter@example.net"} {
					if strings.Contains(text, addr) {
						t.Errorf("%s.%s holds %s in plain text", table, cols[i], addr)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The scan saw the messages it is about: the decisions and the data
	// request were queued.
	if outbox < 3 {
		t.Fatalf("the outbox holds %d items, want the decision emails and the data request", outbox)
	}
}
