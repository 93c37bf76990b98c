package main

import (
	"os"
	"path/filepath"
)

// Each site carries its templates and static files in the binary (its
// package embeds them; the demo's are the top-level folders, package
// miniweb at the module root). Each is served under a folder on disk: the
// site's own (sites/NAME/templates and sites/NAME/static beside the
// config file; templates and static for the demo), or the config's
// templates and static keys. A file of the folder overrides the embedded
// one, and a folder that does not exist leaves the embedded files alone,
// so the binary by itself in an empty folder serves the whole site.

// diskFolder returns dir when it is an existing folder, else "" (the
// embedded files alone).
func diskFolder(dir string) string {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return ""
	}
	return dir
}

// origin says where the files of one part (key "static" or "templates")
// come from, for -check: the folder dir, given by the key (named) or the
// site's own, over the site's embedded files (embedded) or none:
//
//	disk /srv/site/static over embedded, the site's own folder over its embedded files
//	embedded (no folder /srv/site/static): the site's embedded files; that folder is the site's own
//	disk /srv/www (key static), no embedded files
func origin(dir, key string, named, embedded bool) string {
	whose, own := "the site's own folder", "the site's own"
	if named {
		whose, own = "the folder of key "+key, "key "+key+"'s"
	}
	switch {
	case diskFolder(dir) == "" && !embedded:
		return "none (no folder " + dir + ", " + whose + "; the site embeds no " + key + ")"
	case diskFolder(dir) == "":
		return "embedded (no folder " + dir + "): the site's embedded files; that folder is " + own
	case !embedded:
		return "disk " + dir + " (" + whose + "); the site embeds no " + key
	}
	return "disk " + dir + " over embedded: " + whose + " over the site's embedded files"
}

// configDir returns the folder of the config file, which the site's own
// folders are relative to: the current folder when there is no file.
func configDir(file string) string {
	if file == "" {
		return "."
	}
	return filepath.Dir(file)
}

// configName names the config for messages: its file, or "built-in
// defaults" when there was no miniweb.toml.
func configName(file string) string {
	if file == "" {
		return "built-in defaults (no miniweb.toml)"
	}
	return file
}
