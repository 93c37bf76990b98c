package handoff

import (
	"strings"
	"testing"
)

func TestTail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"empty", nil, ""},
		{"one_line", []string{"miniweb: bad\n"}, "miniweb: bad"},
		{"no_newline", []string{"half"}, "half"},
		{"split_writes", []string{"mini", "web: bad\nsecond", " line\n"}, "miniweb: bad\nsecond line"},
		{"last_lines", []string{strings.Repeat("old\n", 20), "1\n2\n3\n4\n5\n6\n7\n8\n"}, "1\n2\n3\n4\n5\n6\n7\n8"},
		{"over_the_bound", []string{strings.Repeat("x", 3*tailBytes) + "\nlast\n"}, strings.Repeat("x", tailBytes-6) + "\nlast"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tl tail
			for _, w := range tt.writes {
				if n, err := tl.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if got := tl.String(); got != tt.want {
				t.Errorf("String() = %q; want %q", got, tt.want)
			}
		})
	}
}
