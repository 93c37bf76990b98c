package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProgramCheckTemplates: -check compiles every template of a framework
// site, and a broken one fails it, at file:line:col, in dev mode too
// (where a start only warns, so that it can be fixed live).
func TestProgramCheckTemplates(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		dev    bool
		status int
		want   string
	}{
		{"production", false, 2, "oops.html:2:"},
		{"dev", true, 2, "oops.html:2:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := strings.Replace(strings.Replace(goodConfig, `site = "raw"`, `site = "demo"`, 1), "dev = false", "dev = "+map[bool]string{true: "true", false: "false"}[tt.dev], 1)
			dir, file := siteDir(t, cfg)
			if err := os.CopyFS(filepath.Join(dir, "templates"), os.DirFS("../templates")); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "templates", "oops.html"), []byte("<p>\n{% if %}</p>\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			status, stdout, stderr := runMiniweb(t, dir, "-config", file, "-check")
			if status != tt.status || !strings.Contains(stderr, tt.want) {
				t.Errorf("-check: status %d, stderr %q, stdout %q; want %d and %q", status, stderr, stdout, tt.status, tt.want)
			}
		})
	}
}
