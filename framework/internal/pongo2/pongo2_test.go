package pongo2_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/miniweb/miniweb/framework/internal/pongo2"
)

// Upstream runs these two tests with gopkg.in/check.v1; here they use the
// testing package alone, with the same checks (see PATCHES.md).

var testSuite2 = pongo2.NewSet("test suite 2", pongo2.MustNewLocalFileSystemLoader(""))

func parseTemplate(s string, c pongo2.Context) string {
	t, err := testSuite2.FromString(s)
	if err != nil {
		panic(err)
	}
	out, err := t.Execute(c)
	if err != nil {
		panic(err)
	}
	return out
}

func parseTemplateFn(s string, c pongo2.Context) func() {
	return func() {
		parseTemplate(s, c)
	}
}

// panicMatches checks that f panics with a value whose text matches the
// regular expression re, as check.v1's PanicMatches does: "^" + re + "$",
// not grouped, so that a "|" in re splits it as it does there.
func panicMatches(t *testing.T, f func(), re string) {
	t.Helper()
	var got any
	func() {
		defer func() { got = recover() }()
		f()
	}()
	if got == nil {
		t.Errorf("no panic, want one matching %q", re)
		return
	}
	msg := fmt.Sprint(got)
	if err, ok := got.(error); ok {
		msg = err.Error()
	}
	if !regexp.MustCompile("^" + re + "$").MatchString(msg) {
		t.Errorf("panic %q does not match %q", msg, re)
	}
}

func matches(t *testing.T, s, re string) {
	t.Helper()
	if !regexp.MustCompile("^" + re + "$").MatchString(s) {
		t.Errorf("%q does not match %q", s, re)
	}
}

func TestMisc(t *testing.T) {
	// Must
	// TODO: Add better error message (see issue #18)
	panicMatches(t,
		func() { pongo2.Must(testSuite2.FromFile("testdata/template_tests/inheritance/base2.tpl")) },
		`\[Error \(where: fromfile\) in .*template_tests[/\\]inheritance[/\\]doesnotexist.tpl | Line 1 Col 12 near 'doesnotexist.tpl'\] open .*template_tests[/\\]inheritance[/\\]doesnotexist.tpl: no such file or directory`,
	)

	// Context
	panicMatches(t, parseTemplateFn("", pongo2.Context{"'illegal": nil}), ".*not a valid identifier.*")

	// Registers
	matches(t, pongo2.RegisterFilter("escape", nil).Error(), ".*is already registered")
	matches(t, pongo2.RegisterTag("for", nil).Error(), ".*is already registered")

	// ApplyFilter
	v, err := pongo2.ApplyFilter("title", pongo2.AsValue("this is a title"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.String() != "This Is A Title" {
		t.Errorf("title: %q", v.String())
	}
	panicMatches(t, func() {
		_, err := pongo2.ApplyFilter("doesnotexist", nil, nil)
		if err != nil {
			panic(err)
		}
	}, `\[Error \(where: applyfilter\)\] filter with name 'doesnotexist' not found`)
}

func TestImplicitExecCtx(t *testing.T) {
	tpl, err := pongo2.FromString("{{ ImplicitExec }}")
	if err != nil {
		t.Fatalf("Error in FromString: %v", err)
	}

	val := "a stringy thing"

	res, err := tpl.Execute(pongo2.Context{
		"Value": val,
		"ImplicitExec": func(ctx *pongo2.ExecutionContext) string {
			return ctx.Public["Value"].(string)
		},
	})
	if err != nil {
		t.Fatalf("Error executing template: %v", err)
	}
	if res != val {
		t.Errorf("got %q, want %q", res, val)
	}

	// The implicit ctx should not be persisted from call-to-call
	res, err = tpl.Execute(pongo2.Context{
		"ImplicitExec": func() string {
			return val
		},
	})
	if err != nil {
		t.Fatalf("Error executing template: %v", err)
	}
	if res != val {
		t.Errorf("got %q, want %q", res, val)
	}
}
