package scaffold

import (
	"bytes"
	"errors"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// outsideRegistry is sites/sites.go of the module the generated site is
// tested in: a registry map and a frameworkSite of the checkout's shape,
// and a test that builds every registered site from its entry and gets
// its home page.
const outsideRegistry = `// Package sites is the outside module's registry.
package sites

import (
	"io/fs"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
)

// entry is a registered site.
type entry struct {
	files fs.FS
	new   func(framework.Options, *database.DB) (*framework.App, error)
}

// frameworkSite is the entry of a site on the framework, as the checkout's.
func frameworkSite(files fs.FS, new func(framework.Options, *database.DB) (*framework.App, error)) entry {
	return entry{files: files, new: new}
}

var registry = map[string]entry{
	// first is here before the new one.
	"first": {},
}
`

// outsideRegistryTest builds each site of the outside module's registry.
const outsideRegistryTest = `package sites

import (
	"testing"

	"github.com/miniweb/miniweb/framework/frameworktest"
)

func TestRegistered(t *testing.T) {
	n := 0
	for name, e := range registry {
		if e.new == nil {
			continue
		}
		n++
		c := frameworktest.New(t, frameworktest.Site(t, name, e.files, e.new), frameworktest.SiteOptions())
		c.Get("/").WantStatus(t, 200)
		c.Get("/index.py").WantStatus(t, 200)
	}
	if n != 1 {
		t.Fatalf("%d sites built, want the new one", n)
	}
}
`

// fakeRoot writes a module root with a registry (the outside module's)
// into a new folder whose path has a space, and returns it. Enough for
// the refusals, which write nothing; not a module that builds.
func fakeRoot(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "my checkout")
	write(t, root, "go.mod", "module example.com/outside\n\ngo 1.26.0\n")
	write(t, root, "sites/sites.go", outsideRegistry)
	return root
}

// write writes text to the file name under root, making its folders.
func write(t *testing.T, root, name, text string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheckName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string // the site's name
		want string // a part of the error; "" for none
	}{
		{"shop", ""},
		{"guestbook", ""},
		{"blog2", ""},
		{"a", ""},
		{strings.Repeat("a", MaxName), ""},
		{"", "give the site a name"},
		{strings.Repeat("a", MaxName+1), "33 characters, at most 32"},
		{"Shop", "start with a lower-case letter"},
		{"2shop", "start with a lower-case letter"},
		{"_shop", "start with a lower-case letter"},
		{"my_shop", `not '_'`},    // shop_linux.go would build on Linux alone
		{"shop_test", `not '_'`},  // shop_test.go would be a test file
		{"my-shop", `not '-'`},    // not an identifier
		{"shop.v2", `not '.'`},    // not an identifier
		{"../evil", "start with"}, // a path
		{"sh/op", `not '/'`},      // a path
		{"café", `not 'é'`},       // a Go identifier, but not a folder name everyone types
		{"shop ", `not ' '`},      // a space
		{"func", "Go keyword"},    // package func does not parse
		{"type", "Go keyword"},    // nor package type
		{"string", "predeclared"}, // would hide string
		{"len", "predeclared"},    // would hide len
		{"nil", "predeclared"},    // would hide nil
		{"sites", "reserved"},     // the registry's own package
		{"internal", "reserved"},  // the go command's rule
		{"testdata", "reserved"},  // ignored by the go command
		{"vendor", "reserved"},    // vendored modules
		{"main", "reserved"},      // a command, not importable
	} {
		err := CheckName(tc.name)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckName(%q) = %v, want nil", tc.name, err)
		case tc.want != "" && (err == nil || !errors.Is(err, ErrBadName) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckName(%q) = %v, want ErrBadName saying %q", tc.name, err, tc.want)
		}
	}
}

