package session

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// sameSession reports how a and b differ, or "" if they hold the same
// values, flashes and issue time.
func sameSession(a, b *Session) string {
	switch {
	case !slices.Equal(a.values, b.values):
		return "values differ"
	case !slices.Equal(a.flashes, b.flashes):
		return "flashes differ"
	case a.issued != b.issued:
		return "issue times differ"
	}
	return ""
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		values  []string // key, value, ...
		flashes []Flash
	}{
		{"empty", nil, nil},
		{"user id", []string{"user", "42"}, nil},
		{"flashes only", nil, []Flash{{"success", "Signed in."}, {"", ""}}},
		{"values and flash", []string{"user", "42", "theme", "dark"}, []Flash{{"info", "Saved."}}},
		{"empty key and value", []string{"", "", "k", ""}, nil},
		{"unicode", []string{"名前", "José 🍵", "emoji", "👩‍💻"}, []Flash{{"警告", "Ünïcödé ✓"}}},
		{"bytes", []string{"\x00\xff", "\r\n;, \"'=\x7f"}, []Flash{{"\x00", "\xfe\xff"}}},
		{"long value", []string{"blob", strings.Repeat("x", 2000)}, nil},
	}
	c := testCodec(t, secretA)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sessionOf(tt.values...)
			for _, f := range tt.flashes {
				s.AddFlash(f.Kind, f.Message)
			}
			value, err := c.Encode("session", s, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if !isBase64URL(value) {
				t.Fatalf("Encode = %q: not all cookie-octets", value)
			}
			got, err := c.Decode("session", value, testNow)
			if err != nil {
				t.Fatal(err)
			}
			s.issued = testNow.Unix()
			if d := sameSession(got, s); d != "" {
				t.Errorf("Decode(Encode(s)): %s: got %+v, want %+v", d, got, s)
			}
			if got.Modified() {
				t.Error("a decoded session is Modified()")
			}
		})
	}
}

func TestEncodeNil(t *testing.T) {
	t.Parallel()
	c := testCodec(t, secretA)
	value, err := c.Encode("session", nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Decode("session", value, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Empty() {
		t.Errorf("Decode(Encode(nil)) = %+v, want an empty session", s)
	}
}

// TestEncodeRandomNonce checks that the same session encodes to another
// value each time: a repeated nonce would break GCM.
func TestEncodeRandomNonce(t *testing.T) {
	t.Parallel()
	c := testCodec(t, secretA)
	s := sessionOf("user", "42")
	a, _ := c.Encode("session", s, testNow)
	b, _ := c.Encode("session", s, testNow)
	if a == b {
		t.Errorf("Encode gave %q twice", a)
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	old := testCodec(t, secretA)
	rotated := testCodec(t, secretB, secretC, secretA) // A is now old
	fresh := testCodec(t, secretB)                     // A dropped
	s := sessionOf("user", "42")

	fromOld, err := old.Encode("session", s, testNow)
	if err != nil {
		t.Fatal(err)
	}
	fromRotated, err := rotated.Encode("session", s, testNow)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		decoder *Codec
		value   string
		wantErr error // nil: decodes
	}{
		{"old cookie, old secret listed", rotated, fromOld, nil},
		{"old cookie, old secret dropped", fresh, fromOld, ErrInvalid},
		{"new cookie, rotated codec", rotated, fromRotated, nil},
		{"new cookie, codec of the new secret alone", fresh, fromRotated, nil},
		{"new cookie, codec of the old secret", old, fromRotated, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decoder.Decode("session", tt.value, testNow)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Decode = %v, %v; want %v", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Get("user") != "42" {
				t.Errorf("Get(user) = %q, want 42", got.Get("user"))
			}
		})
	}
}

