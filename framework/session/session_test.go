package session

import (
	"slices"
	"testing"
	"time"
)

// sessionOf returns a session holding the key/value pairs kv, not
// modified.
func sessionOf(kv ...string) *Session {
	s := &Session{}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Set(kv[i], kv[i+1])
	}
	s.modified = false
	return s
}

func TestSessionValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		start    *Session          // before op
		op       func(*Session)    // what the handler does
		want     map[string]string // every value after
		modified bool              // Modified() after
	}{
		{"zero value", &Session{}, func(*Session) {}, map[string]string{}, false},
		{"set new", &Session{}, func(s *Session) { s.Set("user", "42") }, map[string]string{"user": "42"}, true},
		{"set empty value", &Session{}, func(s *Session) { s.Set("user", "") }, map[string]string{"user": ""}, true},
		{"set same value", sessionOf("user", "42"), func(s *Session) { s.Set("user", "42") }, map[string]string{"user": "42"}, false},
		{"set other value", sessionOf("user", "42"), func(s *Session) { s.Set("user", "7") }, map[string]string{"user": "7"}, true},
		{"delete held", sessionOf("a", "1", "b", "2", "c", "3"), func(s *Session) { s.Delete("b") }, map[string]string{"a": "1", "c": "3"}, true},
		{"delete missing", sessionOf("a", "1"), func(s *Session) { s.Delete("b") }, map[string]string{"a": "1"}, false},
		{"clear", sessionOf("a", "1", "b", "2"), func(s *Session) { s.Clear() }, map[string]string{}, true},
		{"clear empty", &Session{}, func(s *Session) { s.Clear() }, map[string]string{}, false},
		{"clear then set", sessionOf("a", "1"), func(s *Session) { s.Clear(); s.Set("b", "2") }, map[string]string{"b": "2"}, true},
		{"unicode", &Session{}, func(s *Session) { s.Set("名前", "José 🍵") }, map[string]string{"名前": "José 🍵"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.start
			tt.op(s)
			if s.Len() != len(tt.want) {
				t.Errorf("Len() = %d, want %d", s.Len(), len(tt.want))
			}
			for k, v := range tt.want {
				if got := s.Get(k); got != v || !s.Has(k) {
					t.Errorf("Get(%q) = %q, Has = %v; want %q, true", k, got, s.Has(k), v)
				}
			}
			if s.Get("missing") != "" || s.Has("missing") {
				t.Errorf("Get/Has(missing) = %q/%v, want \"\"/false", s.Get("missing"), s.Has("missing"))
			}
			if s.Modified() != tt.modified {
				t.Errorf("Modified() = %v, want %v", s.Modified(), tt.modified)
			}
		})
	}
}

func TestFlashesShownOnce(t *testing.T) {
	t.Parallel()
	s := &Session{}
	if f := s.Flashes(); f != nil || s.Modified() {
		t.Fatalf("new session: Flashes() = %v, Modified() = %v; want nil, false", f, s.Modified())
	}
	s.AddFlash("success", "Signed in.")
	s.AddFlash("info", "Two new messages.")
	if !s.Modified() || s.Empty() {
		t.Fatalf("after AddFlash: Modified() = %v, Empty() = %v; want true, false", s.Modified(), s.Empty())
	}

	// The page after the redirect decodes the cookie and shows them.
	c := testCodec(t, secretA)
	value, err := c.Encode("session", s, testNow)
	if err != nil {
		t.Fatal(err)
	}
	next, err := c.Decode("session", value, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := []Flash{{"success", "Signed in."}, {"info", "Two new messages."}}
	if got := next.Flashes(); !slices.Equal(got, want) {
		t.Fatalf("Flashes() = %v, want %v", got, want)
	}
	if !next.Modified() {
		t.Error("Modified() = false after Flashes took some; the removal would not be saved")
	}
	if got := next.Flashes(); got != nil {
		t.Errorf("second Flashes() = %v, want nil", got)
	}

	// The page after that, from the cookie the first one saved.
	value, err = c.Encode("session", next, testNow)
	if err != nil {
		t.Fatal(err)
	}
	third, err := c.Decode("session", value, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if got := third.Flashes(); got != nil {
		t.Errorf("Flashes() on the page after = %v, want nil", got)
	}
}

func TestIssuedAt(t *testing.T) {
	t.Parallel()
	if got := new(Session).IssuedAt(); !got.IsZero() {
		t.Errorf("new session: IssuedAt() = %v, want zero", got)
	}
	c := testCodec(t, secretA)
	value, err := c.Encode("session", sessionOf("a", "1"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Decode("session", value, testNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.IssuedAt(); !got.Equal(testNow.Truncate(time.Second)) {
		t.Errorf("IssuedAt() = %v, want %v", got, testNow.Truncate(time.Second))
	}
}
