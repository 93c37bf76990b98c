package session

import (
	"testing"
)

// benchSession is a signed-in visitor's session just after log in: a user
// id and one flash.
func benchSession() *Session {
	s := &Session{}
	s.Set("user", "1042")
	s.AddFlash("success", "Welcome back, Ada.")
	return s
}

func BenchmarkEncode(b *testing.B) {
	c := testCodec(b, secretA)
	s := benchSession()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode("session", s, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, bc := range []struct {
		name string
		old  []string // the codec's old secrets
		enc  string   // the secret the cookie was made with
	}{
		{"new secret", nil, secretA},
		{"old secret", []string{secretC, secretB}, secretB},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := testCodec(b, secretA, bc.old...)
			value, err := testCodec(b, bc.enc).Encode("session", benchSession(), testNow)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Decode("session", value, testNow); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeInvalid(b *testing.B) {
	c := testCodec(b, secretA)
	value, err := c.Encode("session", benchSession(), testNow)
	if err != nil {
		b.Fatal(err)
	}
	forged := value[:40] + "A" + value[41:]
	if forged == value {
		forged = value[:40] + "B" + value[41:]
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decode("session", forged, testNow); err == nil {
			b.Fatal("a forged cookie decoded")
		}
	}
}

// TestAllocs guards the allocations of the hot path, which runs on every
// request: Encode makes its buffer and the string; Decode the session, one
// copy of the payload that all its keys and values share, and the
// session's two slices (its buffer is pooled).
//
// It is not parallel: testing.AllocsPerRun counts the allocations of the
// whole process.
func TestAllocs(t *testing.T) {
	c := testCodec(t, secretA)
	s := benchSession()
	value, err := c.Encode("session", s, testNow)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		max  float64 // allocations per run
		f    func()
	}{
		{"Encode", 2, func() { c.Encode("session", s, testNow) }},
		{"Decode", 4, func() { c.Decode("session", value, testNow) }},
	}
	for _, tt := range tests {
		if got := testing.AllocsPerRun(100, tt.f); got > tt.max {
			t.Errorf("%s: %v allocations per run, want %v at most", tt.name, got, tt.max)
		}
	}
}
