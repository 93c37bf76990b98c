package session

import (
	"errors"
	"testing"
)

// FuzzDecode feeds Decode any name and value: it must not panic, must
// fail with ErrInvalid or ErrExpired alone, and a value that decodes must
// encode again to a cookie that decodes to the same session.
func FuzzDecode(f *testing.F) {
	c := testCodec(f, secretA, secretC)
	old := testCodec(f, secretC)

	s := sessionOf("user", "42")
	s.AddFlash("success", "Signed in.")
	for _, codec := range []*Codec{c, old} {
		for _, name := range []string{"session", ""} {
			value, err := codec.Encode(name, s, testNow)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(name, value)
			f.Add("other", value) // foreign
			f.Add(name, value+"=")
			f.Add(name, value[:len(value)-1])
		}
	}
	empty, err := c.Encode("session", nil, testNow)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("session", empty)
	f.Add("session", "")
	f.Add("session", "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("session", "not a cookie")
	f.Add("session", "\xff\x00\n")

	f.Fuzz(func(t *testing.T, name, value string) {
		s, err := c.Decode(name, value, testNow)
		if err != nil {
			if s != nil {
				t.Fatalf("Decode returned a session with error %v", err)
			}
			if errors.Is(err, ErrInvalid) == errors.Is(err, ErrExpired) {
				t.Fatalf("error %v wraps neither or both of ErrInvalid and ErrExpired", err)
			}
			return
		}
		again, err := c.Encode(name, s, s.IssuedAt())
		if err != nil {
			t.Fatalf("a decoded session does not encode: %v", err)
		}
		back, err := c.Decode(name, again, testNow)
		if err != nil {
			t.Fatalf("a re-encoded session does not decode: %v", err)
		}
		if d := sameSession(s, back); d != "" {
			t.Fatalf("re-encoded session: %s: %+v, want %+v", d, back, s)
		}
	})
}
