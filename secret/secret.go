// Package secret keeps the server's key and everything derived from it:
// encryption of commenters' emails (AES-256-GCM), keyed hashes for matching
// emails and IP addresses without storing them, and hashes of bearer tokens,
// sessions and edit tokens.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of the master key in bytes.
const KeySize = 32

// Keyring derives purpose-bound keys from one master key, so that a leaked
// hash of one kind says nothing about another.
type Keyring struct {
	aead     cipher.AEAD
	emailMAC []byte
	ipMAC    []byte
}

// New builds a Keyring from a 32-byte master key.
func New(master []byte) (*Keyring, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("secret key must be %d bytes, got %d", KeySize, len(master))
	}
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, master)
		m.Write([]byte("parley/" + purpose))
		return m.Sum(nil)
	}
	block, err := aes.NewCipher(derive("email-encryption"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keyring{aead: aead, emailMAC: derive("email-hmac"), ipMAC: derive("ip-hmac")}, nil
}

// LoadOrCreate reads the master key from path (hex encoded), creating the file
// with mode 0600 and a fresh random key when it does not exist. It refuses a
// key file that others can read.
func LoadOrCreate(path string) (*Keyring, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := make([]byte, KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("secret file: %w", err)
			}
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("secret file: %w", err)
		}
		if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("secret file: %w", err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, fmt.Errorf("secret file: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("secret file: %w", err)
		}
		return New(key)
	}
	if err != nil {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret file %s has mode %v: it must not be readable by group or others (chmod 600)", path, st.Mode().Perm())
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("secret file %s: not hex: %w", path, err)
	}
	return New(key)
}

// NormalizeEmail is the form of an address that is hashed for matching: the
// same mailbox written with different case or spaces matches.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// EncryptEmail seals an email address; each call uses a fresh nonce.
func (k *Keyring) EncryptEmail(email string) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(nonce, nonce, []byte(email), []byte("email")), nil
}

// DecryptEmail opens what EncryptEmail sealed.
func (k *Keyring) DecryptEmail(sealed []byte) (string, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("sealed email too short")
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], []byte("email"))
	if err != nil {
		return "", err
	}
	return string(plain), nil
}

// EmailHMAC is the keyed hash by which comments of one commenter are matched.
func (k *Keyring) EmailHMAC(email string) []byte {
	m := hmac.New(sha256.New, k.emailMAC)
	m.Write([]byte(NormalizeEmail(email)))
	return m.Sum(nil)
}

// IPHash is the keyed hash of a client address, stored instead of the address.
func (k *Keyring) IPHash(ip string) []byte {
	m := hmac.New(sha256.New, k.ipMAC)
	m.Write([]byte(ip))
	return m.Sum(nil)[:16]
}

// NewToken returns a random URL-safe token of 32 bytes' entropy.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TokenHash is how bearer, session and edit tokens are stored: they carry
// enough entropy that a plain SHA-256 cannot be reversed.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
