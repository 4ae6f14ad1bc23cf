package secret

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func newKeyring(t *testing.T) *Keyring {
	t.Helper()
	k, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestNewKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New accepted a %d-byte key", n)
		}
	}
}

func TestEmailRoundTrip(t *testing.T) {
	k := newKeyring(t)
	for _, email := range []string{"ada@example.com", "", "ünïcödé@exämple.org", strings.Repeat("x", 254)} {
		sealed, err := k.EncryptEmail(email)
		if err != nil {
			t.Fatal(err)
		}
		if email != "" && bytes.Contains(sealed, []byte(email)) {
			t.Errorf("the sealed form of %q contains it in clear", email)
		}
		again, _ := k.EncryptEmail(email)
		if bytes.Equal(sealed, again) {
			t.Errorf("two seals of %q are equal: the nonce is not fresh", email)
		}
		got, err := k.DecryptEmail(sealed)
		if err != nil || got != email {
			t.Errorf("DecryptEmail = %q, %v; want %q", got, err, email)
		}
	}
}

// A ciphertext changed in any byte, cut short, or opened under another key
// is refused, never decrypted to something else.
func TestEmailTamperRefused(t *testing.T) {
	k := newKeyring(t)
	sealed, err := k.EncryptEmail("ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if got, err := k.DecryptEmail(bad); err == nil {
			t.Errorf("flipping byte %d decrypted to %q", i, got)
		}
	}
	for _, n := range []int{0, 5, 12, len(sealed) - 1} {
		if _, err := k.DecryptEmail(sealed[:n]); err == nil {
			t.Errorf("a ciphertext cut to %d bytes decrypted", n)
		}
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.DecryptEmail(sealed); err == nil {
		t.Error("another key decrypted the email")
	}
}

// Email hashes match the same mailbox however it is written, differ between
// mailboxes and between keys, and are unrelated to the IP hashes of the same
// key (purpose-bound keys).
func TestKeyedHashes(t *testing.T) {
	k := newKeyring(t)
	a := k.EmailHMAC("Ada@Example.com ")
	if !bytes.Equal(a, k.EmailHMAC(" ada@example.COM")) {
		t.Error("case and spaces change the email hash")
	}
	if bytes.Equal(a, k.EmailHMAC("bob@example.com")) {
		t.Error("two mailboxes share a hash")
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if bytes.Equal(a, other.EmailHMAC("ada@example.com")) {
		t.Error("the email hash does not depend on the key")
	}
	ip := k.IPHash("203.0.113.7")
	if len(ip) != 16 || bytes.Equal(ip, k.IPHash("203.0.113.8")) || bytes.Equal(ip, other.IPHash("203.0.113.7")) {
		t.Errorf("IP hash %x: want 16 bytes, distinct per address and per key", ip)
	}
	if bytes.Contains(ip, []byte("203.0.113.7")) || bytes.HasPrefix(k.EmailHMAC("203.0.113.7"), ip) {
		t.Error("IP hash reveals the address or equals the email hash of the same text")
	}
}

func TestTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok := NewToken()
		if len(tok) != 43 || seen[tok] {
			t.Fatalf("token %q: want 43 characters (32 bytes), all distinct", tok)
		}
		seen[tok] = true
		if h := TokenHash(tok); len(h) != 32 || bytes.Contains(h, []byte(tok)) {
			t.Fatalf("TokenHash(%q) = %x", tok, h)
		}
	}
}

// LoadOrCreate makes a 0600 file with a 32-byte hex key, reads the same
// key back, and refuses a key file that group or others can read, a short
// key, or one that is not hex.
func TestLoadOrCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "parley.key")
	k1, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("created key file mode %v, want 0600", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if key, err := hex.DecodeString(strings.TrimSpace(string(raw))); err != nil || len(key) != KeySize {
		t.Errorf("key file holds %q: want %d bytes in hex", raw, KeySize)
	}
	k2, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1.EmailHMAC("a@b.example"), k2.EmailHMAC("a@b.example")) {
		t.Error("reloading the key file gives another key")
	}

	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o606} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreate(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("key file with mode %v: err %v, want a refusal saying chmod 600", mode, err)
		}
	}
	os.Chmod(path, 0o400)
	if _, err := LoadOrCreate(path); err != nil {
		t.Errorf("read-only owner key file refused: %v", err)
	}

	for name, content := range map[string]string{"short": hex.EncodeToString(make([]byte, 16)), "nothex": strings.Repeat("zz", 32)} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreate(p); err == nil {
			t.Errorf("%s key accepted", name)
		}
	}
}

// The README promises argon2id with 19 MiB and 2 passes: the hash says so,
// and hashing really touches that much memory.
func TestPasswordArgon2idParameters(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" || parts[3] != "m=19456,t=2,p=1" {
		t.Fatalf("hash %q: want $argon2id$v=19$m=19456,t=2,p=1$…", h)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got < 19<<20 {
		t.Errorf("hashing allocated %d bytes, want at least 19 MiB", got)
	}
	if ok, err := CheckPassword(h, "correct horse battery"); !ok || err != nil {
		t.Errorf("right password: %v, %v", ok, err)
	}
	if ok, err := CheckPassword(h, "correct horse batterY"); ok || err != nil {
		t.Errorf("wrong password: %v, %v", ok, err)
	}
	if h2, _ := HashPassword("correct horse battery"); h2 == h {
		t.Error("two hashes of one password are equal: the salt is not fresh")
	}
	for _, bad := range []string{"", "$2a$10$abc", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", "$argon2id$v=16$m=19456,t=2,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=x$c2FsdA$a2V5"} {
		if ok, err := CheckPassword(bad, "x"); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func TestSealOpenPurpose(t *testing.T) {
	k, err := New(make([]byte, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := k.Seal("sso", []byte("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.Open("sso", sealed); err != nil || string(got) != "s3cret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := k.Open("other", sealed); err == nil {
		t.Error("a secret sealed for one purpose opened for another")
	}
	if _, err := k.DecryptEmail(sealed); err == nil {
		t.Error("a sealed secret opened as an email")
	}
	if string(k.Sign("a", []byte("m"))) == string(k.Sign("b", []byte("m"))) {
		t.Error("signatures of two purposes match")
	}
}
