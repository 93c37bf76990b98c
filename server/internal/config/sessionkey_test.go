package config

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestKeyFile(t *testing.T) {
	t.Parallel()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		file string // Config.File
		url  string // Config.Database.URL, as Load leaves it
		want string
	}{
		{"beside_the_sqlite_file", "/etc/miniweb/miniweb.toml", "sqlite:/var/lib/miniweb/miniweb.db", "/var/lib/miniweb/session.key"},
		{"sqlite_slashes", "/etc/miniweb/miniweb.toml", "sqlite:///var/lib/miniweb/miniweb.db", "/var/lib/miniweb/session.key"},
		{"sqlite_relative", "/srv/site/miniweb.toml", "sqlite:data/miniweb.db", "/srv/site/data/session.key"},
		{"postgres", "/srv/site/miniweb.toml", "postgres://u:p@db:5432/site", "/srv/site/data/session.key"},
		{"memory", "/srv/site/miniweb.toml", "sqlite::memory:", "/srv/site/data/session.key"},
		{"no_config_file", "", "postgres://u:p@db:5432/site", filepath.Join(wd, "data", "session.key")},
	}
	for _, tt := range tests {
		c := Default()
		c.File, c.Database.URL = tt.file, tt.url
		if got := c.KeyFile(); got != tt.want {
			t.Errorf("%s: KeyFile() = %q; want %q", tt.name, got, tt.want)
		}
	}
}

// prodConfig returns a production config with no secret whose key file is
// dir/data/session.key.
func prodConfig(dir string) Config {
	c := Default()
	c.File = filepath.Join(dir, "miniweb.toml")
	c.Database.URL = "sqlite:" + filepath.Join(dir, "data", "miniweb.db")
	return c
}

func TestUseKeyFileMakesThenReads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := prodConfig(dir)
	path := filepath.Join(dir, "data", KeyFileName)

	// -check leaves the disk alone.
	check := c
	if made, err := check.UseKeyFile(false); made || err != nil {
		t.Fatalf("UseKeyFile(false) = %v, %v", made, err)
	}
	if want := "file " + path + " (not made yet: made on the first start)"; check.Session.Source != want || len(check.Session.Secret) < MinSecretLen {
		t.Errorf("-check: Source %q, secret of %d bytes; want %q and a secret for the run", check.Session.Source, len(check.Session.Secret), want)
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Errorf("-check made %s: %v", filepath.Dir(path), err)
	}

	first := c
	made, err := first.UseKeyFile(true)
	if !made || err != nil {
		t.Fatalf("first start: UseKeyFile(true) = %v, %v; want the file made", made, err)
	}
	if first.Session.Source != "file "+path || len(first.Session.Secret) != 44 {
		t.Errorf("first start: Source %q, secret of %d bytes; want %q, 44 bytes", first.Session.Source, len(first.Session.Secret), "file "+path)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, %v; want permissions %04o", p, fi.Mode(), err, want)
		}
	}
	b, _ := os.ReadFile(path)
	if string(b) != first.Session.Secret+"\n" {
		t.Errorf("the file holds %d bytes, not the secret and a newline", len(b))
	}

	again := c
	if made, err := again.UseKeyFile(true); made || err != nil || again.Session.Secret != first.Session.Secret || again.Session.Source != first.Session.Source {
		t.Errorf("second start: made %v, err %v, same secret %v, Source %q; want the file's secret", made, err, again.Session.Secret == first.Session.Secret, again.Session.Source)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("the folder holds %d files; want the key file alone (no temporary file left)", len(entries))
	}
}

// Instances starting together on one folder end up with one secret, made
// by one of them.
func TestUseKeyFileTogether(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n = 8
	var wg sync.WaitGroup
	secrets := make([]string, n)
	mades := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := prodConfig(dir)
			mades[i], errs[i] = c.UseKeyFile(true)
			secrets[i] = c.Session.Secret
		}()
	}
	wg.Wait()
	made := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		if secrets[i] != secrets[0] {
			t.Errorf("start %d got another secret than start 0", i)
		}
		if mades[i] {
			made++
		}
	}
	if made != 1 {
		t.Errorf("%d starts made the file; want 1", made)
	}
}

func TestUseKeyFileLeavesOthersAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	configured := prodConfig(dir)
	configured.Session.Secret, configured.Session.Source = strings.Repeat("s", 32), SourceEnv
	dev := prodConfig(dir)
	dev.Dev = true
	for name, c := range map[string]*Config{"configured": &configured, "dev": &dev} {
		before := c.Session.Secret
		if made, err := c.UseKeyFile(true); made || err != nil || c.Session.Secret != before {
			t.Errorf("%s: made %v, err %v, secret changed %v; want it left alone", name, made, err, c.Session.Secret != before)
		}
	}
	if configured.Session.Source != SourceEnv || dev.Session.Source != SourcePerStart {
		t.Errorf("Source %q and %q; want %q and %q", configured.Session.Source, dev.Session.Source, SourceEnv, SourcePerStart)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("a folder was made: %v", err)
	}
}

// A key file that others may read or replace, or that is not one this
// server wrote, is refused with a message naming it and what to do; the
// file is left as it is.
func TestUseKeyFileRefuses(t *testing.T) {
	t.Parallel()
	const good = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=\n" // 32 bytes in base64
	tests := []struct {
		name    string
		content string      // the key file's
		perm    os.FileMode // its permissions
		dirPerm os.FileMode // its folder's
		want    string      // the whole error; @ stands for the file, # for its folder
	}{
		{"readable", good, 0o644, 0o700,
			"@: the session key file has permissions 0644, which let other users read the secret; expected 0600: run chmod 600 @, or remove the file if others may have read it (a new secret is made on the next start, signing everyone out)"},
		{"group_readable", good, 0o640, 0o700,
			"@: the session key file has permissions 0640, which let other users read the secret; expected 0600: run chmod 600 @, or remove the file if others may have read it (a new secret is made on the next start, signing everyone out)"},
		{"folder_writable", good, 0o600, 0o777,
			"#: the session key file's folder has permissions 0777, which let other users replace the secret; expected 0700: run chmod 700 #"},
		{"short", "hunter2\n", 0o600, 0o700,
			"@: the session key file holds 8 bytes; expected 45, one line of 32 random bytes in base64 as this server writes it (openssl rand -base64 32): remove it, and a new one is made on the next start (signing everyone out), or set MINIWEB_SESSION_SECRET"},
		{"empty", "", 0o600, 0o700,
			"@: the session key file holds 0 bytes; expected 45, one line of 32 random bytes in base64 as this server writes it (openssl rand -base64 32): remove it, and a new one is made on the next start (signing everyone out), or set MINIWEB_SESSION_SECRET"},
		{"two_lines", good + good, 0o600, 0o700,
			"@: the session key file holds 90 bytes; expected 45, one line of 32 random bytes in base64 as this server writes it (openssl rand -base64 32): remove it, and a new one is made on the next start (signing everyone out), or set MINIWEB_SESSION_SECRET"},
		{"not_base64", strings.Repeat("!", 44) + "\n", 0o600, 0o700,
			"@: the session key file holds 45 bytes; expected 45, one line of 32 random bytes in base64 as this server writes it (openssl rand -base64 32): remove it, and a new one is made on the next start (signing everyone out), or set MINIWEB_SESSION_SECRET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			path := filepath.Join(data, KeyFileName)
			if err := os.Mkdir(data, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.perm); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(data, tt.dirPerm); err != nil {
				t.Fatal(err)
			}
			for _, write := range []bool{false, true} { // -check and a start alike
				c := prodConfig(dir)
				made, err := c.UseKeyFile(write)
				want := strings.NewReplacer("@", path, "#", data).Replace(tt.want)
				if made || err == nil || err.Error() != want {
					t.Errorf("UseKeyFile(%v) = %v, %v; want the error\n\t%s", write, made, err, want)
				}
				if err != nil && strings.Contains(err.Error(), strings.TrimSpace(good)) {
					t.Errorf("the error shows the secret")
				}
			}
			if b, _ := os.ReadFile(path); string(b) != tt.content {
				t.Errorf("the file was changed")
			}
		})
	}
}