// TestRefused runs the command in ways it must refuse, and checks its
// status and message, and that it wrote nothing.
func TestRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		setup  func(t *testing.T, root string) // before the command; nil for none
		args   []string                        // after "-dir ROOT"
		status int
		want   string // in stderr
	}{
		{"no_name", nil, nil, 2, "want one site name, got 0"},
		{"two_names", nil, []string{"shop", "blog"}, 2, "want one site name, got 2"},
		{"bad_name", nil, []string{"Shop"}, 2, `bad site name "Shop": it must start with a lower-case letter`},
		{"keyword", nil, []string{"range"}, 2, `"range": it is a Go keyword`},
		{"unknown_flag", nil, []string{"-force", "shop"}, 2, "flag provided but not defined: -force"},
		{"folder_exists", func(t *testing.T, root string) { write(t, root, "sites/shop/notes.txt", "mine") },
			[]string{"shop"}, 1, "sites/shop already exists"},
		{"file_exists", func(t *testing.T, root string) { write(t, root, "sites/shop", "a file") },
			[]string{"shop"}, 1, "sites/shop already exists"},
		{"registered", nil, []string{"first"}, 1, `sites/sites.go already registers a site "first"`},
		{"clashes_with_import", nil, []string{"framework"}, 2, "imports package github.com/miniweb/miniweb/framework under that name"},
		{"clashes_with_declaration", nil, []string{"registry"}, 2, "sites/sites.go declares registry"},
		{"clashes_with_function", nil, []string{"frameworksite"}, 0, ""}, // names are case-sensitive: this one is free
		{"no_module", func(t *testing.T, root string) { os.Remove(filepath.Join(root, "go.mod")) },
			[]string{"shop"}, 2, "has no go.mod: run the command from the module root, or give -dir"},
		{"no_registry", func(t *testing.T, root string) { os.Remove(filepath.Join(root, "sites", "sites.go")) },
			[]string{"shop"}, 2, "sites.go: no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := fakeRoot(t)
			if tc.setup != nil {
				tc.setup(t, root)
			}
			before := snapshot(t, root)
			var stdout, stderr bytes.Buffer
			status := Main(append([]string{"-dir", root}, tc.args...), &stdout, &stderr)
			if status != tc.status || !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("status %d, stderr %q; want %d and %q", status, stderr.String(), tc.status, tc.want)
			}
			if status == 0 {
				return
			}
			if after := snapshot(t, root); after != before {
				t.Errorf("a refusal changed the folder:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if stdout.Len() != 0 {
				t.Errorf("a refusal printed %q to stdout", stdout.String())
			}
		})
	}
}

// snapshot returns every file under root with its content, for a
// comparison.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			b.WriteString(rel + "/\n")
			return nil
		}
		data, err := os.ReadFile(p)
		b.WriteString(rel + ": " + strconv.Quote(string(data)) + "\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRegisterCheckout adds a site to the checkout's own sites/sites.go,
// in memory: the result parses, has the import and the line in the
// registry map, and refuses the same name a second time.
func TestRegisterCheckout(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("..", "..", "..", "sites", "sites.go"))
	if err != nil {
		t.Fatal(err)
	}
	line := `"zz": frameworkSite(zz.Files, zz.New),`
	out, err := register(src, "zz", "github.com/miniweb/miniweb/sites/zz", line)
	if err != nil {
		t.Fatal(err)
	}
	checkRegistered(t, out, "zz", "github.com/miniweb/miniweb/sites/zz")
	if _, err := register(out, "zz", "github.com/miniweb/miniweb/sites/zz", line); !errors.Is(err, ErrExists) {
		t.Errorf("registering zz twice: %v, want ErrExists", err)
	}
	for _, name := range []string{"fmt", "errors", "framework", "database"} {
		if _, err := register(src, name, "github.com/miniweb/miniweb/sites/"+name, line); !errors.Is(err, ErrBadName) {
			t.Errorf("registering %s, which sites/sites.go imports: %v, want ErrBadName", name, err)
		}
	}
}

// TestRegisterImports adds the import to registries whose imports are
// written in each way Go allows.
func TestRegisterImports(t *testing.T) {
	t.Parallel()
	const reg = "\n\nvar registry = map[string]int{\n\t\"a\": 1,\n}\n"
	for _, head := range []string{
		"package sites",
		"package sites\n\nimport \"fmt\"\n\nvar _ = fmt.Sprint",
		"package sites\n\nimport (\n\t\"fmt\"\n)\n\nvar _ = fmt.Sprint",
		"package sites\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/m/sites/a\"\n)\n\nvar _ = fmt.Sprint\nvar _ = a.X",
	} {
		out, err := register([]byte(head+reg), "shop", "example.com/m/sites/shop", `"shop": shop.N,`)
		if err != nil {
			t.Errorf("%q: %v", head, err)
			continue
		}
		checkRegistered(t, out, "shop", "example.com/m/sites/shop")
	}
}

