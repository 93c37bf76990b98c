package framework

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

type stock struct {
	Code, Name string
	Price      float64
}

// goldenTests render testdata/templates through an App; each output is
// compared with testdata/golden/<name>.html.
var goldenTests = []struct {
	name     string // golden file, without .html
	template string
	data     Data
}{
	{
		name:     "page",
		template: "page.html",
		data: Data{
			"site": "Golden", "title": "Index <1>", "content": `Tom & "Jerry" <script>alert(1)</script>`,
			"user": map[string]any{"name": "ada"},
		},
	},
	{
		// <%x%> and pongo2 syntax in one file; verbatim, strings, comments
		// and non-placeholders stay as written.
		name:     "mixed",
		template: "mixed.html",
		data: Data{
			"content": "a<b", "count": 2,
			"stocks": []stock{{"600519", "Moutai", 1688.5}, {"000001", "Ping An", 11.2}},
			"user":   Data{"name": "Ada"}, "items": []string{"zero", "one"},
		},
	},
	{
		name:     "trusted",
		template: "trusted.html",
		data: Data{
			"trusted": HTML("<b>bold</b>"), "plain": "<b>escaped</b>",
			"rows": []Data{{"html": HTML("<i>i</i>"), "text": "<i>t</i>"}},
		},
	},
	{
		name:     "missing",
		template: "page.html",
		data:     Data{"title": "No content"},
	},
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"prod", "dev"} {
		t.Run(mode, func(t *testing.T) {
			// The same pages in both modes: live reload's script aside.
			app, _ := newApp(t, "testdata/templates", Options{Dev: mode == "dev", NoLiveReload: true})
			for _, tt := range goldenTests {
				app.Page("GET", "/"+tt.name+".py", tt.template, func(*Request) (Data, error) { return tt.data, nil })
			}
			for _, tt := range goldenTests {
				rec := get(t, app, "/"+tt.name+".py")
				if rec.Code != 200 {
					t.Fatalf("%s: status %d\n%s", tt.name, rec.Code, rec.Body)
				}
				checkGolden(t, tt.name, rec.Body)
			}
		})
	}
}

// checkGolden compares got with testdata/golden/name.html, or rewrites the
// file under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", "golden", name+".html")
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./framework -run TestGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		if abs, err := filepath.Abs(file); err == nil {
			file = abs
		}
		// Kept after the test, for the diff command.
		gotFile := filepath.Join(os.TempDir(), "miniweb-golden-"+name+".html")
		if err := os.WriteFile(gotFile, got, 0o644); err != nil {
			t.Error(err)
		}
		t.Errorf("%s differs from %s at line %d\n  diff %s %s\n  (go test ./framework -run TestGolden -update accepts the new output)",
			name, file, firstDiffLine(got, want), file, gotFile)
	}
}

// firstDiffLine returns the 1-based line where a and b first differ.
func firstDiffLine(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}
