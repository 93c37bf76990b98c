package config

import (
	"strconv"
	"strings"
)

// Error is a configuration error. Its text starts with where the bad value
// came from, then names the key and what was expected:
//
//	miniweb.toml:14: limits.body_bytes: expected an integer (bytes), got string "10MB"
//	miniweb.toml:3:9: invalid TOML: expected value but found '=' instead
//	miniweb.toml: cannot read config: open miniweb.toml: no such file or directory
//	flag -static: static: folder "/srv/www" does not exist
//	environment MINIWEB_SESSION_SECRET: session.secret: expected a secret of at least 32 bytes, got 5 bytes (make a secret with: openssl rand -base64 32)
type Error struct {
	// File is the config file path as it was given (not made absolute);
	// "" when the value came from a flag or from Default.
	File string
	// Line is the 1-based line in File of the key at fault (of the error,
	// for TOML syntax errors); 0 when unknown, such as for a key the file
	// does not set.
	Line int
	// Col is the 1-based column of a TOML syntax error; 0 for all other
	// errors, which point at a whole line.
	Col int
	// Flag is the command-line flag that set the bad value, such as
	// "-addr"; "" for values from the file. When set, it is the location.
	Flag string
	// Env is the environment variable that set the bad value, such as
	// "MINIWEB_SESSION_SECRET"; "" for values from the file or a flag. When
	// set, it is the location.
	Env string
	// Key is the dotted key at fault, such as "limits.body_bytes"; "" for
	// errors about the file as a whole or the command line.
	Key string
	// Msg is the whole message after the location. It names Key when Key
	// is set and says what was expected.
	Msg string
	// Err is the underlying error (from os, the TOML parser or the flag
	// package), or nil.
	Err error
}

// Error returns "location: message", where location is "file:line",
// "file:line:col", "file", "flag -name" or "environment NAME", and is left out (with its colon)
// when nothing is known, as for a stray command-line argument.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Flag != "":
		b.WriteString("flag ")
		b.WriteString(e.Flag)
	case e.Env != "":
		b.WriteString("environment ")
		b.WriteString(e.Env)
	case e.File != "":
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Line))
			if e.Col > 0 {
				b.WriteByte(':')
				b.WriteString(strconv.Itoa(e.Col))
			}
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns Err, so errors.Is(err, fs.ErrNotExist) reports a missing
// config file.
func (e *Error) Unwrap() error { return e.Err }
