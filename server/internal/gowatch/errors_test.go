package gowatch

import (
	"reflect"
	"testing"
)

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		out  string  // go build's output
		want []Error // without Source, which ParseErrors never fills
	}{
		{"empty", "", nil},
		{"one", "# miniweb/server\nserver/main.go:12:2: undefined: foo\n",
			[]Error{{File: "server/main.go", Line: 12, Col: 2, Msg: "undefined: foo"}}},
		{"two_packages", "# miniweb/a\na/a.go:1:1: x\n# miniweb/b\nb/b.go:2:3: y\n",
			[]Error{{File: "a/a.go", Line: 1, Col: 1, Msg: "x"}, {File: "b/b.go", Line: 2, Col: 3, Msg: "y"}}},
		{"no_column", "./main.go:7: syntax error: unexpected newline\n",
			[]Error{{File: "./main.go", Line: 7, Msg: "syntax error: unexpected newline"}}},
		{"continued", "x.go:3:5: too many arguments in call to f\n\thave (int, int)\n\twant (int)\n",
			[]Error{{File: "x.go", Line: 3, Col: 5, Msg: "too many arguments in call to f\n\thave (int, int)\n\twant (int)"}}},
		{"colon_in_message", "x.go:1:2: cannot use \"a:b.go:3:4\" (untyped string constant) as int value\n",
			[]Error{{File: "x.go", Line: 1, Col: 2, Msg: `cannot use "a:b.go:3:4" (untyped string constant) as int value`}}},
		{"windows_path", "C:\\src\\m\\x.go:4:1: undefined: y\r\n",
			[]Error{{File: `C:\src\m\x.go`, Line: 4, Col: 1, Msg: "undefined: y"}}},
		{"space_in_path", "my dir/x.go:4:1: undefined: y\n",
			[]Error{{File: "my dir/x.go", Line: 4, Col: 1, Msg: "undefined: y"}}},
		{"too_many", "x.go:1:1: a\nx.go:2:1: too many errors\n",
			[]Error{{File: "x.go", Line: 1, Col: 1, Msg: "a"}, {File: "x.go", Line: 2, Col: 1, Msg: "too many errors"}}},
		{"tool_error", "go: updates to go.mod needed; to update it:\n\tgo mod tidy\n",
			[]Error{{Msg: "go: updates to go.mod needed; to update it:\n\tgo mod tidy"}}},
		{"package_error", "server/main.go:5:2: package nope is not in std (/usr/local/go/src/nope)\n",
			[]Error{{File: "server/main.go", Line: 5, Col: 2, Msg: "package nope is not in std (/usr/local/go/src/nope)"}}},
		{"not_go_file_position", "main.c:3:1: error\n", // cgo's C errors are no .go position
			[]Error{{Msg: "main.c:3:1: error"}}},
		{"header_only", "# miniweb/server\n", // no error line: all of it, so a failed build has one
			[]Error{{Msg: "# miniweb/server"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseErrors(tt.out); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseErrors(%q)\n got %#v\nwant %#v", tt.out, got, tt.want)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{File: "a.go", Line: 1, Col: 2, Msg: "m"}, "a.go:1:2: m"},
		{Error{File: "a.go", Line: 1, Msg: "m"}, "a.go:1: m"},
		{Error{File: "a.go", Msg: "m"}, "a.go: m"},
		{Error{Msg: "go: m"}, "go: m"},
	} {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func FuzzParseErrors(f *testing.F) {
	f.Add("# p\nx.go:1:2: m\n\tmore\n")
	f.Add("go: m\n")
	f.Fuzz(func(t *testing.T, out string) {
		// Oracle: every error's String, for one with a position, reads
		// back as the same position.
		for _, e := range ParseErrors(out) {
			if e.File == "" || e.Line == 0 {
				continue
			}
			back := ParseErrors(e.String())
			if len(back) == 0 || back[0].File != e.File || back[0].Line != e.Line || back[0].Col != e.Col {
				t.Errorf("%#v reads back as %#v", e, back)
			}
		}
	})
}
