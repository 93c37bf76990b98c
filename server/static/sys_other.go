//go:build !linux

package static

import (
	"io/fs"
	"os"
)

// identityOf returns what tells one version of a file from another; off
// Linux we use the portable part of the file info only.
func identityOf(fi fs.FileInfo) fileID {
	return fileID{size: fi.Size(), mtime: fi.ModTime().UnixNano(), mode: fi.Mode()}
}

// realPathOf returns the real path of f by resolving its name again with
// fallback (filepath.EvalSymlinks); os.Root has already kept the open
// inside the root, this only enforces the dotfile rule on symlink targets.
func realPathOf(f *os.File, fallback func() (string, error)) (string, error) {
	return fallback()
}

// openFlags are the flags files are opened with.
const openFlags = os.O_RDONLY
