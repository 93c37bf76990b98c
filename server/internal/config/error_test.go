package config

import (
	"errors"
	"io/fs"
	"os"
	"testing"
)

func mkdir(dir string) error { return os.Mkdir(dir, 0o755) }

func TestErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "m.toml", Line: 14, Key: "k", Msg: "k: bad"}, "m.toml:14: k: bad"},
		{Error{File: "m.toml", Line: 3, Col: 9, Msg: "invalid TOML: x"}, "m.toml:3:9: invalid TOML: x"},
		{Error{File: "m.toml", Col: 9, Msg: "no line, so no column"}, "m.toml: no line, so no column"},
		{Error{File: "m.toml", Msg: "cannot read config"}, "m.toml: cannot read config"},
		{Error{File: "m.toml", Line: 2, Flag: "-addr", Msg: "addr: bad"}, "flag -addr: addr: bad"}, // the flag wins
		// So does the environment variable.
		{Error{File: "m.toml", Line: 2, Env: "MINIWEB_SESSION_SECRET", Msg: "session.secret: bad"}, "environment MINIWEB_SESSION_SECRET: session.secret: bad"},
		{Error{Msg: "unexpected argument"}, "unexpected argument"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v.Error() = %q, want %q", tt.e, got, tt.want)
		}
	}
	var err error = &Error{File: "m.toml", Err: fs.ErrNotExist}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("errors.Is does not see through Error.Err")
	}
}
