package session

import "time"

// Session is one visitor's session: string values by key, and flash
// messages waiting to be shown once. The zero value is an empty, new
// session ready to use. A Session is not safe for concurrent use; it lives
// for one request.
//
// Values are kept in a slice in the order they were first set, not a map:
// a session holds a handful of keys, for which a linear search is as quick
// and costs no map allocation on every Decode.
type Session struct {
	values   []pair
	flashes  []Flash
	issued   int64 // Unix seconds of the cookie it came from; 0 when new
	modified bool
}

// pair is one value of a Session.
type pair struct {
	key, value string
}

// Flash is a message for the visitor's next page, such as
// {Kind: "success", Message: "Welcome back."}; it is shown once.
type Flash struct {
	// Kind sorts the message for the template: "info", "error", ... as the
	// application likes; "" is allowed.
	Kind string
	// Message is the text, shown escaped.
	Message string
}

// Get returns the value of key, or "" when the session has none.
func (s *Session) Get(key string) string {
	if i := s.index(key); i >= 0 {
		return s.values[i].value
	}
	return ""
}

// Has reports whether the session holds a value for key, which may be "".
func (s *Session) Has(key string) bool {
	return s.index(key) >= 0
}

// Set sets the value of key, marking the session modified unless it held
// that value already.
func (s *Session) Set(key, value string) {
	if i := s.index(key); i >= 0 {
		if s.values[i].value != value {
			s.values[i].value = value
			s.modified = true
		}
		return
	}
	s.values = append(s.values, pair{key, value})
	s.modified = true
}

// Delete removes key, marking the session modified if it held it.
func (s *Session) Delete(key string) {
	i := s.index(key)
	if i < 0 {
		return
	}
	s.values = append(s.values[:i], s.values[i+1:]...)
	s.modified = true
}

// Clear removes every value and flash, as at log out, marking the session
// modified if it held any.
func (s *Session) Clear() {
	if len(s.values) == 0 && len(s.flashes) == 0 {
		return
	}
	s.values = s.values[:0]
	s.flashes = nil
	s.modified = true
}

// AddFlash adds a message for the visitor's next page (the page a
// POST-redirect-GET lands on) and marks the session modified.
func (s *Session) AddFlash(kind, message string) {
	s.flashes = append(s.flashes, Flash{Kind: kind, Message: message})
	s.modified = true
}

// Flashes returns the waiting flash messages, oldest first, and removes
// them, so each is shown once; when it returns any, the session is marked
// modified, for the removal must be saved. The caller owns the slice.
func (s *Session) Flashes() []Flash {
	f := s.flashes
	if len(f) == 0 {
		return nil
	}
	s.flashes = nil
	s.modified = true
	return f
}

// Len returns the number of values, flashes not counted.
func (s *Session) Len() int { return len(s.values) }

// Empty reports whether the session holds no values and no flashes: a
// saver can then delete the cookie rather than write an empty one.
func (s *Session) Empty() bool {
	return len(s.values) == 0 && len(s.flashes) == 0
}

// Modified reports whether the session changed since it was decoded or
// created, and so must be saved in a new cookie. Encode does not reset it.
func (s *Session) Modified() bool { return s.modified }

// IssuedAt returns when the cookie the session came from was encoded, to
// the second, or the zero Time for a new session.
func (s *Session) IssuedAt() time.Time {
	if s.issued == 0 {
		return time.Time{}
	}
	return time.Unix(s.issued, 0)
}

// index returns the position of key in s.values, or -1.
func (s *Session) index(key string) int {
	for i := range s.values {
		if s.values[i].key == key {
			return i
		}
	}
	return -1
}
