// Package scaffold writes a new site, as Django's startapp does:
//
//	go run ./server new shop             # from the module root
//	go run ./server new -dir ~/src/miniweb shop
//
// writes sites/shop/ (shop.go with its Files and New, a page with a form
// and a table of the database's rows, its templates, stylesheet and first
// migration, and a test of it all) and registers it with one line in
// sites/sites.go, so that `go test ./sites/shop/` passes and `go run
// ./server -site shop` serves it at once. It refuses to overwrite: a
// folder sites/NAME that exists, or a name the registry has, is an error
// (exit status 1) and nothing is written; a name that cannot be a site's
// is bad usage (exit status 2), with the rule it breaks.
package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
)

// skeleton is the new site's files: NAME in a file's name becomes the
// site's name, and ".tmpl" is dropped; every file is a text/template with
// [[ ]] delimiters (the pages' own {{ }} and {% %} are pongo2's), given a
// [params].
//
//go:embed skeleton
var skeleton embed.FS

// MaxName is the longest site name, in bytes.
const MaxName = 32

// Errors of [Create]; each comes wrapped with the detail.
var (
	// ErrBadName is a name that cannot be a site's: see [CheckName].
	ErrBadName = errors.New("scaffold: bad site name")
	// ErrExists is a site that is already there: its folder, or its name in
	// the registry.
	ErrExists = errors.New("scaffold: site exists")
	// ErrNotModule is a folder that is not miniweb's module root.
	ErrNotModule = errors.New("scaffold: not the module root")
)

// reserved are names a site cannot have though Go would take them: the
// registry's own package, and folder names the go command treats apart.
var reserved = map[string]string{
	"sites":    "it is the registry's package",
	"internal": "the go command keeps an internal folder's packages to its parent",
	"testdata": "the go command ignores a testdata folder",
	"vendor":   "the go command treats a vendor folder as vendored modules",
	"main":     "package main is a command, which the registry cannot import",
}

// CheckName returns nil when name can be a site's, else an error wrapping
// ErrBadName that says which rule it breaks: a lower-case Go identifier of
// letters a-z and digits, starting with a letter (no "_": a file name
// "shop_linux.go" would build on Linux alone), at most MaxName bytes, not a
// Go keyword ("func") or predeclared name ("string", "len"), and not one
// of the folder names the project or the go command keeps ("sites",
// "internal", "testdata", "vendor", "main").
func CheckName(name string) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w %q: %s", ErrBadName, name, fmt.Sprintf(format, a...))
	}
	switch {
	case name == "":
		return bad("give the site a name, such as shop")
	case len(name) > MaxName:
		return bad("%d characters, at most %d", len(name), MaxName)
	case name[0] < 'a' || name[0] > 'z':
		return bad("it must start with a lower-case letter a-z (it is a Go package's name and a folder's)")
	}
	for _, c := range name {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return bad("only lower-case letters a-z and digits, not %q (it is a Go package's name and a folder's)", c)
		}
	}
	switch {
	case token.IsKeyword(name):
		return bad("it is a Go keyword")
	case types.Universe.Lookup(name) != nil:
		return bad("it is one of Go's predeclared names, which the package's name would hide")
	case reserved[name] != "":
		return bad("the name is reserved: %s", reserved[name])
	}
	return nil
}

// params are what the skeleton's files are filled with.
type params struct {
	Name    string // "shop": the package, the folder, the registry's key
	Title   string // "Shop": the page's heading
	Table   string // "shop_notes": the site's table, prefixed with its name
	MaxText int    // the longest note, in characters
	Module  string // "github.com/miniweb/miniweb": the module's path
}

// Result is what [Create] did, for the report.
type Result struct {
	// Files are the files written, relative to the module root with
	// slashes: "sites/shop/shop.go", oldest first.
	Files []string
	// Registry is the registry's file, relative to the module root:
	// "sites/sites.go".
	Registry string
	// Line is the line added to the registry.
	Line string
}

