package supervise

import (
	"strings"

	"github.com/miniweb/miniweb/server/internal/gowatch"
)

// envChild marks a child of Run; its control pipe is fd handoff.ExtraFD.
const envChild = "MINIWEB_SUPERVISED"

// message is one line of a control pipe, JSON, supervisor to child:
//
//	{"error":{"file":"server/x.go","line":3,"col":9,"msg":"undefined: y","source":"\ty()"}}
//	{"handoff":true}
//
// The end of the pipe tells the child to stop: after a hand-off message,
// because a new child serves; without one, because the session ends.
type message struct {
	Error   *shown `json:"error,omitempty"`
	Handoff bool   `json:"handoff,omitempty"`
}

// shown is a build error to show on the pages; File is "" for an error of
// no place (a build that did not start).
type shown struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Col    int    `json:"col,omitempty"`
	Msg    string `json:"msg"`
	Source string `json:"source,omitempty"`
}

// buildError is what the pages show of a failed build: its first error,
// with the others in the message.
func buildError(errs []gowatch.Error) *shown {
	first := errs[0]
	return &shown{File: first.File, Line: first.Line, Col: first.Col, Msg: buildMessage(errs), Source: first.Source}
}

// buildMessage is the overlay's message for a failed build: the first
// error's, then the others, one a line with its place.
func buildMessage(errs []gowatch.Error) string {
	var b strings.Builder
	b.WriteString(errs[0].Msg)
	if len(errs) > 1 {
		b.WriteString("\n\nand:")
		for _, e := range errs[1:] {
			b.WriteString("\n" + e.String())
		}
	}
	return b.String()
}
