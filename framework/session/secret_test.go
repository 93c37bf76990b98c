package session

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	secretA = "0123456789abcdef0123456789abcdef"             // 32 bytes, the minimum
	secretB = "tGpS1o8wK9u7fJ1bq2m3N4v5X6y7Z8a9B0c1D2e3F4g=" // as openssl rand -base64 32 prints
	secretC = "another secret of at least 32 bytes, for rotation"
)

// testNow is the clock of the tests: late 2027, with a fraction of a
// second the codec must ignore.
var testNow = time.Unix(1_820_000_000, 123_456_789)

// testCodec returns a codec for secret and old, with the default max age.
func testCodec(t testing.TB, secret string, old ...string) *Codec {
	t.Helper()
	c, err := NewCodec(secret, old, 0)
	if err != nil {
		t.Fatalf("NewCodec: %v", err)
	}
	return c
}

func TestNewCodecSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		secret string
		old    []string
		want   []string // in the error, in order; nil for no error
	}{
		{"minimum", secretA, nil, nil},
		{"with old", secretB, []string{secretA, secretC}, nil},
		{"old repeats new", secretB, []string{secretB}, nil},
		{"empty", "", nil, []string{"secret is empty", "openssl rand -base64 32"}},
		{"31 bytes", secretA[:31], nil, []string{"secret is 31 bytes, want at least 32", "openssl rand -base64 32"}},
		{"short old", secretA, []string{secretB, "hunter2"}, []string{"old secret 2 of 2 is 7 bytes, want at least 32"}},
		{"empty old", secretA, []string{""}, []string{"old secret 1 of 1 is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCodec(tt.secret, tt.old, 0)
			if tt.want == nil {
				if err != nil || c == nil {
					t.Fatalf("NewCodec = %v, %v; want a codec", c, err)
				}
				return
			}
			if err == nil {
				t.Fatal("NewCodec succeeded, want an error")
			}
			if !errors.Is(err, ErrWeakSecret) {
				t.Errorf("error %q does not wrap ErrWeakSecret", err)
			}
			msg := err.Error()
			for _, w := range tt.want {
				i := strings.Index(msg, w)
				if i < 0 {
					t.Fatalf("error %q does not say %q", msg, w)
				}
				msg = msg[i+len(w):]
			}
			for _, sec := range append([]string{tt.secret}, tt.old...) {
				if sec != "" && strings.Contains(err.Error(), sec) {
					t.Errorf("error %q shows a secret", err)
				}
			}
		})
	}
}

func TestNewCodecMaxAge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		maxAge, want time.Duration
	}{
		{0, DefaultMaxAge},
		{-time.Hour, DefaultMaxAge},
		{time.Hour, time.Hour},
	}
	for _, tt := range tests {
		c, err := NewCodec(secretA, nil, tt.maxAge)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.MaxAge(); got != tt.want {
			t.Errorf("NewCodec(maxAge %v).MaxAge() = %v, want %v", tt.maxAge, got, tt.want)
		}
	}
	if DefaultMaxAge != 14*24*time.Hour {
		t.Errorf("DefaultMaxAge = %v, documented as 14 days", DefaultMaxAge)
	}
}

func TestGenerateSecret(t *testing.T) {
	t.Parallel()
	a, err := GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("GenerateSecret returned %q twice", a)
	}
	raw, err := base64.StdEncoding.DecodeString(a)
	if err != nil || len(raw) != MinSecretSize {
		t.Errorf("GenerateSecret() = %q: %d bytes of base64 (err %v), want %d", a, len(raw), err, MinSecretSize)
	}
	if _, err := NewCodec(a, nil, 0); err != nil {
		t.Errorf("NewCodec(GenerateSecret()): %v", err)
	}
}
