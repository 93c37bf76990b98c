package miniweb_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// elision is the line that stands, in a README block, for lines of the
// file left out.
const elision = "// ..."

// TestREADMECode keeps the README's Go code compiling: every ```go block
// is quoted from a file of the repository, which the build compiles and
// the tests run. The block's first line names the file
// ("// sites/guestbook/guestbook.go"); its other lines stand in that file
// in the same order, each run between "// ..." lines on consecutive lines
// of the file (indentation aside, as a quote from inside a function is
// shown unindented).
func TestREADMECode(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlocks(string(readme))
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go block: has the fence changed?")
	}
	for _, b := range blocks {
		name, ok := strings.CutPrefix(strings.TrimSpace(b.lines[0]), "// ")
		if !ok || strings.ContainsAny(name, " \t") || !strings.HasSuffix(name, ".go") {
			t.Errorf("README.md:%d: a Go block starts with the file it quotes, as // path/to/file.go; got %q", b.line, b.lines[0])
			continue
		}
		src, err := os.ReadFile(filepath.FromSlash(name))
		if err != nil {
			t.Errorf("README.md:%d: the quoted file: %v", b.line, err)
			continue
		}
		if line, missing := quoted(b.lines[1:], strings.Split(string(src), "\n")); missing != "" {
			t.Errorf("README.md:%d: the run of lines from line %d of the block (to the next %q) is not in %s, after the runs before it; its first line:\n\t%s",
				b.line, line+2, elision, name, missing)
		}
	}
}

// block is a ```go block of the README: its lines, and the README's line
// number of the first.
type block struct {
	line  int
	lines []string
}

// goBlocks returns the ```go blocks of a Markdown text.
func goBlocks(md string) []block {
	var blocks []block
	var cur *block
	for i, l := range strings.Split(md, "\n") {
		switch {
		case cur == nil && strings.TrimSpace(l) == "```go":
			cur = &block{line: i + 2}
		case cur != nil && strings.TrimSpace(l) == "```":
			if len(cur.lines) > 0 {
				blocks = append(blocks, *cur)
			}
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, l)
		}
	}
	return blocks
}

// quoted reports whether quote's runs (split at elision lines) stand in
// src in order, each on consecutive lines, comparing lines without their
// leading and trailing white space. When one does not, it returns the
// index in quote of the first line of the run that is missing, and that
// line.
func quoted(quote, src []string) (int, string) {
	from := 0 // the first line of src the next run may start at
	for start := 0; start < len(quote); {
		end := start
		for end < len(quote) && strings.TrimSpace(quote[end]) != elision {
			end++
		}
		if run := quote[start:end]; len(run) > 0 {
			at := find(run, src, from)
			if at < 0 {
				return start, strings.TrimSpace(quote[start])
			}
			from = at + len(run)
		}
		start = end + 1
	}
	return 0, ""
}

// find returns the first index at or after from where run's lines stand
// in src, white space around each line aside, or -1.
func find(run, src []string, from int) int {
	for i := from; i+len(run) <= len(src); i++ {
		ok := true
		for j, l := range run {
			if strings.TrimSpace(l) != strings.TrimSpace(src[i+j]) {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}
