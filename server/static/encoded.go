package static

import (
	"io/fs"
	"sync"
	"sync/atomic"

	"github.com/miniweb/miniweb/server/compress"
)

// Coded variants of a file
//
// With compression on (SetCompression), a GET or HEAD of a compressible
// file (compress.Compressible: CSS, JavaScript, HTML, SVG, JSON, ...) from
// a client whose Accept-Encoding takes zstd or gzip gets a coded variant,
// found in this order:
//
//  1. A precompressed sibling beside the file, "style.css.zst" or
//     "style.css.gz" (as nginx's gzip_static and Caddy's precompressed):
//     the client's favourite among the siblings it accepts. A sibling
//     older than the file is stale and ignored ("gzip -k" keeps the
//     file's time, which counts as not older). It is an entry of the
//     cache like any file, under the key "zstd:/style.css": small ones are
//     held in memory, larger ones go out with sendfile, descriptors reused.
//     Whether a sibling is missing is remembered for the cache window.
//  2. Else, for a file of MinBytes to StaticMaxBytes, the file coded on
//     the fly at the levels below, and kept in a cache of coded bodies
//     bounded by StaticCacheBytes (random eviction, as the file cache),
//     keyed by file name, modification time, size and coding: the next
//     request costs no coding, and an edited file is coded anew.
//
// A variant has the file's Content-Type, Content-Encoding, its own strong
// ETag (the sibling's own with "-gzip" or "-zstd" inside the quotes, or
// the file's with it for a file coded on the fly), its own length, and is
// tested against the conditional fields like the file. Every response for
// a compressible file, coded or not (304 and 206 too), has
// "Vary: Accept-Encoding". A request with a Range gets the file itself:
// ranges of the coded bytes are a representation few clients ask for, and
// serving the plain file is the simplest correct answer.

// staticLevels are the levels of files coded on the fly. A file is coded
// once per version and then served from memory many times, so it pays to
// code harder than a page coded per response: on the demo's stylesheet
// (BenchmarkLevels in package compress), gzip 9 and zstd 7 give 4% less
// than the defaults 5 and 3, for some 40 µs once. zstd's best level (10
// and up) would gain little more for an encoder of 37 MB.
var staticLevels = compress.Options{GzipLevel: 9, ZstdLevel: 7}

// compression is the compression in force in a Handler.
type compression struct {
	o     compress.Options // with its defaults
	coded *codedCache
}

// SetCompression turns compression on with the options o, or off when o is
// nil; see the package documentation. It returns o.Check's error, and then
// changes nothing. It may be called while the handler serves.
func (h *Handler) SetCompression(o *compress.Options) error {
	if o == nil {
		h.comp.Store(nil)
		return nil
	}
	if err := o.Check(); err != nil {
		return err
	}
	d := o.WithDefaults()
	h.comp.Store(&compression{o: d, coded: newCodedCache(d.StaticCacheBytes)})
	return nil
}

// addVary adds "Vary: Accept-Encoding" to the response for e when its
// representation depends on Accept-Encoding.
func (h *Handler) addVary(w Response, e *entry) {
	if e.compressible && h.comp.Load() != nil {
		w.AddHeader("Vary", "Accept-Encoding")
	}
}

// siblings are the codings of precompressed siblings, in the order of
// variants' arrays.
var siblings = [2]compress.Encoding{compress.Zstd, compress.Gzip}

// variants is where a compressible file's precompressed siblings are.
type variants struct {
	key     [2]string       // their cache keys: "zstd:/style.css", "gzip:/style.css"
	name    [2]string       // their root-relative names: "style.css.zst", "style.css.gz"
	missing [2]atomic.Int64 // handler clock + 1 when last found missing, 0 if not
}

// newVariants returns the variants of the file name found under key.
func newVariants(key, name string) *variants {
	return &variants{
		key:  [2]string{"zstd:" + key, "gzip:" + key},
		name: [2]string{name + ".zst", name + ".gz"},
	}
}

// representation returns what to send for a request r of the file e: e
// itself or a coded variant. ref is e's open descriptor if the caller has
// one; the returned ref goes with the returned entry (ref is released when
// a variant is chosen).
func (h *Handler) representation(r *Request, e *entry, ref *fileRef) (*entry, *fileRef) {
	c := h.comp.Load()
	if c == nil || !e.compressible || e.vars == nil || r.AcceptEncoding == "" || r.Range != "" {
		return e, ref
	}
	a := compress.ParseAccept(r.AcceptEncoding)
	var (
		offer compress.Offer
		found [2]*entry
		refs  [2]*fileRef
	)
	for i, enc := range siblings {
		if a.Weight(enc) > 0 {
			found[i], refs[i] = h.sibling(e, i)
			if found[i] != nil {
				offer = offer.With(enc)
			}
		}
	}
	var pick *entry
	var pickRef *fileRef
	if best := a.Pick(offer); best != compress.Identity {
		for i, enc := range siblings {
			if enc == best {
				pick, pickRef = found[i], refs[i]
			} else if refs[i] != nil {
				h.cache.release(refs[i])
			}
		}
	} else if c.o.StaticMaxBytes >= 0 && e.size <= c.o.StaticMaxBytes &&
		(e.size >= int64(c.o.MinBytes) || a.IdentityRefused()) {
		if best := a.Pick(compress.OfferAll); best != compress.Identity {
			pick = h.coded(c, e, ref, best)
		}
	}
	if pick == nil {
		return e, ref
	}
	if ref != nil {
		h.cache.release(ref)
	}
	return pick, pickRef
}

