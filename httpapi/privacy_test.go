package httpapi_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"testing"

	"github.com/parleyhq/parley/httpapi"
)

// recorder keeps the raw bytes of every response a client received:
// status line, headers and body exactly as sent.
type recorder struct {
	mu    sync.Mutex
	next  http.RoundTripper
	dumps []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	head, err := httputil.DumpResponse(resp, false)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	r.mu.Lock()
	r.dumps = append(r.dumps, req.Method+" "+req.URL.RequestURI()+"\n"+string(head)+string(raw))
	r.mu.Unlock()
	return resp, nil
}

// emailForms are the ways an address could leak: as written, lower and
// upper case, their MD5, SHA-1 and SHA-256 hex (Gravatar-like), and the
// server's own keyed hash.
func emailForms(e *env, emails []string) []string {
	var forms []string
	for _, email := range emails {
		for _, v := range []string{email, strings.ToLower(email), strings.ToUpper(email), strings.TrimSpace(email)} {
			m, s1, s2 := md5.Sum([]byte(v)), sha1.Sum([]byte(v)), sha256.Sum256([]byte(v))
			forms = append(forms, v, hex.EncodeToString(m[:]), hex.EncodeToString(s1[:]), hex.EncodeToString(s2[:]))
		}
		mac := hex.EncodeToString(e.keys.EmailHMAC(email))
		forms = append(forms, mac, strings.ToUpper(mac))
	}
	return forms
}

// The raw bytes of every public response, replies and errors included, and
// the log (at debug) carry no commenter's email in any form.
func TestPrivacyRawResponsesAndLog(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.NoRateLimits = false })
	rec := &recorder{next: http.DefaultTransport}
	client := &http.Client{Transport: rec}
	do := func(method, path string, body any, header map[string]string, out any) *http.Response {
		t.Helper()
		return doRequest(t, client, e.srv.URL, method, path, body, header, out)
	}
	emails := []string{"ada@example.com", "Grace.Hopper@Navy.example", "linus+parley@kernel.example"}
	statuses := map[int]bool{}
	for i, email := range emails {
		req := validSubmission()
		req["email"] = email
		req["body"] = fmt.Sprintf("Comment %d on the patrols.", i)
		var first submitted
		statuses[do("POST", "/api/v1/comments", req, map[string]string{"Origin": origin}, &first).StatusCode] = true
		e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", first.ID), nil, nil)
		do("GET", fmt.Sprintf("/api/v1/comments/%d?token=%s", first.ID, first.EditToken), nil, nil, nil)

		reply := validSubmission()
		reply["email"] = " " + strings.ToUpper(email) + " "
		reply["parent_id"] = first.ID
		reply["body"] = "A reply."
		var r submitted
		statuses[do("POST", "/api/v1/comments", reply, nil, &r).StatusCode] = true
		do("GET", fmt.Sprintf("/api/v1/comments/%d?token=%s", r.ID, r.EditToken), nil, nil, nil)
		e.admin("POST", fmt.Sprintf("/api/v1/admin/comments/%d/approve", r.ID), nil, nil)

		// Errors that carry the email in the request.
		bad := validSubmission()
		bad["email"] = email
		bad["body"] = ""
		statuses[do("POST", "/api/v1/comments", bad, nil, nil).StatusCode] = true
		bad = validSubmission()
		bad["email"] = email
		bad["site"] = "nosuchsite"
		statuses[do("POST", "/api/v1/comments", bad, nil, nil).StatusCode] = true
		bad = validSubmission()
		bad["email"] = email
		statuses[do("POST", "/api/v1/comments", bad, map[string]string{"Origin": "https://evil.example"}, nil).StatusCode] = true
		statuses[do("POST", "/api/v1/comments", `{"email":"`+email+`","unknown":1}`, nil, nil).StatusCode] = true
		statuses[do("POST", "/api/v1/comments", `{"email":"`+email+`",`, nil, nil).StatusCode] = true
		bad = validSubmission()
		bad["email"] = email + ".." // invalid address, echoed nowhere
		statuses[do("POST", "/api/v1/comments", bad, nil, nil).StatusCode] = true
		reply["parent_id"] = 999999
		statuses[do("POST", "/api/v1/comments", reply, nil, nil).StatusCode] = true
		statuses[do("POST", "/api/v1/check", map[string]any{"body": "You are an idiot.", "site": "news"}, nil, nil).StatusCode] = true
		statuses[do("GET", fmt.Sprintf("/api/v1/comments/%d?token=wrong", first.ID), nil, nil, nil).StatusCode] = true
	}
	do("GET", "/api/v1/threads?"+threadQuery(""), nil, nil, nil)
	do("GET", "/api/v1/threads?"+threadQuery("&sort=newest"), nil, map[string]string{"Origin": origin}, nil)
	do("OPTIONS", "/api/v1/comments", nil, map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST"}, nil)
	do("GET", "/api/openapi.json", nil, nil, nil)
	do("GET", "/healthz", nil, nil, nil)
	do("GET", "/readyz", nil, nil, nil)
	// Over the rate limit: the 429 is scanned too.
	for range 12 {
		req := validSubmission()
		req["email"] = emails[0]
		statuses[do("POST", "/api/v1/comments", req, nil, nil).StatusCode] = true
	}
	for _, code := range []int{202, 400, 403, 404, 422, 429} {
		if !statuses[code] {
			t.Errorf("no %d among the scanned answers %v: the scan misses a kind of response", code, statuses)
		}
	}

	texts := append(rec.dumps, "log\n"+e.logBuf.String())
	if len(rec.dumps) < 40 || !strings.Contains(e.logBuf.String(), "/api/v1/comments") {
		t.Fatalf("scanned %d responses and a log of %d bytes: too few to prove anything", len(rec.dumps), e.logBuf.Len())
	}
	for _, text := range texts {
		for _, f := range emailForms(e, emails) {
			if strings.Contains(text, f) {
				t.Errorf("found %q in:\n%.400s", f, text)
			}
		}
	}
}