// registryFile is the registry's file, from the module root.
const registryFile = "sites/sites.go"

// Create writes the site called name under root, the module root (the
// folder of go.mod and sites/), and registers it in sites/sites.go. It
// checks everything before it writes anything: a bad name is ErrBadName,
// a folder sites/NAME that exists or a name the registry has ErrExists, a
// root without go.mod and sites/sites.go ErrNotModule. A failure while
// writing removes the folder it made and leaves the registry alone.
func Create(root, name string) (*Result, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	module, err := modulePath(root)
	if err != nil {
		return nil, err
	}
	regPath := filepath.Join(root, filepath.FromSlash(registryFile))
	src, err := os.ReadFile(regPath)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrNotModule, root, err)
	}
	dir := filepath.Join(root, "sites", name)
	if _, err := os.Lstat(dir); err == nil {
		return nil, fmt.Errorf("%w: sites/%s already exists; choose another name, or remove the folder first", ErrExists, name)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	p := params{Name: name, Title: strings.ToUpper(name[:1]) + name[1:], Table: name + "_notes", MaxText: 200, Module: module}
	line := fmt.Sprintf("%q: frameworkSite(%s.Files, %s.New),", name, name, name)
	if file, ok, err := declares(filepath.Dir(regPath), name); err != nil {
		return nil, err
	} else if ok {
		return nil, fmt.Errorf("%w %q: sites/%s declares %s, which the site's import would clash with; choose another", ErrBadName, name, file, name)
	}
	newSrc, err := register(src, name, module+"/sites/"+name, line)
	if err != nil {
		return nil, err
	}
	files, err := render(p)
	if err != nil {
		return nil, err
	}

	res := &Result{Registry: registryFile, Line: line}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	if err := writeAll(dir, files); err != nil {
		os.RemoveAll(dir) // ours: it did not exist a moment ago
		return nil, err
	}
	for _, f := range files {
		res.Files = append(res.Files, path.Join("sites", name, f.name))
	}
	if err := writeFile(regPath, newSrc); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return res, nil
}

// file is one file of the new site.
type file struct {
	name string // relative to the site's folder, with slashes
	data []byte
}

// render returns the site's files, filled with p, Go files gofmt-ed.
func render(p params) ([]file, error) {
	var files []file
	err := fs.WalkDir(skeleton, "skeleton", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		text, err := fs.ReadFile(skeleton, name)
		if err != nil {
			return err
		}
		t, err := template.New(name).Delims("[[", "]]").Option("missingkey=error").Parse(string(text))
		if err != nil {
			return fmt.Errorf("scaffold: %s: %v", name, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, p); err != nil {
			return fmt.Errorf("scaffold: %s: %v", name, err)
		}
		rel := strings.TrimSuffix(strings.ReplaceAll(strings.TrimPrefix(name, "skeleton/"), "NAME", p.Name), ".tmpl")
		data := b.Bytes()
		if strings.HasSuffix(rel, ".go") {
			if data, err = format.Source(data); err != nil {
				return fmt.Errorf("scaffold: %s: %v", rel, err)
			}
		}
		files = append(files, file{name: rel, data: data})
		return nil
	})
	return files, err
}

// writeAll writes files under dir, making their folders.
func writeAll(dir string, files []file) error {
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeFile replaces the file at name with data, keeping its mode, by a
// write beside it and a rename: an interrupted write leaves the old file.
func writeFile(name string, data []byte) error {
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(name); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".sites-*.go.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a rename, there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// modulePath returns the module path of root's go.mod ("module
// github.com/miniweb/miniweb"), or ErrNotModule.
func modulePath(root string) (string, error) {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("%w: %s has no go.mod: run the command from the module root, or give -dir", ErrNotModule, root)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			m := strings.TrimSpace(rest)
			if i := strings.Index(m, "//"); i >= 0 {
				m = strings.TrimSpace(m[:i])
			}
			if u, err := strconv.Unquote(m); err == nil {
				m = u
			}
			return m, nil
		}
	}
	return "", fmt.Errorf("%w: %s: no module line", ErrNotModule, filepath.Join(root, "go.mod"))
}

