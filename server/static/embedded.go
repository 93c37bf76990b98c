package static

import (
	"errors"
	"io/fs"
	"path"
	"strconv"

	"github.com/miniweb/miniweb/server/gateway/fingerprint"
)

// Embedded files
//
// A Handler made with NewOverlay looks a name up in its embedded fs.FS
// when its folder has no such file (or when it has no folder). The rules of
// the folder hold: a folder path serves its index.html, one without its
// trailing slash is a 301, only regular files are served. An embedded file
// is read whole into its cache entry and written from memory (there is no
// descriptor to send with sendfile); a large one is cached like a small
// one, within the cache's byte bound. embed.FS has no modification times,
// so an embedded file's ETag is made from its content, `"e-<fingerprint>-<hex
// size>"`, and its Last-Modified is when the handler was made.
//
// An embedded entry is checked against the folder as a file's entry is
// against the disk (once per cache window): when a file of that name
// appears in the folder, the entry is dropped, and the folder's file is
// served from then on. A precompressed sibling is used only from the same
// layer as its file (encoded.go).

// loadEmbedded is loadWith for a name the folder lacks: it looks name up
// in h.embedded, builds its entry with mk and caches it under key; or
// returns a status: 301 for a folder without its trailing slash, 404, or
// 500 with the error.
func (h *Handler) loadEmbedded(key, name string, dir bool, mk func(key, name string, fi fs.FileInfo) *entry) (*entry, *fileRef, int, error) {
	if h.embedded == nil {
		return nil, nil, 404, nil
	}
	target := name
	if target == "" {
		target = "."
	}
	fi, err := fs.Stat(h.embedded, target)
	if err != nil {
		return embeddedStatus(err)
	}
	if fi.IsDir() {
		if !dir {
			return nil, nil, 301, nil
		}
		name = path.Join(name, "index.html")
		if fi, err = fs.Stat(h.embedded, name); err != nil {
			return embeddedStatus(err)
		}
	} else if dir {
		return nil, nil, 404, nil
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, 404, nil
	}
	body, err := fs.ReadFile(h.embedded, name)
	if err != nil {
		return embeddedStatus(err)
	}
	if body == nil {
		body = []byte{} // an empty file still has its content in memory
	}
	e := mk(key, name, embeddedInfo{fi, int64(len(body))})
	e.embedded = true
	e.id = fileID{size: e.size}
	e.body = body
	sum := fingerprint.Sum(body)
	e.sum.Store(&sum)
	e.etag = `"e-` + sum + "-" + strconv.FormatInt(e.size, 16) + `"`
	if e.encoding != "" { // a precompressed sibling (encoded.go): its own tag
		e.etag = `"e-` + sum + "-" + strconv.FormatInt(e.size, 16) + "-" + e.encoding + `"`
	}
	mt := h.epoch.Truncate(1e9)
	e.lmSec = mt.Unix()
	e.lastModified = mt.UTC().Format(timeFormat)
	e.checked.Store(h.now())
	h.cache.put(e)
	return e, nil, 0, nil
}

// embeddedStatus maps an error of the embedded fs.FS to a status: 404 for
// a missing file or an invalid name, else 500 with the error.
func embeddedStatus(err error) (*entry, *fileRef, int, error) {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
		return nil, nil, 404, nil
	}
	return nil, nil, 500, err
}

// embeddedInfo is an embedded file's FileInfo with the size of the
// content read, should they differ.
type embeddedInfo struct {
	fs.FileInfo
	size int64
}

func (fi embeddedInfo) Size() int64 { return fi.size }

// onDisk reports whether the folder (if any) has a file or folder called
// name, root-relative, which would override the embedded one.
func (h *Handler) onDisk(name string) bool {
	if h.root == nil {
		return false
	}
	_, err := h.root.Stat(name)
	return !errors.Is(err, fs.ErrNotExist)
}
