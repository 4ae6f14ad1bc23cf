package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
	"github.com/parleyhq/parley/httpapi"
)

// The export names the newsroom account a comment was posted under and how
// the commenter's email was proven: both are data the site holds about them.
func TestDataExportSignInAndVerification(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	d := comment.CommenterData{
		Comments: []comment.Comment{
			{ID: 1, ArticleURL: "https://news.example/a", Body: "Signed in.", Status: comment.StatusApproved, CreatedAt: at, SSOSub: "subscriber-42"},
			{ID: 2, ArticleURL: "https://news.example/a", Body: "Not signed in.", Status: comment.StatusPending, CreatedAt: at},
		},
		Commenter: comment.Commenter{Verified: true, VerifiedBy: comment.VerifiedBySSO},
	}
	raw, err := json.Marshal(httpapi.NewDataExport("news", d, at))
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Comments []map[string]any `json:"comments"`
		Standing map[string]any   `json:"standing"`
	}
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatal(err)
	}
	if ex.Comments[0]["signed_in_as"] != "subscriber-42" {
		t.Errorf("signed-in comment exported as %v", ex.Comments[0])
	}
	if _, ok := ex.Comments[1]["signed_in_as"]; ok {
		t.Errorf("a comment not signed in names an account: %v", ex.Comments[1])
	}
	if ex.Standing["verified"] != true || ex.Standing["verified_by"] != string(comment.VerifiedBySSO) {
		t.Errorf("standing = %v, want verified by sso", ex.Standing)
	}
	if strings.Contains(string(raw), "email_hmac") || strings.Contains(string(raw), "email_cipher") {
		t.Errorf("export carries email hashes or ciphertexts: %s", raw)
	}
}
