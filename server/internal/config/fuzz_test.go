package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// FuzzLoad feeds arbitrary files to Load. Oracle: Load never panics; it
// either fails with an *Error whose text starts with the file's path, or
// returns a Config that passes Validate and that survives a round trip:
// written back as TOML (encode) and loaded again, it is the same Config.
func FuzzLoad(f *testing.F) {
	seeds, err := filepath.Glob("testdata/*.toml")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range append(seeds, shipped) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("static = \".\"\ntimeouts.idle = \"1h2m3.5s\"\n[limits]\nmax_conns = 3\n"))
	f.Add([]byte("server_header = \"a\\u00e9 \\\"q\\\"\"\nsite = '_'\n"))

	dir := f.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "static"), 0o755); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "fuzz.toml")
	again := filepath.Join(dir, "again.toml")

	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if !strings.HasPrefix(err.Error(), path) {
				t.Fatalf("error does not start with %s: %v", path, err)
			}
			if !reflect.DeepEqual(c, Config{}) {
				t.Fatalf("Load returned %+v with its error", c)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Load returned a Config that Validate rejects: %v\n%+v", err, c)
		}
		if err := os.WriteFile(again, encode(t, c), 0o644); err != nil {
			t.Fatal(err)
		}
		c2, err := Load(again)
		if err != nil {
			t.Fatalf("round trip: %v\n%s", err, encode(t, c))
		}
		c2.File = c.File
		// Where the secret came from names the file too ("config PATH").
		c2.Session.Source = strings.Replace(c2.Session.Source, again, path, 1)
		if !reflect.DeepEqual(c2, c) {
			t.Fatalf("round trip changed the Config\nfirst  %+v\nsecond %+v", c, c2)
		}
	})
}

// encode writes c as a miniweb.toml that sets every key.
func encode(t *testing.T, c Config) []byte {
	t.Helper()
	doc := make(map[string]any)
	for _, f := range fields {
		var v any
		switch p := f.ptr(&c).(type) {
		case *string:
			v = *p
		case *[]string:
			v = append([]string{}, *p...) // the encoder writes nil as nothing
		case *bool:
			v = *p
		case *int:
			v = int64(*p)
		case *int64:
			v = *p
		case *time.Duration:
			v = p.String()
		}
		if table, key, ok := strings.Cut(f.key, "."); ok {
			m, _ := doc[table].(map[string]any)
			if m == nil {
				m = make(map[string]any)
				doc[table] = m
			}
			m[key] = v
		} else {
			doc[f.key] = v
		}
	}
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(doc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
