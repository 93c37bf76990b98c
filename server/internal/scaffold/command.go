package scaffold

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// usage is the command's synopsis.
const usage = `usage: go run ./server new [-dir ROOT] NAME

Writes a new site in ROOT/sites/NAME (ROOT is the module root, the folder of
go.mod and sites/; default the current folder) and registers it in
sites/sites.go. NAME is the site's package and folder: lower-case letters
a-z and digits, starting with a letter, at most 32 characters.
`

// Main is "server new": args are those after "new"; it writes what it did,
// and the next commands, to stdout, and errors to stderr, and returns the
// exit status: 0 done, 1 refused (the site exists) or failed, 2 bad usage
// (a bad name, no name, a folder that is not the module root).
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	root := fs.String("dir", ".", "the module root: the folder of go.mod and sites/")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "miniweb new: want one site name, got %d arguments\n%s", fs.NArg(), usage)
		return 2
	}
	name := fs.Arg(0)
	res, err := Create(*root, name)
	switch {
	case errors.Is(err, ErrBadName), errors.Is(err, ErrNotModule):
		fmt.Fprintf(stderr, "miniweb new: %v\n", err)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "miniweb new: %v\n", err)
		return 1
	}
	for _, f := range res.Files {
		fmt.Fprintf(stdout, "created  %s\n", f)
	}
	fmt.Fprintf(stdout, "added    %s: %s\n\n", res.Registry, res.Line)
	fmt.Fprintf(stdout, "Next:\n")
	fmt.Fprintf(stdout, "  go test ./sites/%s/          # the site's test passes as it is\n", name)
	fmt.Fprintf(stdout, "  go run ./server -site %s     # serve it: http://127.0.0.1:8080/\n", name)
	fmt.Fprintf(stdout, "Then edit sites/%s/%s.go (routes), templates/index.html, and add migrations/0002_....sql.\n", name, name)
	return 0
}
