package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// doRaw sends a request as it is and decodes a JSON answer into out.
func doRaw(t *testing.T, req *http.Request, out any) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, out)
	return resp
}

// TestJSONNeedsContentType: every JSON endpoint refuses a body without
// Content-Type: application/json with a 415 naming the header, so that a
// plain HTML form (which cannot send that type cross-site without CORS)
// never reaches a handler.
func TestJSONNeedsContentType(t *testing.T) {
	e := newEnv(t, withClassifier)
	for _, path := range []string{"/api/v1/comments", "/api/v1/check", "/api/v1/admin/login", "/api/v1/admin/articles/close", "/api/v1/admin/comments/1/reject"} {
		for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded"} {
			req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(`{"name":"ann","password":"correct horse battery"}`))
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			req.Header.Set("Authorization", "Bearer "+e.token)
			var p problem
			resp := doRaw(t, req, &p)
			if resp.StatusCode != 415 || len(p.Errors) != 1 || p.Errors[0].Field != "Content-Type" {
				t.Errorf("POST %s with Content-Type %q: %d %+v, want 415 naming Content-Type", path, ct, resp.StatusCode, p)
			}
		}
	}
}

// TestLoginChecksOrigin: a login posted by another origin, even a same-site
// one (www. beside comments.), is refused, so a page there cannot log a
// browser into the attacker's account.
func TestLoginChecksOrigin(t *testing.T) {
	e := newEnv(t)
	body := `{"name":"ann","password":"correct horse battery"}`
	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"OKNoBrowserHeaders", nil, 200},
		{"OKSameOrigin", map[string]string{"Origin": e.srv.URL, "Sec-Fetch-Site": "same-origin"}, 200},
		{"OKTypedByHand", map[string]string{"Sec-Fetch-Site": "none"}, 200},
		{"ErrSameSiteOrigin", map[string]string{"Origin": "http://www.127.0.0.1.nip.io"}, 403},
		{"ErrOtherPort", map[string]string{"Origin": "http://127.0.0.1:1"}, 403},
		{"ErrSameSite", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"ErrCrossSite", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"ErrNullOrigin", map[string]string{"Origin": "null"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p problem
			resp := e.do("POST", "/api/v1/admin/login", body, tt.header, &p)
			if resp.StatusCode != tt.want {
				t.Errorf("login: %d %+v, want %d", resp.StatusCode, p, tt.want)
			}
			if tt.want == 403 && resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("a refused login set a cookie")
			}
		})
	}
}
