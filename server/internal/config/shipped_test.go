package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// shipped is the repository's miniweb.toml, seen from this package's folder.
const shipped = "../../../miniweb.toml"

// TestShippedFile checks that the repository's miniweb.toml holds exactly
// the values of Default, but for the site, which a developer may switch
// to any site that has its package in sites/, and dev mode, which the file
// asks for (go run ./server in the checkout) and the built-in defaults do
// not (a lone binary is production); and that it passes validation. Its
// folders are unset: each site's own.
func TestShippedFile(t *testing.T) {
	t.Parallel()
	c, src, err := load(shipped)
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if c.Static != "" || c.Templates != "" {
		t.Errorf("Static, Templates = %q, %q; want unset (the site's own folders)", c.Static, c.Templates)
	}
	if fi, err := os.Stat(filepath.Join(root, "sites", c.Site)); !isIdent(c.Site) || err != nil || !fi.IsDir() {
		t.Errorf("site = %q: no such site in %s", c.Site, filepath.Join(root, "sites"))
	}
	if c.File != shipped {
		t.Errorf("File = %q, want %q", c.File, shipped)
	}
	if want := "sqlite:" + filepath.Join(root, "data", "miniweb.db"); c.Database.URL != want {
		t.Errorf("Database.URL = %q, want %q", c.Database.URL, want)
	}
	if !c.Dev || Default().Dev {
		t.Errorf("dev = %v in the file, %v in Default; want true in the file (go run ./server in the checkout), false in Default (a lone binary)", c.Dev, Default().Dev)
	}
	got, def := c, Default()
	got.Site, got.File, got.Database.URL, got.Dev = def.Site, def.File, def.Database.URL, def.Dev
	if !reflect.DeepEqual(got, def) {
		t.Errorf("%s differs from Default()\n file    %+v\n Default %+v", shipped, got, def)
	}
	if err := c.validate(src); err != nil {
		t.Errorf("%s does not validate: %v", shipped, err)
	}
	// The file sets every key but the commented-out ones, so every key
	// has a line to point errors at.
	for _, f := range fields {
		if src.line(f.key) == 0 && !commentedOut[f.key] {
			t.Errorf("%s does not set %s", shipped, f.key)
		}
	}
}

// commentedOut lists the keys that the shipped file shows only in a comment
// ("# secret = ..."): a secret does not belong in a file kept in git, and
// the folders are unset so that switching the site switches every file.
var commentedOut = map[string]bool{"session.secret": true, "static": true, "templates": true}

// TestShippedFileComments checks that every key in the shipped file has a
// comment on its line or a comment line right above it.
func TestShippedFileComments(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	table := ""
	prevComment := false
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		isComment := strings.HasPrefix(line, "#")
		if name, _, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), " = "); isComment && ok {
			if table != "" {
				name = table + "." + name
			}
			if commentedOut[name] {
				seen[name] = true
			}
		}
		switch {
		case line == "", isComment:
		case strings.HasPrefix(line, "["):
			table = strings.Trim(strings.TrimSpace(strings.SplitN(line, "#", 2)[0]), "[]")
		default:
			name, value, ok := strings.Cut(line, "=")
			if !ok {
				t.Errorf("%s:%d: not a key line: %q", shipped, i+1, line)
				break
			}
			key := strings.TrimSpace(name)
			if table != "" {
				key = table + "." + key
			}
			seen[key] = true
			if !prevComment && !hasComment(value) {
				t.Errorf("%s:%d: key %s has no comment on its line or right above it", shipped, i+1, key)
			}
		}
		prevComment = isComment
	}
	for _, f := range fields {
		if !seen[f.key] {
			t.Errorf("%s lacks key %s", shipped, f.key)
		}
	}
}

// hasComment reports whether a value's text, after the '=', ends in a
// comment, skipping a '#' inside a quoted string.
func hasComment(value string) bool {
	value = strings.TrimSpace(value)
	if q := value[:min(len(value), 1)]; q == `"` || q == "'" {
		end := strings.Index(value[1:], q) // the shipped file has no escaped quotes
		if end < 0 {
			return false
		}
		value = value[end+2:]
	}
	return strings.Contains(value, "#")
}

// TestFieldsCoverConfig checks that the schema has one field for every
// value in Config (all but File), so no Config value lacks a key.
func TestFieldsCoverConfig(t *testing.T) {
	t.Parallel()
	var c Config
	seen := make(map[string]bool)
	for _, f := range fields {
		if seen[f.key] {
			t.Errorf("key %s is in the schema twice", f.key)
		}
		seen[f.key] = true
		switch p := f.ptr(&c).(type) {
		case *string:
			*p = "x"
		case *[]string:
			*p = []string{"x"}
		case *bool:
			*p = true
		case *int:
			*p = 1
		case *int64:
			*p = 1
		case *time.Duration:
			*p = 1
		default:
			t.Errorf("key %s has type %T", f.key, p)
		}
	}
	c.File = "x"
	c.Watch = true               // a command-line option (-watch), no key
	c.Session.Source = SourceEnv // where the secret came from, no key
	var walk func(v reflect.Value, name string)
	walk = func(v reflect.Value, name string) {
		if v.Kind() == reflect.Struct {
			for i := range v.NumField() {
				walk(v.Field(i), name+"."+v.Type().Field(i).Name)
			}
			return
		}
		if v.IsZero() {
			t.Errorf("Config%s has no key in the schema", name)
		}
	}
	walk(reflect.ValueOf(c), "")
}