// TestKeyIDCollision makes two secrets share a key id, which happens once
// in 2^32 pairs: a failed try with the first must not spoil the second.
func TestKeyIDCollision(t *testing.T) {
	t.Parallel()
	value, err := testCodec(t, secretB).Encode("session", sessionOf("user", "42"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	c := testCodec(t, secretA, secretB)
	c.keys[0].id = c.keys[1].id
	c.shared[0], c.shared[1] = true, true
	s, err := c.Decode("session", value, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if s.Get("user") != "42" {
		t.Errorf("Get(user) = %q, want 42", s.Get("user"))
	}
}

// TestTamper changes each character of a real cookie to every other
// character of the alphabet: each must be refused.
func TestTamper(t *testing.T) {
	t.Parallel()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	c := testCodec(t, secretA)
	s := sessionOf("user", "42")
	s.AddFlash("success", "Signed in.")
	value, err := c.Encode("session", s, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(value) {
		for _, r := range []byte(alphabet) {
			if r == value[i] {
				continue
			}
			bad := value[:i] + string(r) + value[i+1:]
			if got, err := c.Decode("session", bad, testNow); !errors.Is(err, ErrInvalid) {
				t.Fatalf("position %d set to %q: Decode = %+v, %v; want ErrInvalid", i, r, got, err)
			}
		}
	}
}

func TestDecodeInvalid(t *testing.T) {
	t.Parallel()
	c := testCodec(t, secretA)
	// A cookie whose raw size is not a multiple of 3, so that its padded
	// spellings differ from it.
	var value string
	var raw []byte
	for _, user := range []string{"4", "42", "421"} {
		v, err := c.Encode("session", sessionOf("user", user), testNow)
		if err != nil {
			t.Fatal(err)
		}
		if raw, err = base64.RawURLEncoding.DecodeString(v); err != nil {
			t.Fatal(err)
		}
		if len(raw)%3 != 0 {
			value = v
			break
		}
	}
	// withVersion returns the cookie with another version byte.
	withVersion := func(v byte) string {
		b := slices.Clone(raw)
		b[0] = v
		return base64.RawURLEncoding.EncodeToString(b)
	}
	tests := []struct {
		name  string
		value string
	}{
		{"empty", ""},
		{"one char", "A"},
		{"garbage", "not a cookie at all"},
		{"json", `{"user":"42"}`},
		{"header only", value[:24]},
		{"std alphabet and padding", base64.StdEncoding.EncodeToString(raw)},
		{"url alphabet with padding", base64.URLEncoding.EncodeToString(raw)},
		{"padding appended", value + "="},
		{"padding twice", value + "=="},
		{"newline inside", value[:10] + "\n" + value[10:]},
		{"CR LF at end", value + "\r\n"},
		{"space at end", value + " "},
		{"quoted", `"` + value + `"`},
		{"percent encoded", strings.ReplaceAll(value, "-", "%2D") + "%2D"},
		{"char appended", value + "A"},
		{"doubled", value + value},
		{"version 0", withVersion(0)},
		{"version 2", withVersion(2)},
		{"too long", strings.Repeat("A", MaxSize+1)},
		{"NUL", value[:5] + "\x00" + value[6:]},
		{"high bytes", "\xff\xfe" + value},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := c.Decode("session", tt.value, testNow); !errors.Is(err, ErrInvalid) {
				t.Errorf("Decode = %+v, %v; want ErrInvalid", got, err)
			}
		})
	}
	// The std alphabet spelling of a cookie holding '-' or '_'.
	for i := 0; ; i++ {
		v, _ := c.Encode("session", sessionOf("user", "42"), testNow)
		if strings.ContainsAny(v, "-_") {
			std := strings.NewReplacer("-", "+", "_", "/").Replace(v)
			if got, err := c.Decode("session", std, testNow); !errors.Is(err, ErrInvalid) {
				t.Errorf("std alphabet: Decode = %+v, %v; want ErrInvalid", got, err)
			}
			break
		}
		if i == 100 {
			t.Fatal("no cookie with - or _ in 100 tries")
		}
	}
}

func TestTruncated(t *testing.T) {
	t.Parallel()
	c := testCodec(t, secretA)
	value, err := c.Encode("session", sessionOf("user", "42"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(value) {
		if got, err := c.Decode("session", value[:n], testNow); !errors.Is(err, ErrInvalid) {
			t.Fatalf("first %d of %d bytes: Decode = %+v, %v; want ErrInvalid", n, len(value), got, err)
		}
		if got, err := c.Decode("session", value[n+1:], testNow); !errors.Is(err, ErrInvalid) {
			t.Fatalf("last %d of %d bytes: Decode = %+v, %v; want ErrInvalid", len(value)-n-1, len(value), got, err)
		}
	}
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	const maxAge = 2 * time.Hour
	c, err := NewCodec(secretA, nil, maxAge)
	if err != nil {
		t.Fatal(err)
	}
	issued := testNow.Truncate(time.Second)
	value, err := c.Encode("session", sessionOf("user", "42"), issued)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		now     time.Time // when the cookie comes back
		wantErr error
	}{
		{"at once", issued, nil},
		{"just within max age", issued.Add(maxAge), nil},
		{"a second past max age", issued.Add(maxAge + time.Second), ErrExpired},
		{"a year later", issued.AddDate(1, 0, 0), ErrExpired},
		{"a minute in the future", issued.Add(-time.Minute), nil},
		{"61 seconds in the future", issued.Add(-61 * time.Second), ErrExpired},
		{"a year in the future", issued.AddDate(-1, 0, 0), ErrExpired},
		{"zero time", time.Time{}, ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Decode("session", value, tt.now)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode = %+v, %v; want %v alone", got, err, tt.wantErr)
			}
		})
	}
}

func TestForeignName(t *testing.T) {
	t.Parallel()
	c := testCodec(t, secretA)
	value, err := c.Encode("session", sessionOf("user", "42"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"other", "Session", "session ", "sessio", "", "csrf"} {
		if got, err := c.Decode(name, value, testNow); !errors.Is(err, ErrInvalid) {
			t.Errorf("Decode(%q, a session cookie) = %+v, %v; want ErrInvalid", name, got, err)
		}
	}
	// An empty name is a name like any other.
	value, err = c.Encode("", sessionOf("user", "42"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decode("", value, testNow); err != nil {
		t.Errorf("empty name: %v", err)
	}
	if _, err := c.Decode("session", value, testNow); !errors.Is(err, ErrInvalid) {
		t.Errorf("cookie of name \"\" under \"session\": %v, want ErrInvalid", err)
	}
}

func TestTooLarge(t *testing.T) {
	t.Parallel()
	c := testCodec(t, secretA)
	const name = "session"
	// Find the largest value that fits, by bisection.
	encode := func(n int) (string, error) {
		return c.Encode(name, sessionOf("blob", strings.Repeat("x", n)), testNow)
	}
	lo, hi := 0, MaxSize // encode(lo) fits; encode(hi) does not
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if _, err := encode(mid); err == nil {
			lo = mid
		} else {
			hi = mid
		}
	}
	value, err := encode(lo)
	if err != nil {
		t.Fatal(err)
	}
	if size := len(name) + 1 + len(value); size > MaxSize || size < MaxSize-3 {
		t.Errorf("largest cookie: name=value is %d bytes, want %d or just under", size, MaxSize)
	}
	if _, err := c.Decode(name, value, testNow); err != nil {
		t.Errorf("largest cookie does not decode: %v", err)
	}

	_, err = encode(lo + 1)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("one byte more: %v, want ErrTooLarge", err)
	}
	var size int
	msg := err.Error()
	if _, scanErr := fmt.Sscanf(msg[strings.Index(msg, "would be "):], "would be %d bytes", &size); scanErr != nil || size <= MaxSize {
		t.Errorf("error %q does not say a size over %d (%v)", err, MaxSize, scanErr)
	}
	for _, want := range []string{`cookie "session"`, "limit of 4000", "4096"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	_, err = encode(3500)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("3500-byte value: %v, want ErrTooLarge", err)
	}
	t.Log(err)
}