// checkRegistered checks that src parses, imports importPath, and has
// name in its registry map.
func checkRegistered(t *testing.T, src []byte, name, importPath string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "sites.go", src, parser.ParseComments)
	if err != nil {
		t.Fatalf("the registry does not parse: %v\n%s", err, src)
	}
	imported := false
	for _, imp := range f.Imports {
		imported = imported || imp.Path.Value == strconv.Quote(importPath)
	}
	if !imported {
		t.Errorf("the registry does not import %s:\n%s", importPath, src)
	}
	reg := registryMap(f)
	if reg == nil {
		t.Fatalf("the registry map is gone:\n%s", src)
	}
	last := reg.Elts[len(reg.Elts)-1]
	if !strings.Contains(string(src[last.Pos()-1:last.End()-1]), strconv.Quote(name)+":") {
		t.Errorf("the map's last entry is not %q:\n%s", name, src)
	}
}

// TestGenerated makes a site with the command in a module outside the
// checkout, requiring miniweb from it as a user's module does (a replace
// directive), in a folder whose path has a space; then the module builds,
// passes go vet, and its tests pass: the generated site's own, and the
// registry's, which builds the site from its registered entry.
func TestGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a module with the go command; skipped with -short")
	}
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	checkout, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "outside module")
	write(t, root, "go.mod", "module example.com/outside\n\ngo 1.26.0\n\n"+
		"require github.com/miniweb/miniweb v0.0.0-00010101000000-000000000000\n\n"+
		"replace github.com/miniweb/miniweb => "+strconv.Quote(checkout)+"\n")
	sum, err := os.ReadFile(filepath.Join(checkout, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, root, "go.sum", string(sum))
	write(t, root, "sites/sites.go", outsideRegistry)
	write(t, root, "sites/sites_test.go", outsideRegistryTest)

	var stdout, stderr bytes.Buffer
	if status := Main([]string{"-dir", root, "shop"}, &stdout, &stderr); status != 0 {
		t.Fatalf("status %d: %s", status, stderr.String())
	}
	t.Logf("the command's output:\n%s", stdout.String())
	for _, want := range []string{
		"created  sites/shop/shop.go\n", "created  sites/shop/shop_test.go\n",
		"created  sites/shop/migrations/0001_create_shop.sql\n", "created  sites/shop/templates/index.html\n",
		"created  sites/shop/templates/base.html\n", "created  sites/shop/templates/error.html\n",
		"created  sites/shop/static/style.css\n",
		`added    sites/sites.go: "shop": frameworkSite(shop.Files, shop.New),`,
		"go test ./sites/shop/", "go run ./server -site shop",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	reg, err := os.ReadFile(filepath.Join(root, "sites", "sites.go"))
	if err != nil {
		t.Fatal(err)
	}
	checkRegistered(t, reg, "shop", "example.com/outside/sites/shop")
	sql, err := os.ReadFile(filepath.Join(root, "sites", "shop", "migrations", "0001_create_shop.sql"))
	if err != nil || !strings.Contains(string(sql), "CREATE TABLE shop_notes (") {
		t.Errorf("the migration does not create the table shop_notes (%v):\n%s", err, sql)
	}

	// A second time is refused, and changes nothing.
	before := snapshot(t, root)
	stderr.Reset()
	if status := Main([]string{"-dir", root, "shop"}, &stdout, &stderr); status != 1 ||
		!strings.Contains(stderr.String(), "sites/shop already exists") {
		t.Errorf("a second run: status %d, %q; want 1 and a refusal", status, stderr.String())
	}
	if snapshot(t, root) != before {
		t.Errorf("a second run changed the module")
	}

	runGo(t, root, goTool, "vet", "./...")
	for _, name := range []string{"sites/sites.go", "sites/shop/shop.go", "sites/shop/shop_test.go"} {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if formatted, err := format.Source(data); err != nil || !bytes.Equal(formatted, data) {
			t.Errorf("%s is not gofmt-clean (%v):\n%s", name, err, data)
		}
	}
	out := runGo(t, root, goTool, "test", "-count=1", "-v", "./...")
	for _, want := range []string{
		"--- PASS: TestIndex ", "--- PASS: TestAdd ", "--- PASS: TestAddRefused ", "--- PASS: TestCrossSitePostRefused ",
		"--- PASS: TestRegistered ", "ok  \texample.com/outside/sites/shop", "ok  \texample.com/outside/sites",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("go test in the module: the output lacks %q:\n%s", want, out)
		}
	}
}

// runGo runs the go command with args in dir, the module cache its only
// source of modules, and returns its output; a failure fails the test.
// Only go test's -timeout bounds it: a first build on a busy machine
// takes minutes.
func runGo(t *testing.T, dir, goTool string, args ...string) string {
	t.Helper()
	cmd := exec.Command(goTool, args...)
	cmd.Dir = dir
	// -mod=mod adds the indirect requirements from the module cache; the
	// flags of this test run (-race, tags) must not change the module's.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	t.Logf("go %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return string(out)
}
