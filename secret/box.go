package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// Seal encrypts a secret the server must read back later (a site's SSO
// signing secret) under the master key; purpose binds the ciphertext to one
// use, so a ciphertext of one kind never opens as another.
func (k *Keyring) Seal(purpose string, plain []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(nonce, nonce, plain, []byte("secret/"+purpose)), nil
}

// Open decrypts what Seal sealed for the same purpose.
func (k *Keyring) Open(purpose string, sealed []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed secret too short")
	}
	return k.aead.Open(nil, sealed[:n], sealed[n:], []byte("secret/"+purpose))
}

// Sign returns the keyed hash of msg for one purpose (a verification
// link), under a key derived from the email key, so links need no table.
func (k *Keyring) Sign(purpose string, msg []byte) []byte {
	m := hmac.New(sha256.New, k.emailMAC)
	m.Write([]byte("sign/" + purpose + "\x00"))
	m.Write(msg)
	return m.Sum(nil)
}
