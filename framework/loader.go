package framework

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"
)

// errOutsideRoot is a template name that does not stay inside the templates
// folder: absolute, with "..", a backslash or a NUL.
var errOutsideRoot = errors.New("framework: template name outside the templates folder")

// loader is the pongo2 TemplateLoader of an App: it reads templates from
// the templates folder only, and rewrites <%name%> placeholders on read
// (see rewrite), so that a page, the base it extends, the partials it
// includes and the macros it imports all go through the same rewrite.
//
// Names are relative to the folder, whichever template asks: {% extends
// "base.html" %} in "shop/cart.html" means "base.html", as in Django and in
// pongo2's own loader with a base directory. Absolute names, "..", and
// symbolic links out of the folder are refused (fs.ValidPath, and os.Root
// under the folder's fs.FS).
//
// pongo2 reads through the loader while it compiles and, for an include with
// a computed name, while it executes; the store serializes both, so the
// record of the current compilation needs no lock of its own.
type loader struct {
	// fsys holds the templates: the folder (an os.Root's FS), the
	// embedded templates, or the folder over them (overlay.go).
	fsys fs.FS
	// rec, when not nil, collects what the files read belong to: the
	// compilation in progress.
	rec *compileRecord
	// dev adds dev mode's check of fields and keys to every dotted
	// placeholder (see rewrite); refs numbers them for it.
	dev  bool
	refs refTable
}

// compileRecord is what the loader saw while compiling one page template.
type compileRecord struct {
	files        []string
	placeholders map[string][]placeholder // by file
	dynamic      bool
}

// Abs returns the name of the template called name: the cleaned name,
// relative to the templates folder. A name that leaves the folder is
// returned as it is, and Get refuses it. base, the template that asks, does
// not matter.
func (l *loader) Abs(base, name string) string {
	if strings.ContainsAny(name, "\\\x00") {
		return name
	}
	if c := path.Clean(name); fs.ValidPath(c) {
		return c
	}
	return name
}

// Get returns the text of the template called name, placeholders rewritten
// (see rewrite). A malformed placeholder is an error, which pongo2 drops:
// the store's locate finds it again with malformed.
func (l *loader) Get(name string) (io.Reader, error) {
	b, err := l.read(name)
	if err != nil {
		return nil, err
	}
	text, res, _ := l.rewrite(name, b)
	if res.Err != nil {
		return nil, res.Err
	}
	if l.rec != nil {
		l.rec.files = append(l.rec.files, name)
		if len(res.Placeholders) > 0 {
			l.rec.placeholders[name] = res.Placeholders
		}
		l.rec.dynamic = l.rec.dynamic || res.DynamicInclude
	}
	return bytes.NewReader(text), nil
}

// rewrite returns b, the template called name as written, as pongo2 reads
// it: each placeholder rewritten by rewritePlaceholders (which changes b)
// and given a last filter before its closing "}}":
//
//	<%created%>            ->  {{created|_placeholder}}
//	<%user.name|upper%>    ->  {{user.name|upper|_placeholder}}
//	                (dev)  ->  {{user.name|upper|_placeholder:_placeholder_check(3,user)}}
//
// The filter prints a time.Time in TimeLayout and passes anything else on
// as it is (see timefmt.go); in dev mode the check of a dotted
// placeholder warns of a field or key its data lacks (store.checkFields).
// The text added moves what follows it on the line: the shifts say where
// and by how much, for mapCol. The scan is in the result, its Err with the
// file's name.
func (l *loader) rewrite(name string, b []byte) ([]byte, scanResult, []shift) {
	res := rewritePlaceholders(b)
	if res.Err != nil {
		res.Err.File = name
	}
	if len(res.Placeholders) == 0 {
		return b, res, nil
	}
	out := make([]byte, 0, len(b)+len(res.Placeholders)*(len(placeholderFilter)+1))
	shifts := make([]shift, 0, len(res.Placeholders))
	from := 0
	for _, p := range res.Placeholders {
		out = append(out, b[from:p.End]...)
		n := len(out)
		out = append(out, '|')
		out = append(out, placeholderFilter...)
		if l.dev && p.Root != p.Name {
			id := l.refs.id(name, p)
			out = append(out, ':')
			out = append(out, placeholderCheck...)
			out = append(out, '(')
			out = strconv.AppendInt(out, int64(id), 10)
			out = append(out, ',')
			out = append(out, p.Root...)
			out = append(out, ')')
		}
		shifts = append(shifts, shift{Line: p.Line, Col: p.EndCol, Len: len(out) - n})
		from = p.End
	}
	out = append(out, b[from:]...)
	return out, res, shifts
}

