package compress

import (
	"regexp"
	"strings"
	"testing"
)

var negotiateTests = []struct {
	header string   // the Accept-Encoding value
	want   Encoding // what Negotiate picks
}{
	// No field, an empty one, nothing we make.
	{"", Identity},
	{"identity", Identity},
	{"br, deflate", Identity},
	{",,,", Identity},

	// One coding; names in any case; x-gzip is gzip (RFC 9110 §8.4.1.3).
	{"gzip", Gzip},
	{"zstd", Zstd},
	{"GZip", Gzip},
	{"x-gzip", Gzip},
	{"\tgzip\t", Gzip},
	{"br;q=1, gzip;q=0.1", Gzip},

	// Ties go to gzip, then zstd; q-values decide otherwise.
	{"gzip, zstd", Gzip},
	{"zstd, gzip", Gzip},
	{"gzip;q=0.5, zstd;q=0.5", Gzip},
	{"gzip;q=1, zstd;q=0.5", Gzip},
	{"gzip ; q=0.8 , zstd;Q=0.9", Zstd},
	{"zstd;q=0.001", Zstd},
	{"zstd;q=1.000, gzip;q=1", Gzip},
	{"zstd;q=1., gzip;q=0.999", Zstd},

	// q=0 refuses.
	{"zstd;q=0", Identity},
	{"zstd;q=0.000, gzip", Gzip},
	{"gzip, gzip;q=0", Identity}, // named twice: the lower weight
	{"gzip;q=0, x-gzip", Identity},

	// The wildcard stands for what is not named.
	{"*", Gzip},
	{"*;q=0", Identity},
	{"*, zstd;q=0", Gzip},
	{"gzip;q=0, *", Zstd},
	{"gzip;q=0.9, *;q=0.5", Gzip},

	// Identity is weighed too: above every coding, it wins; a tie codes.
	{"identity;q=1, gzip;q=0.5", Identity},
	{"gzip;q=0.5", Gzip}, // an unnamed identity does not compete
	{"gzip;q=0.5, *;q=0.1", Gzip},
	{"gzip;q=0.5, *", Zstd},
	{"identity;q=0.5, gzip", Gzip},
	{"identity;q=0.5, gzip;q=0.5", Gzip},
	{"zstd;q=0.001, identity;q=0", Zstd},

	// Malformed members: a coding with a bad weight is refused; a bad
	// identity or "*" member is dropped; nothing fails.
	{"gzip;q=abc, ,;;,zstd;q=2", Identity},
	{"gzip;q=abc, zstd", Zstd},
	{"gzip;q=1.5", Identity},
	{"gzip;q=0.0001", Identity},
	{"gzip;q=1.001", Identity},
	{"gzip;q=-1", Identity},
	{"gzip;level=9", Identity},
	{"gzip;", Identity},
	{"gzip;q=", Identity},
	{"gzip;q = 0.5", Identity},
	{"gzip;q=0.5;q=1", Identity},
	{"*;q=abc, gzip", Gzip},
	{"*;q=abc", Identity},
	{"identity;q=x, gzip;q=0.5", Gzip},
	{"\"gzip\"", Identity},
	{"gzip zstd", Identity},
}

func TestNegotiate(t *testing.T) {
	t.Parallel()
	for _, tt := range negotiateTests {
		if got := Negotiate(tt.header); got != tt.want {
			t.Errorf("Negotiate(%q) = %v; want %v", tt.header, got, tt.want)
		}
	}
}

func TestIdentityRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", false},
		{"identity;q=0", true},
		{"*;q=0", true},
		{"*;q=0, identity", false},
		{"identity;q=0.001", false},
		{"identity;q=bad, *;q=0", true}, // the bad member is dropped; * refuses
	}
	for _, tt := range tests {
		if got := ParseAccept(tt.header).IdentityRefused(); got != tt.want {
			t.Errorf("ParseAccept(%q).IdentityRefused() = %v; want %v", tt.header, got, tt.want)
		}
	}
}