// register returns src, the registry's file, with the site's import (path
// importPath) and line added to the registry map, gofmt-ed. A name the
// map has is ErrExists; a name the package sites declares or imports
// otherwise ("fmt", "Build") ErrBadName, as the import would clash.
func register(src []byte, name, importPath, line string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, registryFile, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("scaffold: %v", err)
	}
	reg := registryMap(f)
	if reg == nil {
		return nil, fmt.Errorf("scaffold: %s has no var registry = map[string]...{...}: add the site by hand: %s", registryFile, line)
	}
	for _, e := range reg.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if lit, ok := kv.Key.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if k, _ := strconv.Unquote(lit.Value); k == name {
				return nil, fmt.Errorf("%w: %s already registers a site %q", ErrExists, registryFile, name)
			}
		}
	}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		local := path.Base(p)
		if imp.Name != nil {
			local = imp.Name.Name
		}
		if p == importPath {
			return nil, fmt.Errorf("%w: %s already imports %s", ErrExists, registryFile, p)
		}
		if local == name {
			return nil, fmt.Errorf("%w %q: %s imports package %s under that name; choose another", ErrBadName, name, registryFile, p)
		}
	}

	// The entry goes last in the map, before its closing brace; the import
	// after the last import (gofmt sorts it into its group).
	importAt, importText := importPlace(fset, f, strconv.Quote(importPath))
	entryAt := fset.Position(reg.Rbrace).Offset
	var b bytes.Buffer
	b.Write(src[:importAt])
	b.WriteString(importText)
	b.Write(src[importAt:entryAt])
	b.WriteString("\t// " + name + " was made by `go run ./server new " + name + "`.\n\t" + line + "\n")
	b.Write(src[entryAt:])
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("scaffold: %s with the new site does not parse (%v): add the site by hand: %s", registryFile, err, line)
	}
	return out, nil
}

// declares reports whether a Go file of the folder dir (package sites)
// declares name at its top level, and which file.
func declares(dir, name string) (string, bool, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return "", false, err
	}
	fset := token.NewFileSet()
	for _, n := range names {
		f, err := parser.ParseFile(fset, n, nil, parser.SkipObjectResolution)
		if err != nil {
			return "", false, fmt.Errorf("scaffold: %v", err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.Name == name {
					return filepath.Base(n), true, nil
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.Name == name {
							return filepath.Base(n), true, nil
						}
					case *ast.ValueSpec:
						for _, id := range s.Names {
							if id.Name == name {
								return filepath.Base(n), true, nil
							}
						}
					}
				}
			}
		}
	}
	return "", false, nil
}

// registryMap returns the composite literal of f's "var registry =
// map...{...}", or nil.
func registryMap(f *ast.File) *ast.CompositeLit {
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if n.Name != "registry" || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.CompositeLit); ok {
					if _, ok := lit.Type.(*ast.MapType); ok {
						return lit
					}
				}
			}
		}
	}
	return nil
}

// importPlace returns where in f's source the import of quoted (a quoted
// path) goes, and its text there: last in the last parenthesized import
// declaration, else a declaration of its own after the last import, or
// after the package clause.
func importPlace(fset *token.FileSet, f *ast.File, quoted string) (int, string) {
	var last *ast.GenDecl
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			last = g
		}
	}
	switch {
	case last == nil:
		return fset.Position(f.Name.End()).Offset, "\n\nimport " + quoted + "\n"
	case last.Lparen.IsValid():
		return fset.Position(last.Rparen).Offset, "\t" + quoted + "\n"
	default:
		return fset.Position(last.End()).Offset, "\nimport " + quoted
	}
}
