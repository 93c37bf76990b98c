package livereload

import (
	"path"
	"strings"
)

// A kind is what a changed file asks of the open pages.
type kind int

const (
	kindIgnored  kind = iota // an editor's temporary file, a hidden file: nothing
	kindTemplate             // a file of the templates folder: check, then reload
	kindStyle                // a stylesheet of the static folder: swap it in place
	kindImage                // an image of the static folder: refresh it
	kindOther                // any other static file (a script, a page): reload
)

// imageExts are the extensions of the static files refreshed in place as
// images.
var imageExts = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".svg": true,
	".webp": true, ".avif": true, ".ico": true, ".bmp": true,
}

// ignored reports whether the file called name (a base name, no folder) is
// one that editors and tools write beside the files they save, or a hidden
// file, whose changes mean nothing for the pages:
//
//	.page.html.swp  .page.html.swx  page.html.swo   vim's swap files
//	4913                                             vim's test of the folder
//	page.html~                                       vim's and emacs's backups
//	.#page.html  #page.html#                         emacs's lock and auto-save
//	page.html.tmp  page.html___jb_tmp___             atomic saves (JetBrains: ___jb_old___ too)
//	.hidden                                          dot files (.DS_Store, .goutputstream-X)
//
// Hidden files are not templates either (the framework skips them).
func ignored(name string) bool {
	switch {
	case name == "" || name == "4913":
		return true
	case strings.HasPrefix(name, "."), strings.HasSuffix(name, "~"):
		return true
	case strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"):
		return true
	}
	switch path.Ext(name) {
	case ".swp", ".swx", ".swo", ".tmp":
		return true
	}
	return strings.HasSuffix(name, "___jb_tmp___") || strings.HasSuffix(name, "___jb_old___")
}

// classify returns the kind of the file rel (slash-separated, relative to
// its root folder) of a templates folder, or of the static folder when
// static is true. A file inside a hidden folder is ignored.
func classify(rel string, static bool) kind {
	for _, part := range strings.Split(rel, "/") {
		if ignored(part) {
			return kindIgnored
		}
	}
	if !static {
		return kindTemplate
	}
	ext := strings.ToLower(path.Ext(rel))
	switch {
	case ext == ".css":
		return kindStyle
	case imageExts[ext]:
		return kindImage
	}
	return kindOther
}
