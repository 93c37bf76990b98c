package framework

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/miniweb/miniweb/server/gateway"
)

// TestReadBody reads bodies of known and unknown length, whole or a byte
// at a time, at and past the limit.
func TestReadBody(t *testing.T) {
	t.Parallel()
	const limit = 1024
	long := strings.Repeat("x", 900) // past the first 512 bytes of an unknown length
	tests := []struct {
		name   string
		body   string
		length int64 // Content-Length; -1 unknown (chunked)
		slow   bool  // read one byte at a time
		err    error // nil: the body is read whole
	}{
		{"known", "first=Ada", 9, false, nil},
		{"known slow", "first=Ada", 9, true, nil},
		{"unknown", "first=Ada", -1, false, nil},
		{"unknown grows", long, -1, false, nil},
		{"unknown grows slow", long, -1, true, nil},
		{"unknown at limit", strings.Repeat("y", limit), -1, false, nil},
		{"unknown past limit", strings.Repeat("y", limit+1), -1, false, errBodyTooLarge},
		{"unknown past limit slow", strings.Repeat("y", limit+1), -1, true, errBodyTooLarge},
		{"known at limit", strings.Repeat("y", limit), limit, false, nil},
		{"known past limit", strings.Repeat("y", limit+1), limit + 1, false, errBodyTooLarge},
		{"longer than announced", long, 10, false, nil}, // a server that breaks its contract: still bounded
		{"longer than announced past limit", strings.Repeat("y", 2*limit), 10, false, errBodyTooLarge},
		{"empty", "", 0, false, nil},
	}
	for _, tt := range tests {
		var r io.Reader = strings.NewReader(tt.body)
		if tt.slow {
			r = iotest.OneByteReader(r)
		}
		got, err := readBody(&gateway.Environ{Body: r, ContentLength: tt.length}, limit)
		if tt.err != nil {
			if !errors.Is(err, tt.err) || got != nil {
				t.Errorf("%s: %d bytes, %v; want %v", tt.name, len(got), err, tt.err)
			}
			continue
		}
		if err != nil || string(got) != tt.body {
			t.Errorf("%s: %d bytes, %v; want the %d bytes sent", tt.name, len(got), err, len(tt.body))
		}
	}
	// A failed read after some bytes.
	r := iotest.TimeoutReader(iotest.OneByteReader(strings.NewReader("first=Ada")))
	if got, err := readBody(&gateway.Environ{Body: r, ContentLength: 9}, limit); !errors.Is(err, errReadBody) {
		t.Errorf("failed read: %q, %v; want errReadBody", got, err)
	}
}

// TestURLEncodedShared checks that the values of a form, which share one
// slice, stay apart: a key sent twice keeps both values in order, and an
// append to one key's values changes no other key's.
func TestURLEncodedShared(t *testing.T) {
	t.Parallel()
	lim := Limits{}.withDefaults()
	form, err := parseURLEncoded("a=1&b=2&a=3&c=4", &lim)
	if err != nil {
		t.Fatal(err)
	}
	form["b"] = append(form["b"], "5")
	want := map[string][]string{"a": {"1", "3"}, "b": {"2", "5"}, "c": {"4"}}
	for k, vs := range want {
		if !slices.Equal(form[k], vs) {
			t.Errorf("%s: %q, want %q", k, form[k], vs)
		}
	}
	if len(form) != len(want) {
		t.Errorf("%d keys, want %d: %v", len(form), len(want), form)
	}
}
