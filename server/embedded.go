package main

import (
	"os"
)

// The binary carries the default site's templates and static files
// (package miniweb, embed.go at the module root). Each folder of the
// config is served over them: a file of the folder overrides the embedded
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

// origin says where the files of the folder dir come from, for -check:
// "disk /srv/site/static over embedded", or "embedded (no folder
// /srv/site/static)".
func origin(dir string) string {
	if diskFolder(dir) == "" {
		return "embedded (no folder " + dir + ")"
	}
	return "disk " + dir + " over embedded"
}

// configName names the config for messages: its file, or "built-in
// defaults" when there was no miniweb.toml.
func configName(file string) string {
	if file == "" {
		return "built-in defaults (no miniweb.toml)"
	}
	return file
}