// sibling returns the usable precompressed sibling i of e (see variants),
// and its descriptor when it was just opened, or nil.
func (h *Handler) sibling(e *entry, i int) (*entry, *fileRef) {
	v := e.vars
	if m := v.missing[i].Load(); m != 0 && h.now()-(m-1) < int64(h.window) {
		return nil, nil
	}
	s := h.lookup(v.key[i])
	var ref *fileRef
	if s == nil {
		enc := siblings[i]
		var st int
		s, ref, st, _ = h.loadWith(v.key[i], v.name[i], false, func(key, name string, fi fs.FileInfo) *entry {
			s := newEntry(key, name, fi)
			s.ctype, s.compressible, s.vars = e.ctype, true, nil
			s.etag = compress.VariantETag(s.etag, enc)
			s.encoding = enc.String()
			return s
		})
		if st != 0 {
			v.missing[i].Store(h.now() + 1) // missing, or unreadable: no variant
			return nil, nil
		}
		v.missing[i].Store(0)
	}
	if s.id.mtime < e.id.mtime || s.embedded != e.embedded { // older than the file, or another layer's: stale
		if ref != nil {
			h.cache.release(ref)
		}
		return nil, nil
	}
	return s, ref
}

// coded returns e coded in enc, from the cache of coded bodies or coded
// now, or nil when the file cannot be read or does not shrink. ref is e's
// descriptor if the caller has one.
func (h *Handler) coded(c *compression, e *entry, ref *fileRef, enc compress.Encoding) *entry {
	k := codedKey{name: e.name, mtime: e.id.mtime, size: e.size, enc: enc}
	if v, ok := c.coded.get(k); ok {
		return v
	}
	src := e.body
	if src == nil {
		own := ref == nil
		if own {
			var ok bool
			if ref, ok = h.fileFor(e); !ok {
				return nil
			}
		}
		src = make([]byte, e.size)
		n, _ := ref.f.ReadAt(src, 0) // short when it changed or failed
		if own {
			h.cache.release(ref)
		}
		if int64(n) != e.size {
			return nil // the plain file's path will tell what is wrong
		}
	}
	out := staticLevels.AppendEncoded(nil, src, enc)
	var v *entry
	if len(out) < len(src) {
		v = &entry{
			key:          e.key,
			name:         e.name,
			id:           e.id,
			size:         int64(len(out)),
			lmSec:        e.lmSec,
			etag:         compress.VariantETag(e.etag, enc),
			lastModified: e.lastModified,
			ctype:        e.ctype,
			body:         out,
			compressible: true,
			encoding:     enc.String(),
		}
	}
	c.coded.put(k, v) // nil: remembered as not worth coding
	return v
}

// codedKey identifies a file coded on the fly: the root-relative name,
// the version (modification time in ns, size) and the coding.
type codedKey struct {
	name        string
	mtime, size int64
	enc         compress.Encoding
}

// codedOverhead is what a cached coded body counts for beyond its bytes,
// so that the bound holds the number of entries too.
const codedOverhead = 256

// codedCache holds files coded on the fly, bounded in bytes, evicting at
// random when full. A nil entry says the file does not shrink.
type codedCache struct {
	mu    sync.RWMutex
	m     map[codedKey]*entry
	bytes int64
	max   int64
	coded atomic.Int64 // bodies coded, for tests
}

func newCodedCache(max int64) *codedCache {
	return &codedCache{m: make(map[codedKey]*entry), max: max}
}

func (c *codedCache) get(k codedKey) (*entry, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *codedCache) put(k codedKey, v *entry) {
	c.coded.Add(1)
	size := costOf(v)
	if size > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[k]; ok {
		delete(c.m, k)
		c.bytes -= costOf(old)
	}
	for k2, v2 := range c.m {
		if c.bytes+size <= c.max {
			break
		}
		delete(c.m, k2)
		c.bytes -= costOf(v2)
	}
	c.m[k] = v
	c.bytes += size
}

// costOf is what v counts for in the bound.
func costOf(v *entry) int64 {
	if v == nil {
		return codedOverhead
	}
	return int64(len(v.body)) + codedOverhead
}