// A shift is text rewrite added to a line: Len bytes before column Col of
// line Line (1-based, columns in bytes of the file as written).
type shift struct{ Line, Col, Len int }

// mapCol maps column col of line of the text rewrite returned back to the
// file as written, given the shifts of the file in order. A column inside
// added text maps to where it was added: the placeholder's "%>".
func mapCol(shifts []shift, line, col int) int {
	added := 0
	for _, s := range shifts {
		if s.Line < line {
			continue
		}
		if s.Line > line || col < s.Col+added {
			break
		}
		if col < s.Col+added+s.Len {
			return s.Col
		}
		added += s.Len
	}
	return col - added
}

// original maps a position pongo2 gave in the template called name (line
// and column of the text rewrite returned) to the file as written.
func (l *loader) original(name string, line, col int) int {
	b, err := l.read(name)
	if err != nil || line <= 0 {
		return col
	}
	_, _, shifts := l.rewrite(name, b)
	return mapCol(shifts, line, col)
}

// malformed returns the first malformed placeholder of the template called
// name, nil if none or if it cannot be read.
func (l *loader) malformed(name string) *placeholderError {
	b, err := l.read(name)
	if err != nil {
		return nil
	}
	res := rewritePlaceholders(b)
	if res.Err != nil {
		res.Err.File = name
	}
	return res.Err
}

// refTable numbers the dotted placeholders of dev mode, so that the check
// a page runs names a placeholder with a small integer: one number per
// file, line, column and name, kept across edits.
type refTable struct {
	mu   sync.Mutex
	ids  map[placeholderRef]int
	list []placeholderRef
}

// A placeholderRef is one dotted placeholder of a file.
type placeholderRef struct {
	File      string
	Line, Col int
	Name      string
}

func (r placeholderRef) where() string { return fmt.Sprintf("%s:%d:%d", r.File, r.Line, r.Col) }

// id returns the number of the placeholder p of file.
func (t *refTable) id(file string, p placeholder) int {
	ref := placeholderRef{File: file, Line: p.Line, Col: p.Col, Name: p.Name}
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.ids[ref]; ok {
		return id
	}
	if t.ids == nil {
		t.ids = map[placeholderRef]int{}
	}
	t.ids[ref] = len(t.list)
	t.list = append(t.list, ref)
	return len(t.list) - 1
}

// get returns the placeholder numbered id.
func (t *refTable) get(id int) (placeholderRef, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id < 0 || id >= len(t.list) {
		return placeholderRef{}, false
	}
	return t.list[id], true
}

// read returns the text of the template called name as written.
func (l *loader) read(name string) ([]byte, error) {
	if !fs.ValidPath(name) || name == "." || strings.ContainsAny(name, "\\\x00") {
		return nil, errOutsideRoot
	}
	return fs.ReadFile(l.fsys, name)
}

// sourceLine returns line n (1-based) of the template called name as
// written, for error pages; "" when it cannot be read.
func (l *loader) sourceLine(name string, n int) string {
	if n <= 0 {
		return ""
	}
	b, err := l.read(name)
	if err != nil {
		return ""
	}
	for i := 1; i < n; i++ {
		_, rest, ok := bytes.Cut(b, []byte("\n"))
		if !ok {
			return ""
		}
		b = rest
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return strings.TrimSuffix(string(line), "\r")
}
