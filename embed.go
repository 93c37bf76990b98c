// Package miniweb carries the demo site's templates and static files
// inside the binary, so that the server alone, copied into an empty
// folder, serves the whole demo site. They are the top-level templates/
// and static/ folders, which the demo's registry entry (package sites)
// names as its own; every other site embeds its own, in its package under
// sites/. The server serves a folder on disk over these files: a file of
// the folder overrides the embedded file of the same name (as Gitea's
// custom/ folder does), so an operator can change one template without
// rebuilding, and a checkout in dev mode edits the disk, which wins.
package miniweb

import (
	"embed"
	"io/fs"
)

//go:embed templates static
var files embed.FS

// Templates holds the files of the templates folder, "base.html" at its
// root.
var Templates = sub("templates")

// Static holds the files of the static folder, "style.css" at its root.
var Static = sub("static")

// sub returns the folder dir of files.
func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic("miniweb: embedded " + dir + ": " + err.Error())
	}
	return f
}
