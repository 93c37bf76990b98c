package session

import (
	"strings"
	"testing"
)

func TestParsePayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload string
		ok      bool
	}{
		{"empty session", "\x00\x00\x00", true},
		{"one value", "\x00\x01\x01k\x01v\x00", true},
		{"one flash", "\x02\x00\x01\x04info\x02hi", true},
		{"negative time", "\x01\x00\x00", true},
		{"nothing", "", false},
		{"time only", "\x00", false},
		{"no flash count", "\x00\x00", false},
		{"trailing byte", "\x00\x00\x00\x00", false},
		{"count lies", "\x00\x05\x00", false},
		{"huge count", "\x00\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x00", false},
		{"string past end", "\x00\x01\x05ab", false},
		{"value missing", "\x00\x01\x01k", false},
		{"varint overflow", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02\x00\x00", false},
		{"varint eleven bytes", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x80\x00\x00\x00", false},
		{"varint cut", "\x80", false},
		{"largest time", "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01\x00\x00", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parsePayload(tt.payload)
			if (err == nil) != tt.ok {
				t.Fatalf("parsePayload(%q) = %+v, %v; want ok %v", tt.payload, s, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			b := appendPayload(nil, s, s.issued)
			if string(b) != tt.payload {
				t.Errorf("appendPayload(parsePayload(%q)) = %q", tt.payload, b)
			}
		})
	}
}

func TestPayloadSize(t *testing.T) {
	t.Parallel()
	s := sessionOf("user", "42", "blob", strings.Repeat("x", 300))
	s.AddFlash("success", strings.Repeat("y", 128))
	for _, issued := range []int64{0, 1, -1, 63, 64, -65, 1_820_000_000, 1 << 62, -1 << 63} {
		if got, want := payloadSize(s, issued), len(appendPayload(nil, s, issued)); got != want {
			t.Errorf("issued %d: payloadSize = %d, appendPayload made %d bytes", issued, got, want)
		}
	}
}

// FuzzPayload checks the payload parser against its encoder: what parses
// encodes to a payload of the size payloadSize says, which parses to the
// same session.
func FuzzPayload(f *testing.F) {
	f.Add([]byte("\x00\x00\x00"))
	f.Add([]byte("\x02\x01\x04user\x0242\x01\x07success\x0aSigned in."))
	f.Add([]byte("\x00\x05\x00"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		s, err := parsePayload(string(payload))
		if err != nil {
			return
		}
		b := appendPayload(nil, s, s.issued)
		if len(b) != payloadSize(s, s.issued) {
			t.Fatalf("payloadSize = %d, appendPayload made %d bytes", payloadSize(s, s.issued), len(b))
		}
		again, err := parsePayload(string(b))
		if err != nil {
			t.Fatalf("re-encoded payload %q does not parse: %v", b, err)
		}
		if d := sameSession(s, again); d != "" {
			t.Fatalf("re-encoded payload: %s", d)
		}
	})
}
