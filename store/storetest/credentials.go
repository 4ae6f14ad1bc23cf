package storetest

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	"github.com/parleyhq/parley/comment"
)

// credentialTests cover comment.Credentials and what disabling an account or
// changing its password does to its sessions and tokens.
var credentialTests = []struct {
	name string
	fn   func(*testing.T, comment.Store)
}{
	{"TokenExpiry", testTokenExpiry},
	{"TokensListRevoke", testTokensListRevoke},
	{"PasswordEndsCredentials", testPasswordEndsCredentials},
	{"DisableDeletesTokens", testDisableDeletesTokens},
	{"DeleteExpiredSessions", testDeleteExpiredSessions},
}

func mustModerator(t *testing.T, s comment.Store, name string) comment.Moderator {
	t.Helper()
	m, err := s.CreateModerator(context.Background(), comment.Moderator{Name: name, Role: comment.RoleModerator, PasswordHash: "h", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// hash32 is a token hash of the real length (SHA-256), distinct per seed.
func hash32(seed byte) []byte {
	h := make([]byte, 32)
	for i := range h {
		h[i] = seed + byte(i)
	}
	return h
}

func testTokenExpiry(t *testing.T, s comment.Store) {
	ctx := context.Background()
	m := mustModerator(t, s, "ann")
	if err := s.CreateExpiringToken(ctx, m.ID, hash32(1), t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateExpiringToken(ctx, m.ID, hash32(2), t0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.TokenModerator(ctx, hash32(1), t0.Add(59*time.Minute)); err != nil || got.Name != "ann" {
		t.Errorf("TokenModerator before expiry = %+v, %v", got, err)
	}
	_, err := s.TokenModerator(ctx, hash32(1), t0.Add(time.Hour))
	wantCode(t, err, comment.CodeUnauthorized)
	if got, err := s.TokenModerator(ctx, hash32(2), t0.Add(100*365*24*time.Hour)); err != nil || got.Name != "ann" {
		t.Errorf("TokenModerator of a token without expiry = %+v, %v", got, err)
	}
	_, err = s.TokenModerator(ctx, hash32(9), t0)
	wantCode(t, err, comment.CodeUnauthorized)
	// ModeratorByToken goes by the wall clock: t0+1h is long past.
	_, err = s.ModeratorByToken(ctx, hash32(1))
	wantCode(t, err, comment.CodeUnauthorized)
	if _, err := s.ModeratorByToken(ctx, hash32(2)); err != nil {
		t.Errorf("ModeratorByToken of a token without expiry: %v", err)
	}
}

func testTokensListRevoke(t *testing.T, s comment.Store) {
	ctx := context.Background()
	ann, bob := mustModerator(t, s, "ann"), mustModerator(t, s, "bob")
	if err := s.CreateExpiringToken(ctx, ann.ID, hash32(1), t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, ann.ID, hash32(2), t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateExpiringToken(ctx, bob.ID, hash32(3), t0.Add(2*time.Second), time.Time{}); err != nil {
		t.Fatal(err)
	}
	id := func(seed byte) string { return hex.EncodeToString(hash32(seed)[:6]) }
	all, err := s.Tokens(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []comment.Token{
		{ID: id(1), Moderator: "ann", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		{ID: id(2), Moderator: "ann", CreatedAt: t0.Add(time.Second)},
		{ID: id(3), Moderator: "bob", CreatedAt: t0.Add(2 * time.Second)},
	}
	if len(all) != len(want) {
		t.Fatalf("Tokens = %+v, want %+v", all, want)
	}
	for i := range want {
		if all[i].ID != want[i].ID || all[i].Moderator != want[i].Moderator || !all[i].CreatedAt.Equal(want[i].CreatedAt) || !all[i].ExpiresAt.Equal(want[i].ExpiresAt) {
			t.Errorf("Tokens[%d] = %+v, want %+v", i, all[i], want[i])
		}
	}
	if got, err := s.Tokens(ctx, "bob"); err != nil || len(got) != 1 || got[0].ID != id(3) {
		t.Errorf("Tokens(bob) = %+v, %v", got, err)
	}
	// Bob's token is not Ann's to revoke.
	wantCode(t, s.RevokeToken(ctx, "ann", id(3)), comment.CodeNotFound)
	wantCode(t, s.RevokeToken(ctx, "", "ffffffffffff"), comment.CodeNotFound)
	wantCode(t, s.RevokeToken(ctx, "", "not hex"), comment.CodeNotFound)
	if err := s.RevokeToken(ctx, "ann", id(2)); err != nil {
		t.Fatal(err)
	}
	_, err = s.TokenModerator(ctx, hash32(2), t0)
	wantCode(t, err, comment.CodeUnauthorized)
	if err := s.RevokeToken(ctx, "", id(3)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Tokens(ctx, ""); err != nil || len(got) != 1 || got[0].ID != id(1) {
		t.Errorf("Tokens after revoking two = %+v, %v", got, err)
	}
}

func testPasswordEndsCredentials(t *testing.T, s comment.Store) {
	ctx := context.Background()
	ann, bob := mustModerator(t, s, "ann"), mustModerator(t, s, "bob")
	later := t0.Add(time.Hour)
	for i, h := range [][]byte{[]byte("s1"), []byte("s2")} {
		if err := s.CreateSession(ctx, ann.ID, h, "c", later); err != nil {
			t.Fatal(i, err)
		}
	}
	if err := s.CreateSession(ctx, bob.ID, []byte("s3"), "c", later); err != nil {
		t.Fatal(err)
	}
	for _, seed := range []byte{1, 2} {
		if err := s.CreateToken(ctx, ann.ID, hash32(seed), t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateToken(ctx, bob.ID, hash32(3), t0); err != nil {
		t.Fatal(err)
	}
	// Ann changes her own password in session s1: s1 stays, the rest of
	// hers ends, Bob's are untouched.
	if err := s.ReplacePassword(ctx, "ann", "h2", []byte("s1")); err != nil {
		t.Fatal(err)
	}
	if m, err := s.ModeratorByName(ctx, "ann"); err != nil || m.PasswordHash != "h2" {
		t.Errorf("after ReplacePassword: %+v, %v", m, err)
	}
	if _, _, err := s.SessionModerator(ctx, []byte("s1"), t0); err != nil {
		t.Errorf("the session making the change ended: %v", err)
	}
	_, _, err := s.SessionModerator(ctx, []byte("s2"), t0)
	wantCode(t, err, comment.CodeUnauthorized)
	for _, seed := range []byte{1, 2} {
		_, err := s.TokenModerator(ctx, hash32(seed), t0)
		wantCode(t, err, comment.CodeUnauthorized)
	}
	if _, _, err := s.SessionModerator(ctx, []byte("s3"), t0); err != nil {
		t.Errorf("another account's session ended: %v", err)
	}
	if _, err := s.TokenModerator(ctx, hash32(3), t0); err != nil {
		t.Errorf("another account's token ended: %v", err)
	}
	// Keeping a token works the same way.
	if err := s.CreateToken(ctx, ann.ID, hash32(4), t0); err != nil {
		t.Fatal(err)
	}
	if err := s.ReplacePassword(ctx, "ann", "h3", hash32(4)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenModerator(ctx, hash32(4), t0); err != nil {
		t.Errorf("the token making the change ended: %v", err)
	}
	_, _, err = s.SessionModerator(ctx, []byte("s1"), t0)
	wantCode(t, err, comment.CodeUnauthorized)
	// SetModeratorPassword (the CLI) keeps nothing.
	if err := s.SetModeratorPassword(ctx, "ann", "h4"); err != nil {
		t.Fatal(err)
	}
	_, err = s.TokenModerator(ctx, hash32(4), t0)
	wantCode(t, err, comment.CodeUnauthorized)
	wantCode(t, s.ReplacePassword(ctx, "nobody", "h", nil), comment.CodeNotFound)
}

func testDisableDeletesTokens(t *testing.T, s comment.Store) {
	ctx := context.Background()
	ann := mustModerator(t, s, "ann")
	if err := s.CreateToken(ctx, ann.ID, hash32(1), t0); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, ann.ID, []byte("s1"), "c", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetModeratorDisabled(ctx, "ann", true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetModeratorDisabled(ctx, "ann", false); err != nil {
		t.Fatal(err)
	}
	_, err := s.TokenModerator(ctx, hash32(1), t0)
	wantCode(t, err, comment.CodeUnauthorized)
	_, _, err = s.SessionModerator(ctx, []byte("s1"), t0)
	wantCode(t, err, comment.CodeUnauthorized)
	if got, err := s.Tokens(ctx, "ann"); err != nil || len(got) != 0 {
		t.Errorf("Tokens after disabling = %+v, %v", got, err)
	}
}

func testDeleteExpiredSessions(t *testing.T, s comment.Store) {
	ctx := context.Background()
	ann := mustModerator(t, s, "ann")
	for i, exp := range []time.Time{t0.Add(-time.Minute), t0, t0.Add(time.Minute)} {
		if err := s.CreateSession(ctx, ann.ID, []byte{byte(i)}, "c", exp); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DeleteExpiredSessions(ctx, t0)
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpiredSessions = %d, %v; want 2", n, err)
	}
	if _, _, err := s.SessionModerator(ctx, []byte{2}, t0); err != nil {
		t.Errorf("the live session was deleted: %v", err)
	}
	if n, err := s.DeleteExpiredSessions(ctx, t0); err != nil || n != 0 {
		t.Errorf("second DeleteExpiredSessions = %d, %v; want 0", n, err)
	}
}
