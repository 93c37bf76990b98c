package fingerprint

import (
	"strings"
	"testing"
)

const sum = "3f9a1c2e0b4d"

// formatTests pair a name with its fingerprinted form; Parse must undo
// Format on each.
var formatTests = []struct {
	name string // as a template names it
	want string // Format(name, sum)
}{
	{"style.css", "style.3f9a1c2e0b4d.css"},
	{"css/site.css", "css/site.3f9a1c2e0b4d.css"},
	{"app.min.js", "app.min.3f9a1c2e0b4d.js"},
	{"LICENSE", "LICENSE.3f9a1c2e0b4d"},
	{"img.v2/logo", "img.v2/logo.3f9a1c2e0b4d"},
	{"a/.well-known", "a/.well-known.3f9a1c2e0b4d"},
}

func TestFormatParse(t *testing.T) {
	t.Parallel()
	for _, tt := range formatTests {
		got := Format(tt.name, sum)
		if got != tt.want {
			t.Errorf("Format(%q) = %q; want %q", tt.name, got, tt.want)
		}
		plain, s, ok := Parse(got)
		if !ok || plain != tt.name || s != sum {
			t.Errorf("Parse(%q) = %q, %q, %v; want %q, %q, true", got, plain, s, ok, tt.name, sum)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"style.css",
		"style.3F9A1C2E0B4D.css",  // upper case: not ours
		"style.3f9a1c2e0b4.css",   // one digit short
		"style.3f9a1c2e0b4dd.css", // one too many
		"style.3f9a1c2e0b4g.css",  // not hex
		".3f9a1c2e0b4d.css",       // nothing left of the name
		".3f9a1c2e0b4d",
		"3f9a1c2e0b4d",
		"dir.3f9a1c2e0b4d/style.css", // in a folder name
		"",
	} {
		if plain, s, ok := Parse(name); ok {
			t.Errorf("Parse(%q) = %q, %q, true; want no fingerprint", name, plain, s)
		}
	}
}

func TestSum(t *testing.T) {
	t.Parallel()
	// sha256("body{}") = 4ea5...: the first Len digits.
	got := Sum([]byte("body{}"))
	r, err := SumReader(strings.NewReader("body{}"))
	if err != nil || r != got || len(got) != Len || !isSum(got) {
		t.Errorf("Sum = %q, SumReader = %q, %v; want the same %d hex digits", got, r, err, Len)
	}
	if Sum([]byte("body{ }")) == got {
		t.Error("Sum of different contents is the same")
	}
}

func FuzzParse(f *testing.F) {
	for _, tt := range formatTests {
		f.Add(tt.want)
	}
	f.Fuzz(func(t *testing.T, name string) {
		plain, s, ok := Parse(name)
		if !ok {
			return
		}
		if back := Format(plain, s); back != name {
			t.Errorf("Format(Parse(%q)) = %q", name, back)
		}
	})
}
