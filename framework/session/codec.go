package session

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"time"
)

// Limits of a cookie.
const (
	// CookieLimit is the size in bytes a browser keeps per cookie at least
	// (RFC 6265 section 6.1): name, value and attributes.
	CookieLimit = 4096
	// AttributeReserve is the part of CookieLimit, in bytes, that Encode
	// leaves for the Set-Cookie attributes (Path, Max-Age, HttpOnly,
	// SameSite, Secure).
	AttributeReserve = 96
	// MaxSize is the largest name=value Encode makes, in bytes.
	MaxSize = CookieLimit - AttributeReserve
)

// DefaultMaxAge is the max age of a codec made with maxAge <= 0: 14 days.
const DefaultMaxAge = 14 * 24 * time.Hour

// maxSkew is how far in the future a cookie may be dated, for the clocks
// of two instances that share a secret are never quite in step.
const maxSkew = time.Minute

// The binary form of a cookie, before base64.
const (
	version    = 1
	nonceSize  = 12
	headerSize = 1 + keyIDSize + nonceSize // version, key id, nonce
	tagSize    = 16                        // the GCM tag
)

// cookieEncoding is base64url without padding (RFC 4648 section 5), whose
// alphabet is all cookie-octets (RFC 6265 section 4.1.1). Strict refuses a
// last character with stray low bits, so that each cookie value has one
// spelling and a changed character always changes the bytes.
var cookieEncoding = base64.RawURLEncoding.Strict()

// Codec turns a Session into a cookie value and back. Its keys derive from
// secrets with HKDF-SHA256; it encrypts and authenticates with AES-256-GCM
// under the first secret and decrypts under any of them. A Codec is safe
// for concurrent use.
type Codec struct {
	keys   []key // keys[0] encodes; all decode
	shared []bool
	maxAge time.Duration
}

// NewCodec returns a codec that encodes with secret and decodes cookies
// made with secret or any of oldSecrets (key rotation: put the secret
// being replaced in oldSecrets until its cookies have expired). Every
// secret must be at least MinSecretSize bytes; `openssl rand -base64 32`
// makes one. A cookie is valid for maxAge after it was encoded; maxAge <= 0
// means DefaultMaxAge.
func NewCodec(secret string, oldSecrets []string, maxAge time.Duration) (*Codec, error) {
	if err := checkSecret("secret", secret); err != nil {
		return nil, err
	}
	for i, old := range oldSecrets {
		if err := checkSecret(fmt.Sprintf("old secret %d of %d", i+1, len(oldSecrets)), old); err != nil {
			return nil, err
		}
	}
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	c := &Codec{maxAge: maxAge}
	seen := map[string]bool{}
	for _, sec := range append([]string{secret}, oldSecrets...) {
		if seen[sec] {
			continue
		}
		seen[sec] = true
		k, err := deriveKey(sec)
		if err != nil {
			return nil, err
		}
		c.keys = append(c.keys, k)
	}
	// Two secrets whose key ids collide (one chance in 2^32) are both
	// tried, and the first try must then leave the ciphertext intact.
	c.shared = make([]bool, len(c.keys))
	for i := range c.keys {
		for j := range c.keys {
			if i != j && c.keys[i].id == c.keys[j].id {
				c.shared[i] = true
			}
		}
	}
	return c, nil
}

// MaxAge returns how long a cookie stays valid after it was encoded: the
// Max-Age to give the cookie.
func (c *Codec) MaxAge() time.Duration { return c.maxAge }

// Encode returns the value of the cookie called name that holds s, issued
// at now: base64url (no padding) of
//
//	version (1 byte) | key id (4) | nonce (12) | AES-GCM sealed payload
//
// with the name as additional data, so the value is valid under that name
// only. A nil s encodes an empty session. If name=value would be over
// MaxSize bytes, the error wraps ErrTooLarge and gives both sizes.
func (c *Codec) Encode(name string, s *Session, now time.Time) (string, error) {
	if s == nil {
		s = &Session{}
	}
	issued := now.Unix()
	plen := payloadSize(s, issued)
	rawLen := headerSize + plen + tagSize
	encLen := cookieEncoding.EncodedLen(rawLen)
	if size := len(name) + 1 + encLen; size > MaxSize {
		return "", fmt.Errorf("%w: cookie %q would be %d bytes (name=value, a %d-byte session), over the limit of %d (%d a browser keeps, less %d for attributes); keep less in the session, such as an id to look the rest up by",
			ErrTooLarge, name, size, plen, MaxSize, CookieLimit, AttributeReserve)
	}

	// One buffer: the base64 text, then the name and header (the
	// additional data), then the payload sealed in place.
	buf := make([]byte, encLen+len(name)+rawLen)
	aadStart := encLen
	rawStart := aadStart + len(name)
	bodyStart := rawStart + headerSize
	copy(buf[aadStart:], name)
	k := &c.keys[0]
	buf[rawStart] = version
	copy(buf[rawStart+1:], k.id[:])
	nonce := buf[rawStart+1+keyIDSize : bodyStart]
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("session: making a nonce: %w", err)
	}
	body := appendPayload(buf[bodyStart:bodyStart], s, issued)
	k.aead.Seal(body[:0], nonce, body, buf[aadStart:bodyStart])
	cookieEncoding.Encode(buf[:encLen], buf[rawStart:])
	return string(buf[:encLen]), nil
}

