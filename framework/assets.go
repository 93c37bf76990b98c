package framework

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/miniweb/miniweb/server/gateway/fingerprint"
)

// Fingerprinted static URLs
//
// Every template sees a function static (unless Options.Globals has its
// own) that turns the name of a file of the static folder into its
// fingerprinted URL, which the server's static handler serves as immutable
// (package miniweb/server/gateway/fingerprint has the naming rule both
// sides share):
//
//	<link rel="stylesheet" href="{{ static("style.css") }}">  ->  href="/style.3f9a1c2e0b4d.css"
//
// The file is looked up as the server does: in the static folder
// (Options.Static) first, then in Options.StaticFS (the embedded files).
// Its fingerprint is computed once per version, kept by name with the
// file's identity (device, inode, size and modification time), and an
// embedded file's once for the life of the App. In dev mode every call stats the file, so a saved
// stylesheet has its new URL on the next render; otherwise a fingerprint
// is trusted for assetWindow before a stat checks it again, the same
// second the static handler trusts its cache, so the URL a page names and
// the bytes the handler serves agree within it. A name that no layer
// holds, that leaves the folder or that is hidden is an error of the
// render (a broken page in dev, a 500 otherwise), as a link that can only
// 404 is a bug to see, not a page to ship. An App with neither Static nor
// StaticFS (a test of templates alone, say) gets the plain URL, "/style.css".

// assetWindow is how long a fingerprint is trusted without a stat outside
// dev mode.
const assetWindow = time.Second

// assets computes and caches the fingerprinted URLs of the static files.
type assets struct {
	root     *os.Root // the static folder; nil when none or it does not exist
	embedded fs.FS    // the embedded static files; nil for none
	window   time.Duration

	mu sync.Mutex
	m  map[string]assetSum // by name, "css/site.css"
}

// assetSum is the fingerprint of one version of a file.
type assetSum struct {
	url      string      // "/css/site.3f9a1c2e0b4d.css"
	embedded bool        // from the embedded files
	file     fs.FileInfo // the folder's file when it was summed (nil for an embedded file)
	checked  time.Time   // when the file was last found so
}

// newAssets returns the assets of the folder dir ("" for none; a missing
// folder counts as none) over embedded (nil for none).
func newAssets(dir string, embedded fs.FS, dev bool) (*assets, error) {
	a := &assets{embedded: embedded, window: assetWindow, m: map[string]assetSum{}}
	if dev {
		a.window = 0
	}
	if dir != "" {
		root, err := os.OpenRoot(dir)
		switch {
		case err == nil:
			a.root = root
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("framework: static folder: %w", err)
		}
	}
	return a, nil
}

// close releases the folder.
func (a *assets) close() error {
	if a.root == nil {
		return nil
	}
	return a.root.Close()
}

// url returns the fingerprinted URL of the static file name ("style.css"
// or "/style.css"): "/style.3f9a1c2e0b4d.css". It is the templates'
// static function.
func (a *assets) url(name string) (string, error) {
	clean := strings.TrimPrefix(name, "/")
	if !fs.ValidPath(clean) || clean == "." || strings.Contains(clean, "\\") || hiddenName(clean) {
		return "", fmt.Errorf("framework: static %q: not the name of a file in the static folder", name)
	}
	if a.root == nil && a.embedded == nil {
		return "/" + clean, nil // nothing to fingerprint: the plain URL, which always works
	}
	a.mu.Lock()
	c, ok := a.m[clean]
	a.mu.Unlock()
	now := time.Now()
	if ok && (c.embedded && a.root == nil || now.Sub(c.checked) < a.window) {
		return c.url, nil
	}
	c, err := a.sum(clean, c, ok)
	if err != nil {
		return "", fmt.Errorf("framework: static %q: %w", name, err)
	}
	c.checked = now
	a.mu.Lock()
	a.m[clean] = c
	a.mu.Unlock()
	return c.url, nil
}

// sum returns the fingerprint of the current version of name: old when
// it is still that version (known says old is set), else computed anew.
func (a *assets) sum(name string, old assetSum, known bool) (assetSum, error) {
	if a.root != nil {
		fi, err := a.root.Stat(name)
		switch {
		case err == nil && !fi.Mode().IsRegular():
			return assetSum{}, errors.New("not a regular file")
		case err == nil:
			if known && old.file != nil && sameVersion(old.file, fi) {
				return old, nil
			}
			f, err := a.root.Open(name)
			if err != nil {
				return assetSum{}, err
			}
			defer f.Close()
			s, err := fingerprint.SumReader(f)
			if err != nil {
				return assetSum{}, err
			}
			return assetSum{url: "/" + fingerprint.Format(name, s), file: fi}, nil
		case !errors.Is(err, fs.ErrNotExist):
			return assetSum{}, err
		}
	}
	if a.embedded == nil {
		return assetSum{}, errors.New("no such file in the static folder")
	}
	if known && old.embedded {
		return old, nil
	}
	b, err := fs.ReadFile(a.embedded, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return assetSum{}, errors.New("no such file in the static folder or the embedded files")
		}
		return assetSum{}, err
	}
	return assetSum{url: "/" + fingerprint.Format(name, fingerprint.Sum(b)), embedded: true}, nil
}

// sameVersion reports whether two stats of a file found the same version
// of it: the same file (device and inode), size and modification time. Two
// saves a few milliseconds apart can share a size and a modification time
// (the kernel's clock for file times is coarse), but an editor that saves
// by renaming a new file over the old one gives each a new inode, as
// `liveSave` in the live-reload browser test does.
func sameVersion(a, b fs.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// hiddenName reports whether a segment of the slash-separated name starts
// with '.': the static handler never serves such a file.
func hiddenName(name string) bool {
	for seg := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}
