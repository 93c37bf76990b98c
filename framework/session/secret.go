package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// MinSecretSize is the shortest secret NewCodec accepts, in bytes.
const MinSecretSize = 32

// HKDF info strings: one per derived value, so the AES key and the key id
// of a secret are unrelated, and a secret reused elsewhere in the
// application with another info string yields other keys.
const (
	infoKey   = "miniweb session v1 aes-256-gcm key"
	infoKeyID = "miniweb session v1 key id"
)

// keyIDSize is the size of the key id written in each cookie, in bytes.
const keyIDSize = 4

// key is one secret made ready for use: its AEAD and its key id.
type key struct {
	id   [keyIDSize]byte
	aead cipher.AEAD
}

// GenerateSecret returns MinSecretSize random bytes in standard base64
// ("q3Jk...=" , 44 characters), the same as `openssl rand -base64 32`: a
// secret for dev mode, which lives as long as the process.
func GenerateSecret() (string, error) {
	var b [MinSecretSize]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session: generating a secret: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b[:]), nil
}

// checkSecret refuses an empty or short secret; what names the secret in
// the error ("secret", "old secret 2 of 3"). The secret itself is never in
// the error: errors end up in logs.
func checkSecret(what, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: %s is empty; make one with `openssl rand -base64 32`", ErrWeakSecret, what)
	}
	if len(secret) < MinSecretSize {
		return fmt.Errorf("%w: %s is %d bytes, want at least %d; make one with `openssl rand -base64 32`",
			ErrWeakSecret, what, len(secret), MinSecretSize)
	}
	return nil
}

// deriveKey derives the AES-256-GCM key and the key id of secret with
// HKDF-SHA256. The secret's bytes are the input keying material as they
// are: a base64 secret is not decoded, so any string of 32 bytes or more
// works.
func deriveKey(secret string) (key, error) {
	var k key
	aesKey, err := hkdf.Key(sha256.New, []byte(secret), nil, infoKey, 32)
	if err != nil {
		return k, fmt.Errorf("session: deriving a key: %w", err)
	}
	id, err := hkdf.Key(sha256.New, []byte(secret), nil, infoKeyID, keyIDSize)
	if err != nil {
		return k, fmt.Errorf("session: deriving a key id: %w", err)
	}
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		return k, fmt.Errorf("session: AES key: %w", err)
	}
	k.aead, err = cipher.NewGCM(block)
	if err != nil {
		return k, fmt.Errorf("session: GCM: %w", err)
	}
	copy(k.id[:], id)
	return k, nil
}
