package config

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A production start with no session secret configured keeps its own in
// a key file, made on the first start, so that a restart does not sign
// everyone out:
//
//	/srv/miniweb/data/session.key    beside the SQLite database (0600, in a 0700 folder)
//
// The file holds one line, `openssl rand -base64 32`'s form: the same text
// given to the other instances as MINIWEB_SESSION_SECRET gives them the
// same secret. A file others could read, or not of that form, is refused
// rather than replaced: replacing it would sign everyone out, and a
// secret others have read is no secret.

// KeyFileName is the name of the session key file, in the folder of the
// SQLite database (data/ beside the config file by default).
const KeyFileName = "session.key"

// keyBytes is the number of random bytes in a key file; its line is their
// standard base64, 44 characters, then a newline.
const keyBytes = 32

// The sources of the session secret, for Session.Source.
const (
	// SourceEnv: the environment variable MINIWEB_SESSION_SECRET.
	SourceEnv = "environment " + EnvSessionSecret
	// SourceConfig is followed by the config file's path: "config
	// /etc/miniweb/miniweb.toml".
	SourceConfig = "config"
	// SourceFile is followed by the key file's path: "file
	// /var/lib/miniweb/session.key".
	SourceFile = "file"
	// SourcePerStart: none configured in dev mode; the site makes one per
	// start, and sessions end at every restart.
	SourcePerStart = "none (dev: a new one per start)"
)

// KeyFile returns where a production start with no session secret keeps
// its own (see UseKeyFile): session.key beside the SQLite database
// (data/session.key beside the config file by default, or in the current
// folder with no config file), or data/session.key beside the config file
// for PostgreSQL. It is absolute when the working folder is known.
func (c Config) KeyFile() string {
	base := "."
	if c.File != "" {
		base = filepath.Dir(c.File)
	}
	if abs, err := filepath.Abs(base); err == nil {
		base = abs
	}
	if scheme, p, ok := strings.Cut(c.Database.URL, ":"); ok && strings.EqualFold(scheme, "sqlite") {
		p = strings.TrimPrefix(p, "//") // sqlite:///abs/path, as database.Open reads it
		if p != "" && p != ":memory:" {
			if !filepath.IsAbs(p) {
				p = filepath.Join(base, p)
			}
			return filepath.Join(filepath.Dir(p), KeyFileName)
		}
	}
	return filepath.Join(base, "data", KeyFileName)
}

// UseKeyFile gives a production config with no session secret the one
// kept in its KeyFile, and says so in Session.Source ("file PATH").
// When the file does not exist, write says whether to make it (its folder
// too, 0700): true for a start, false for server -check, which leaves the
// disk alone and gives the config a secret for this run only, with
// Session.Source saying the file is made on the first start. made
// reports that the file was made. A config with a secret keeps it, and a dev config with none gets Source SourcePerStart.
//
// A file or folder others may write to, a file others may read, and a
// file that is not one base64 line of 32 bytes are errors (*Error) naming
// the file and what to do; no error shows the secret.
func (c *Config) UseKeyFile(write bool) (made bool, err error) {
	switch {
	case c.Session.Secret != "":
		return false, nil
	case c.Dev:
		c.Session.Source = SourcePerStart
		return false, nil
	}
	path := c.KeyFile()
	secret, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !write {
			if secret, err = newKey(); err != nil {
				return false, &Error{File: path, Msg: err.Error(), Err: err}
			}
			c.Session.Secret = secret
			c.Session.Source = SourceFile + " " + path + " (not made yet: made on the first start)"
			return false, nil
		}
		secret, made, err = makeKeyFile(path)
	}
	if err != nil {
		return false, err
	}
	c.Session.Secret = secret
	c.Session.Source = SourceFile + " " + path
	return made, nil
}

// readKeyFile returns the secret of the key file at path, checking its
// permissions, its folder's and its form. A missing file is an error
// satisfying errors.Is(err, fs.ErrNotExist).
func readKeyFile(path string) (string, error) {
	fail := func(format string, args ...any) error {
		return &Error{File: path, Msg: fmt.Sprintf(format, args...)}
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", &Error{File: path, Msg: "cannot read the session key file: " + err.Error(), Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", &Error{File: path, Msg: "cannot read the session key file: " + err.Error(), Err: err}
	}
	if !fi.Mode().IsRegular() {
		return "", fail("the session key file is not a regular file: remove it, and a new one is made on the next start (signing everyone out), or set %s", EnvSessionSecret)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fail("the session key file has permissions %04o, which let other users read the secret; expected 0600: run chmod 600 %s, or remove the file if others may have read it (a new secret is made on the next start, signing everyone out)", perm, path)
	}
	if err := checkKeyFolder(filepath.Dir(path)); err != nil {
		return "", err
	}
	b := make([]byte, 2*keyLine)
	n, _ := f.Read(b)
	b = b[:n]
	line := bytes.TrimSuffix(b, []byte("\n"))
	raw, err := base64.StdEncoding.DecodeString(string(line))
	if len(b) != keyLine || err != nil || len(raw) != keyBytes {
		return "", fail("the session key file holds %d bytes; expected %d, one line of %d random bytes in base64 as this server writes it (openssl rand -base64 %d): remove it, and a new one is made on the next start (signing everyone out), or set %s",
			fi.Size(), keyLine, keyBytes, keyBytes, EnvSessionSecret)
	}
	return string(line), nil
}

// keyLine is the size of a key file: 44 base64 characters and a newline.
var keyLine = base64.StdEncoding.EncodedLen(keyBytes) + 1

// checkKeyFolder refuses a key file's folder that others may write to:
// they could put their own secret in place.
func checkKeyFolder(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return &Error{File: dir, Msg: "cannot read the session key file's folder: " + err.Error(), Err: err}
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return &Error{File: dir, Msg: fmt.Sprintf("the session key file's folder has permissions %04o, which let other users replace the secret; expected 0700: run chmod 700 %s", perm, dir)}
	}
	return nil
}

// newKey returns a new secret in the key file's form, without its newline.
func newKey() (string, error) {
	var b [keyBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("cannot make a session secret: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b[:]), nil
}

// makeKeyFile makes the key file at path with a new secret, 0600, its
// folder 0700 when missing, and returns the secret. The file appears
// whole or not at all (written aside, then linked in place), so that
// instances starting together on one folder agree: when another made it
// first, its secret is returned and made is false.
func makeKeyFile(path string) (secret string, made bool, err error) {
	fail := func(err error) (string, bool, error) {
		return "", false, &Error{File: path, Msg: "cannot make the session key file: " + err.Error() + "; or set " + EnvSessionSecret, Err: err}
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	if err := checkKeyFolder(dir); err != nil {
		return "", false, err
	}
	if secret, err = newKey(); err != nil {
		return fail(err)
	}
	tmp, err := os.CreateTemp(dir, "."+KeyFileName+".*") // 0600
	if err != nil {
		return fail(err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(secret + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			secret, err := readKeyFile(path)
			return secret, false, err
		}
		return fail(err)
	}
	return secret, true, nil
}
