package pongo2

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The filters of RegisterPassFilter (PATCHES.md, 14): a variable printed
// through one prints what the same function registered with
// RegisterFilter prints, and the function is called only for what it
// does not pass as it is.

// passCalls counts the calls of the test's pass filter.
var passCalls atomic.Int64

// passLike is a filter that keeps the promise of RegisterPassFilter, as
// the framework's placeholder filter does: a time becomes its text, a
// struct its field, anything else passes as it is.
func passLike(in, _ *Value) (*Value, *Error) {
	if in.IsString() || in.IsNumber() || in.IsBool() || in.IsNil() {
		return in, nil
	}
	switch x := in.Interface().(type) {
	case time.Time:
		return AsValue(x.Format("2006-01-02 <15:04>")), nil
	case inner:
		return AsSafeValue("<i>" + x.Name + "</i>"), nil
	}
	return in, nil
}

func init() {
	counted := func(in, p *Value) (*Value, *Error) {
		passCalls.Add(1)
		return passLike(in, p)
	}
	if err := RegisterPassFilter("test_pass", counted); err != nil {
		panic(err)
	}
	if err := RegisterFilter("test_slow", passLike); err != nil {
		panic(err)
	}
	if err := RegisterPassFilter("test_replaced", passLike); err != nil {
		panic(err)
	}
	// Replaced by a filter that changes strings: the promise goes with
	// the function it was made for.
	if err := ReplaceFilter("test_replaced", func(in, _ *Value) (*Value, *Error) {
		return AsValue(strings.ToUpper(in.String())), nil
	}); err != nil {
		panic(err)
	}
}

func TestPassFilter(t *testing.T) {
	t.Parallel()
	s := "a<b"
	ctx := Context{
		"s": "x<y & \"z\"", "safe": AsSafeValue("<b>ok</b>"), "i": 42, "u": uint8(7), "f": 2.5, "b": true,
		"n": nil, "ps": &s, "np": (*string)(nil),
		"t": time.Date(2026, 12, 8, 3, 4, 5, 0, time.UTC), "o": inner{"in<ner"}, "list": []any{"l<1", 2, inner{"x"}},
		"m": map[string]any{"k": "v>w", "t": time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
	vars := []string{"s", "safe", "i", "u", "f", "b", "n", "missing", "ps", "np", "t", "o", "list", "m.k", "m.t", "m.none", "o.Name"}
	var fast, slow strings.Builder
	for _, v := range vars {
		fast.WriteString("{{ " + v + "|test_pass }}|")
		slow.WriteString("{{ " + v + "|test_slow }}|")
	}
	loop := "{% for x in list %}[{{ x|%s }}]{% endfor %}{% autoescape off %}{{ s|%s }}{% endautoescape %}"
	fast.WriteString(strings.ReplaceAll(loop, "%s", "test_pass"))
	slow.WriteString(strings.ReplaceAll(loop, "%s", "test_slow"))

	render := func(src string) string {
		tpl, err := testSet(t).FromString(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		out, err := tpl.Execute(ctx)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return out
	}
	before := passCalls.Load()
	got, want := render(fast.String()), render(slow.String())
	if got != want {
		t.Errorf("through RegisterPassFilter:\n%s\nthrough RegisterFilter:\n%s", got, want)
	}
	// t, o, list and m.t go through the filter, in the loop the struct.
	if calls := passCalls.Load() - before; calls != 5 {
		t.Errorf("the filter was called %d times, want 5 (for the time, the struct, the list, m.t, the loop's struct)", calls)
	}
	if !strings.Contains(got, "x&lt;y &amp; &quot;z&quot;|<b>ok</b>|42|7|2.500000|True|") ||
		!strings.Contains(got, "2026-12-08 &lt;03:04&gt;|<i>in<ner</i>|") {
		t.Errorf("unexpected output %s", got)
	}
	if out := render("{{ s|test_replaced }}"); out != "X&lt;Y &amp; &quot;Z&quot;" {
		t.Errorf("replaced filter: %q", out)
	}
}

// TestPassFilterAllocs: a string through a filter of RegisterPassFilter
// costs no Value of its own.
func TestPassFilterAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	tpl, err := testSet(t).FromString("{% for x in list %}{{ x.Name|test_pass }}{{ x.Name|test_pass }}{% endfor %}")
	if err != nil {
		t.Fatal(err)
	}
	list := make([]inner, 64)
	ctx := Context{"list": list}
	var b strings.Builder
	allocs := testing.AllocsPerRun(100, func() {
		b.Reset()
		if err := tpl.ExecuteWriterUnbuffered(ctx, &b); err != nil {
			t.Fatal(err)
		}
	})
	slow, err := testSet(t).FromString("{% for x in list %}{{ x.Name|test_slow }}{{ x.Name|test_slow }}{% endfor %}")
	if err != nil {
		t.Fatal(err)
	}
	slowAllocs := testing.AllocsPerRun(100, func() {
		b.Reset()
		if err := slow.ExecuteWriterUnbuffered(ctx, &b); err != nil {
			t.Fatal(err)
		}
	})
	if allocs+8 > slowAllocs {
		t.Errorf("%v allocations per render through RegisterPassFilter, %v through RegisterFilter: want 8 fewer (128 values in blocks of 16)", allocs, slowAllocs)
	}
}
