package framework

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// errOutsideRoot is a template name that does not stay inside the templates
// folder: absolute, with "..", a backslash or a NUL.
var errOutsideRoot = errors.New("framework: template name outside the templates folder")

// loader is the pongo2 TemplateLoader of an App: it reads templates from
// the templates folder only, and rewrites <%name%> placeholders on read
// (see rewritePlaceholders), so that a page, the base it extends, the
// partials it includes and the macros it imports all go through the same
// rewrite.
//
// Names are relative to the folder, whichever template asks: {% extends
// "base.html" %} in "shop/cart.html" means "base.html", as in Django and in
// pongo2's own loader with a base directory. Absolute names, "..", and
// symbolic links out of the folder are refused (os.Root).
//
// pongo2 reads through the loader while it compiles and, for an include with
// a computed name, while it executes; the store serializes both, so the
// record of the current compilation needs no lock of its own.
type loader struct {
	root *os.Root
	// rec, when not nil, collects what the files read belong to: the
	// compilation in progress.
	rec *compileRecord
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

// Get returns the text of the template called name, placeholders rewritten.
func (l *loader) Get(name string) (io.Reader, error) {
	b, err := l.read(name)
	if err != nil {
		return nil, err
	}
	res := rewritePlaceholders(b)
	if l.rec != nil {
		l.rec.files = append(l.rec.files, name)
		if len(res.Placeholders) > 0 {
			l.rec.placeholders[name] = res.Placeholders
		}
		l.rec.dynamic = l.rec.dynamic || res.DynamicInclude
	}
	return bytes.NewReader(b), nil
}

// read returns the text of the template called name as written.
func (l *loader) read(name string) ([]byte, error) {
	if !fs.ValidPath(name) || name == "." || strings.ContainsAny(name, "\\\x00") {
		return nil, errOutsideRoot
	}
	return l.root.ReadFile(name)
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