// Decode returns the session in value, the cookie called name, as of now.
// The error wraps ErrInvalid for a value that is not base64url without
// padding, is truncated, tampered with, made with a secret the codec does
// not know, or made for another name; it wraps ErrExpired for a cookie
// issued more than the max age before now or more than a minute after.
// The session is not modified. Decode does not panic, whatever the input.
func (c *Codec) Decode(name, value string, now time.Time) (*Session, error) {
	s := new(Session)
	if err := c.DecodeTo(s, name, value, now); err != nil {
		return nil, err
	}
	return s, nil
}

// DecodeTo is Decode into *s, which it replaces: for a caller that keeps
// the Session inside a value of its own, a request say, and so saves its
// allocation. On an error *s is an empty, new session.
func (c *Codec) DecodeTo(s *Session, name, value string, now time.Time) error {
	*s = Session{}
	if len(value) > MaxSize {
		return fmt.Errorf("%w: cookie %q: %d bytes, longer than any this codec makes", ErrInvalid, name, len(value))
	}
	if !isBase64URL(value) {
		return fmt.Errorf("%w: cookie %q: not base64url without padding", ErrInvalid, name)
	}
	// The name (the additional data) and the decoded value are worked on
	// in a pooled buffer: what outlives the call is the payload's copy
	// that decodePayload's strings share.
	var buf []byte
	if need := len(name) + cookieEncoding.DecodedLen(len(value)); need <= decodeBufSize {
		p := decodeBufs.Get().(*[decodeBufSize]byte)
		buf = p[:need]
		defer func() {
			clear(buf) // the plaintext of a visitor's session
			decodeBufs.Put(p)
		}()
	} else {
		buf = make([]byte, need)
	}
	copy(buf, name)
	n, err := cookieEncoding.Decode(buf[len(name):], []byte(value))
	if err != nil {
		return fmt.Errorf("%w: cookie %q: not base64url without padding", ErrInvalid, name)
	}
	raw := buf[len(name) : len(name)+n]
	if len(raw) < headerSize+tagSize {
		return fmt.Errorf("%w: cookie %q: %d bytes, too short", ErrInvalid, name, len(raw))
	}
	if raw[0] != version {
		return fmt.Errorf("%w: cookie %q: version %d, want %d", ErrInvalid, name, raw[0], version)
	}
	id := [keyIDSize]byte(raw[1 : 1+keyIDSize])
	nonce := raw[1+keyIDSize : headerSize]
	aad := buf[:len(name)+headerSize]
	sealed := raw[headerSize:]
	var plain []byte
	known := false
	for i := range c.keys {
		k := &c.keys[i]
		if k.id != id {
			continue
		}
		known = true
		dst := sealed[:0]
		if c.shared[i] {
			dst = nil
		}
		if plain, err = k.aead.Open(dst, nonce, sealed, aad); err == nil {
			break
		}
	}
	if !known {
		return fmt.Errorf("%w: cookie %q: made with an unknown secret", ErrInvalid, name)
	}
	if err != nil {
		return fmt.Errorf("%w: cookie %q: authentication failed (tampered with, or made for another cookie name)", ErrInvalid, name)
	}
	if err := decodePayload(s, string(plain)); err != nil {
		*s = Session{}
		return fmt.Errorf("%w: cookie %q: %w", ErrInvalid, name, err)
	}
	issued := time.Unix(s.issued, 0)
	if age := now.Sub(issued); age > c.maxAge {
		*s = Session{}
		return fmt.Errorf("%w: cookie %q: issued %s ago, max age %s", ErrExpired, name, age.Round(time.Second), c.maxAge)
	}
	if ahead := issued.Sub(now); ahead > maxSkew {
		*s = Session{}
		return fmt.Errorf("%w: cookie %q: issued %s in the future; are the clocks in step?", ErrExpired, name, ahead.Round(time.Second))
	}
	return nil
}

// decodeBufSize is the size of DecodeTo's pooled buffers: a cookie of
// MaxSize decoded, with room for a name of 256 bytes. A longer name gets a
// buffer of its own.
const decodeBufSize = (MaxSize*3+3)/4 + 256

// decodeBufs holds DecodeTo's buffers, each a *[decodeBufSize]byte: a
// session read on every request of a signed-in visitor then allocates only
// what it keeps (BenchmarkRequest/session in package framework).
var decodeBufs = sync.Pool{New: func() any { return new([decodeBufSize]byte) }}

// isBase64URL reports whether v is made of the base64url alphabet alone:
// the decoder would skip CR and LF, and a cookie has one spelling.
func isBase64URL(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
