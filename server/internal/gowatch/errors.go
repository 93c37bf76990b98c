package gowatch

import (
	"bufio"
	"regexp"
	"strconv"
	"strings"
)

// Error is one compiler error of a failed build.
type Error struct {
	// File is the file as go build names it, relative to the folder it
	// ran in ("server/main.go"); "" for an error of no file ("go: ...").
	File string
	// Line and Col are 1-based; 0 when go build gives none.
	Line, Col int
	// Msg is the message, with the indented lines that follow it
	// ("\thave (int)\n\twant (string)") joined by newlines.
	Msg string
	// Source is the line as written in File, "" when unknown (Build fills
	// it; ParseErrors cannot).
	Source string
}

// String returns "file:line:col: msg", or less when fields are unknown.
func (e Error) String() string {
	switch {
	case e.File == "":
		return e.Msg
	case e.Line == 0:
		return e.File + ": " + e.Msg
	case e.Col == 0:
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col) + ": " + e.Msg
}

// position matches the start of a compiler error, "server/main.go:12:2: msg"
// or "./x.go:3: msg": the file is the shortest prefix ending in ".go" that
// a line number follows (a Windows path's "C:" is no line number).
var position = regexp.MustCompile(`^(.+?\.go):(\d+)(?::(\d+))?: ?(.*)$`)

// ParseErrors parses the output of a failed go build into its errors:
//
//	# miniweb/server
//	server/main.go:12:2: undefined: foo
//	server/x.go:7:9: cannot use s (variable of type string) as int value in return statement
//	server/y.go:3:5: too many arguments in call to f
//		have (int, int)
//		want (int)
//
// Package headers ("# pkg") are skipped; an indented line continues the
// error before it; any other line ("go: updates to go.mod needed") is an
// error of no file. Output with no error line at all (a crash of the
// tool) gives one Error holding all of it, so a failed build always has
// one; empty output gives none.
func ParseErrors(out string) []Error {
	var errs []Error
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.TrimSpace(line) == "", strings.HasPrefix(line, "# "):
			continue
		case (line[0] == '\t' || line[0] == ' ') && len(errs) > 0:
			errs[len(errs)-1].Msg += "\n" + line
			continue
		}
		if m := position.FindStringSubmatch(line); m != nil {
			e := Error{File: m[1], Msg: m[4]}
			e.Line, _ = strconv.Atoi(m[2])
			e.Col, _ = strconv.Atoi(m[3]) // 0 when absent
			errs = append(errs, e)
			continue
		}
		errs = append(errs, Error{Msg: strings.TrimSpace(line)})
	}
	if len(errs) == 0 && strings.TrimSpace(out) != "" {
		errs = append(errs, Error{Msg: strings.TrimSpace(out)})
	}
	return errs
}
