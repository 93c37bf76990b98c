package framework

import (
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"
)

// overlay is an fs.FS of two layers: a name is looked up in upper (the
// folder on disk), then in lower (the files embedded in the binary), so
// that a file saved in the folder overrides the built-in file of the same
// name, as Gitea's custom/ folder does. A folder lists the entries of
// both, upper's winning. Only a missing name falls through: a file of
// upper that cannot be read is an error, not a reason to serve lower's.
type overlay struct{ upper, lower fs.FS }

// Open opens name in upper, or in lower when upper has no such name. A
// folder of upper lists the entries of both layers (see ReadDir).
func (o overlay) Open(name string) (fs.File, error) {
	f, err := o.upper.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return o.lower.Open(name)
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.IsDir() {
		return f, err
	}
	entries, err := o.ReadDir(name)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &overlayDir{File: f, entries: entries}, nil
}

// overlayDir is a folder of upper opened through an overlay: its entries
// are both layers'.
type overlayDir struct {
	fs.File
	entries []fs.DirEntry // not yet returned by ReadDir
}

// ReadDir returns the next n entries (all with n <= 0), as fs.ReadDirFile.
func (d *overlayDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if n <= 0 {
		out := d.entries
		d.entries = nil
		return out, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.entries))
	out := d.entries[:n:n]
	d.entries = d.entries[n:]
	return out, nil
}

// ReadFile reads name from upper, or from lower when upper has no such
// name.
func (o overlay) ReadFile(name string) ([]byte, error) {
	b, err := fs.ReadFile(o.upper, name)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	return fs.ReadFile(o.lower, name)
}

// Stat stats name in upper, or in lower when upper has no such name.
func (o overlay) Stat(name string) (fs.FileInfo, error) {
	fi, err := fs.Stat(o.upper, name)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return fi, err
	}
	return fs.Stat(o.lower, name)
}

// ReadDir lists the folder name of both layers, sorted by name; an entry
// of upper hides lower's of the same name. It is an error only when
// neither layer has the folder, or when reading one fails otherwise.
func (o overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	up, uerr := fs.ReadDir(o.upper, name)
	low, lerr := fs.ReadDir(o.lower, name)
	switch {
	case uerr != nil && !errors.Is(uerr, fs.ErrNotExist):
		return nil, uerr
	case lerr != nil && !errors.Is(lerr, fs.ErrNotExist):
		return nil, lerr
	case uerr != nil && lerr != nil:
		return nil, uerr
	}
	out := slices.Clone(up)
	for _, d := range low {
		if !slices.ContainsFunc(up, func(u fs.DirEntry) bool { return u.Name() == d.Name() }) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}
