package framework

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// TestCheck checks that Check names every template a Page or the
// ErrorTemplate asks for that neither the folder nor the embedded
// templates hold, with its route, and nothing else.
func TestCheck(t *testing.T) {
	t.Parallel()
	page := []byte(`<p>{{ title }}</p>`)
	tests := []struct {
		name     string
		disk     []string     // files of the templates folder; nil: no folder
		embedded fstest.MapFS // nil: none
		want     []string     // the errors' lines, with DIR for the folder
	}{
		{name: "all_there", disk: []string{"index.html", "error.html"},
			embedded: fstest.MapFS{"login.html": {Data: page}}},
		{name: "disk_alone", disk: []string{"index.html"}, want: []string{
			`template "error.html" (ErrorTemplate): not in DIR`,
			`template "login.html" (GET POST /login.py): not in DIR`}},
		{name: "over_embedded", disk: []string{"error.html"}, embedded: fstest.MapFS{"index.html": {Data: page}}, want: []string{
			`template "login.html" (GET POST /login.py): not in DIR nor in the embedded templates`}},
		{name: "embedded_alone", embedded: fstest.MapFS{"login.html": {Data: page}, "error.html": {Data: page}}, want: []string{
			`template "index.html" (GET /index.py): not in DIR (no such folder) nor in the embedded templates`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "templates")
			if tt.disk != nil {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for _, name := range tt.disk {
				if err := os.WriteFile(filepath.Join(dir, name), page, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			o := Options{ErrorTemplate: "error.html", Suffix: ".py"}
			if tt.embedded != nil {
				o.TemplatesFS = tt.embedded
			}
			app, _ := newApp(t, dir, o)
			app.Page("GET", "/index.py", "index.html", nil)
			app.Page("GET POST", "/login.py", "login.html", nil)
			app.Handle("GET", "/any.py", func(*Request) (*Response, error) { // chosen as it runs: not checked
				return &Response{Template: "nowhere.html"}, nil
			})
			err := app.Check()
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = strings.ReplaceAll(w, "DIR", dir)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("Check() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestEmbeddedAlone checks that an App given embedded templates and no
// folder reads the embedded ones alone: a templates/ folder in the working
// folder, where the binary happens to start, lends it nothing.
func TestEmbeddedAlone(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "templates", "base.html"), []byte(`<p>not mine</p>`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir) // not parallel: the working folder is the process's
	embedded := fstest.MapFS{"index.html": {Data: []byte(`<p>embedded</p>`)}}
	app, err := New(Options{TemplatesFS: embedded, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	app.Page("GET", "/index.py", "index.html", func(*Request) (Data, error) { return nil, nil })
	app.Page("GET", "/other.py", "base.html", func(*Request) (Data, error) { return nil, nil })
	err = app.Check()
	if want := `template "base.html" (GET /other.py): not in the embedded templates`; err == nil || err.Error() != want {
		t.Errorf("Check() = %v; want %s", err, want)
	}
}
