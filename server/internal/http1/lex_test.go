package http1

import (
	"bytes"
	"testing"
)

// TestValidFieldValue checks the word-at-a-time test of validFieldValue
// against the byte table, for every byte at every offset of a word and in
// the tail.
func TestValidFieldValue(t *testing.T) {
	t.Parallel()
	for c := range 256 {
		for n := 1; n <= 19; n++ {
			for i := range n {
				v := bytes.Repeat([]byte{'a'}, n)
				v[i] = byte(c)
				if got, want := validFieldValue(v), fieldVChar[c]; got != want {
					t.Fatalf("byte %#x at %d of %d: %v, want %v", c, i, n, got, want)
				}
			}
		}
	}
	// Neighbours of the refused ranges in one word, and obs-text.
	if !validFieldValue([]byte("\x20\x21\x7e\x80\xff\t \x7e\x80")) {
		t.Error("valid bytes refused")
	}
}

func TestValidHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host string
		want bool
	}{
		{"", true},
		{"example.com", true},
		{"example.com:8080", true},
		{"example.com:", true}, // port = *DIGIT
		{"127.0.0.1:80", true},
		{"[::1]", true},
		{"[::1]:443", true},
		{"[v1.fe80::a+en1]", true},
		{"xn--bcher-kva.example", true},
		{"a%41b", true},
		{"a%4", false},
		{"a%zz", false},
		{"user@host", false},
		{"a b", false},
		{"a/b", false},
		{"a\\b", false},
		{"h:8o", false},
		{"h:1:2", false},
		{"[::1", false},
		{"[]", false},
		{"[::1]x", false},
		{"[::1]:x", false},
		{"[::%251]", false},
		{"[::1]:", true},
		{"[::1]]", false},
		{"[", false},
		{"caf\xc3\xa9", false},
		{"a\x00", false},
	}
	for _, tt := range tests {
		if got := validHost(tt.host); got != tt.want {
			t.Errorf("validHost(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}