func TestPickOffer(t *testing.T) {
	t.Parallel()
	a := ParseAccept("zstd, gzip;q=0.5")
	tests := []struct {
		offer Offer
		want  Encoding
	}{
		{OfferAll, Zstd},
		{Offer(0).With(Gzip), Gzip},
		{Offer(0).With(Zstd), Zstd},
		{0, Identity},
	}
	for _, tt := range tests {
		if got := a.Pick(tt.offer); got != tt.want {
			t.Errorf("Pick(%b) = %v; want %v", tt.offer, got, tt.want)
		}
	}
}

// refQValue is the qvalue grammar of RFC 9110 §12.4.2, as a regexp.
var refQValue = regexp.MustCompile(`^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$`)

// refNegotiate is Negotiate written another way, for the fuzz oracle:
// split on commas and semicolons, regexp for the qvalue, float weights. It
// also returns the codings some member refused (q=0 or malformed).
func refNegotiate(v string) (Encoding, map[Encoding]bool) {
	weights := map[string]float64{}
	refused := map[Encoding]bool{}
	for _, m := range strings.Split(v, ",") {
		parts := strings.Split(m, ";")
		name := strings.ToLower(strings.Trim(parts[0], " \t"))
		if name == "x-gzip" {
			name = "gzip"
		}
		if name != "gzip" && name != "zstd" && name != "identity" && name != "*" {
			continue
		}
		w, ok := 1.0, true
		switch len(parts) {
		case 1:
		case 2:
			p := strings.Trim(parts[1], " \t")
			if len(p) < 2 || strings.ToLower(p[:2]) != "q=" || !refQValue.MatchString(p[2:]) {
				ok = false
				break
			}
			var f float64
			digits := strings.TrimRight(p[2:], ".")
			for i, c := range strings.ReplaceAll(digits, ".", "") {
				f += float64(c-'0') * pow10(-i)
			}
			w = f
		default:
			ok = false
		}
		if !ok {
			if name == "identity" || name == "*" {
				continue
			}
			w = 0
		}
		if old, seen := weights[name]; !seen || w < old {
			weights[name] = w
		}
	}
	weight := func(name string) float64 {
		if w, ok := weights[name]; ok {
			return w
		}
		if w, ok := weights["*"]; ok {
			return w
		}
		if name == "identity" {
			return 1
		}
		return 0
	}
	for _, e := range []Encoding{Gzip, Zstd} {
		if weight(e.String()) == 0 {
			refused[e] = true
		}
	}
	best, bestW := Identity, 0.0
	for _, e := range []Encoding{Gzip, Zstd} {
		if w := weight(e.String()); w > bestW+1e-9 {
			best, bestW = e, w
		}
	}
	_, named := weights["identity"]
	_, star := weights["*"]
	if best != Identity && (named || star) && weight("identity") > bestW+1e-9 {
		best = Identity
	}
	return best, refused
}

func pow10(n int) float64 {
	f := 1.0
	for ; n < 0; n++ {
		f /= 10
	}
	return f
}

// FuzzNegotiate checks Negotiate against refNegotiate, and that:
//   - it never picks a coding that a member refused (q=0, or a bad weight);
//   - OWS around the commas and semicolons does not change the answer.
func FuzzNegotiate(f *testing.F) {
	for _, tt := range negotiateTests {
		f.Add(tt.header)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got := Negotiate(v)
		want, refused := refNegotiate(v)
		if got != want {
			t.Fatalf("Negotiate(%q) = %v; the reference says %v", v, got, want)
		}
		if refused[got] {
			t.Fatalf("Negotiate(%q) = %v, which the field refuses", v, got)
		}
		spaced := strings.NewReplacer(",", " \t, ", ";", "\t; ").Replace(v)
		if again := Negotiate(spaced); again != got {
			t.Fatalf("Negotiate(%q) = %v, but with more OWS (%q) %v", v, got, spaced, again)
		}
	})
}

func BenchmarkNegotiate(b *testing.B) {
	for _, h := range []string{"gzip, deflate, br, zstd", "gzip;q=1.0, identity; q=0.5, *;q=0"} {
		b.Run(h, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Negotiate(h)
			}
		})
	}
}
