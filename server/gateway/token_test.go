package gateway

import (
	"strings"
	"testing"
)

func TestIsToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		want bool
	}{
		{"GET", true},
		{"Content-Type", true},
		{"x_id", true},
		{"!#$%&'*+-.^_`|~09AZaz", true}, // every kind of tchar
		{"", false},
		{"a b", false},         // SP
		{"Host:", false},       // separator
		{"a\tb", false},        // HTAB
		{"\"q\"", false},       // DQUOTE
		{"(c)", false},         // comment delimiters
		{"a/b", false},         // "/"
		{"caf\xc3\xa9", false}, // obs-text is not tchar
		{"X\r\nInjected", false},
		{"a\x00", false},
		{"a\x7f", false},
	}
	for _, tt := range tests {
		if got := IsToken(tt.s); got != tt.want {
			t.Errorf("IsToken(%q) = %v; want %v", tt.s, got, tt.want)
		}
	}
}

// TestIsTokenChar checks every byte against the grammar as RFC 9110 §5.6.2
// writes it.
func TestIsTokenChar(t *testing.T) {
	t.Parallel()
	const tchar = "!#$%&'*+-.^_`|~0123456789" +
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	for c := 0; c < 256; c++ {
		want := strings.IndexByte(tchar, byte(c)) >= 0
		if got := IsTokenChar(byte(c)); got != want {
			t.Errorf("IsTokenChar(%q) = %v; want %v", byte(c), got, want)
		}
	}
}

func TestEqualFold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"Content-Length", "content-length", true},
		{"HOST", "host", true},
		{"", "", true},
		{"Host", "Hosts", false},
		{"a-b", "a_b", false},
		{"\u212aeep-Alive", "Keep-Alive", false}, // the Kelvin sign is no K
		{"[", "{", false},                        // 0x5b and 0x7b differ by 0x20 but are no letters
	}
	for _, tt := range tests {
		if got := EqualFold(tt.a, tt.b); got != tt.want {
			t.Errorf("EqualFold(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
