package httpapi_test

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/httpapi"
)

// behindProxy trusts 127.0.0.1 as a proxy, so tests choose each request's
// address through X-Forwarded-For.
func behindProxy(c *httpapi.Config) {
	c.NoRateLimits = false
	c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
}

func login(e *env, name, password, from string) (int, string) {
	e.t.Helper()
	resp := e.do("POST", "/api/v1/admin/login", fmt.Sprintf(`{"name":%q,"password":%q}`, name, password), map[string]string{"X-Forwarded-For": from}, nil)
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// TestLoginNotLockedOutFromElsewhere: wrong passwords for ann from many
// other addresses never refuse ann's right password from her own; the
// per-name limit only slows it, by at most 2 seconds.
func TestLoginNotLockedOutFromElsewhere(t *testing.T) {
	e := newEnv(t, behindProxy)
	// At once, so that the delays the name's limit adds overlap.
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := login(e, "ann", "wrong guess", fmt.Sprintf("198.51.100.%d", i%10+1))
			if code != 401 && code != 429 {
				t.Errorf("attack attempt %d: %d", i, code)
			}
		}()
	}
	wg.Wait()
	start := time.Now()
	code, _ := login(e, "ann", "correct horse battery", "192.0.2.7")
	// At most 2 s of delay, plus the hash itself, which on a machine as
	// loaded as this one was seen to take over a second.
	if took := time.Since(start); code != 200 || took > 5*time.Second {
		t.Errorf("the owner's right password after 30 failures from elsewhere: %d in %v, want 200 within 2 s and a hash", code, took)
	}
	// The pair of name and address is still throttled: five, then 429 (a
	// name not under attack, so that no delay slows the test).
	codes := map[int]int{}
	var retry string
	for range 7 {
		code, ra := login(e, "cat", "wrong guess", "203.0.113.9")
		codes[code]++
		if code == 429 {
			retry = ra
		}
	}
	if codes[401] != 5 || codes[429] != 2 || retry == "" {
		t.Errorf("one address guessing one name: %v (Retry-After %q), want five 401 then 429", codes, retry)
	}
}

// TestLoginHashesBounded: however many logins arrive at once (random names,
// many addresses), at most MaxConcurrentHashes argon2id hashes (19 MiB each)
// run at a time; the excess is refused with 429 and Retry-After, so memory
// stays bounded by the semaphore.
func TestLoginHashesBounded(t *testing.T) {
	e := newEnv(t, behindProxy, func(c *httpapi.Config) { c.MaxConcurrentHashes = 2 })
	e.api.SetHashWait(0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	badRetry := 0
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, retry := login(e, fmt.Sprintf("nobody-%d", i), "some password", fmt.Sprintf("198.51.100.%d", i%20+1))
			mu.Lock()
			defer mu.Unlock()
			codes[code]++
			if code == 429 && (retry == "" || retry == "0") {
				badRetry++
			}
		}()
	}
	wg.Wait()
	if max := e.api.MaxHashesInFlight(); max < 1 || max > 2 {
		t.Errorf("at most %d hashes ran at once, want 1 to 2", max)
	}
	if codes[401]+codes[429] != 60 || codes[429] == 0 || badRetry > 0 {
		t.Errorf("answers %v (%d 429s without Retry-After), want 401 or 429 with Retry-After, some 429", codes, badRetry)
	}
}
