package static

import (
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Cache bounds. A Handler holds at most maxEntries files' metadata, at most
// maxCachedBytes of small files' content, and at most maxIdleFiles open
// descriptors of large files kept for reuse (idlePerEntry per file).
const (
	maxEntries     = 4096
	maxCachedBytes = 32 << 20
	smallFileMax   = 16 << 10 // files up to this size are kept in memory
	maxIdleFiles   = 64
	idlePerEntry   = 4
)

// defaultWindow is how long a cache entry is trusted before a stat checks
// the file again; it bounds how stale an edited file can be.
const defaultWindow = time.Second

// fileID tells one version of a file from another (see identityOf).
type fileID struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64 // nanoseconds since the Unix epoch
	mode         fs.FileMode
}

// entry is what the handler knows of one regular file, found under one
// request path. Its fields are fixed once it is in the cache, but for
// checked, dead and the idle descriptors; a changed file gets a new entry.
type entry struct {
	key  string // cache key: the raw request path "/css/a%20b.css", or "404.html"
	name string // the root-relative name that was opened, "css/a b.css"
	id   fileID

	size         int64
	lmSec        int64  // Last-Modified in Unix seconds
	etag         string // `"17f0c2a1b3c4d5e6-4d2"`
	lastModified string // "Sun, 06 Nov 1994 08:49:37 GMT"
	ctype        string // "text/css; charset=utf-8"
	body         []byte // the content when size <= smallFileMax, else nil

	compressible bool      // ctype is worth coding (compress.Compressible)
	encoding     string    // a coded variant's Content-Encoding, "gzip"; "" for the file itself
	vars         *variants // where its precompressed siblings are; nil unless compressible and uncoded

	embedded bool                   // from the handler's embedded fs.FS, not the folder (embedded.go)
	sum      atomic.Pointer[string] // the content's fingerprint once computed (fingerprint.go)

	checked atomic.Int64  // handler clock (ns) of the last validation
	dead    atomic.Bool   // out of the cache: its descriptors are closed
	idle    chan *fileRef // open descriptors of a large file, ready for reuse
}

// fileRef is one open descriptor of a large file, with the LimitedReader
// handed to Response.ReadFrom; both live as long as the descriptor, so
// sending a file costs no allocation.
type fileRef struct {
	f  *os.File
	lr io.LimitedReader
	e  *entry
}

// cache maps request paths to entries. It is bounded in entries and bytes
// and evicts at random (Go's map order) when full: simple, and immune to
// the access patterns that defeat LRU without the bookkeeping on every hit.
type cache struct {
	mu    sync.RWMutex
	m     map[string]*entry
	bytes int64 // sum of len(body) over m

	maxEntries int
	maxBytes   int64
	idleFiles  atomic.Int32 // descriptors parked in the entries' idle channels
	maxIdle    int32
}

func newCache() *cache {
	return &cache{
		m:          make(map[string]*entry),
		maxEntries: maxEntries,
		maxBytes:   maxCachedBytes,
		maxIdle:    maxIdleFiles,
	}
}

// get returns the entry for key, or nil.
func (c *cache) get(key string) *entry {
	c.mu.RLock()
	e := c.m[key]
	c.mu.RUnlock()
	return e
}

// put stores e under its key, replacing any entry there, and evicts others
// until the bounds hold. An entry too big for the cache is not stored; it
// is returned dead, so its descriptor is closed after use.
func (c *cache) put(e *entry) {
	size := int64(len(e.body))
	if size > c.maxBytes || c.maxEntries <= 0 {
		e.dead.Store(true)
		return
	}
	var evicted []*entry
	c.mu.Lock()
	if old := c.m[e.key]; old != nil {
		delete(c.m, e.key)
		c.bytes -= int64(len(old.body))
		evicted = append(evicted, old)
	}
	for k, v := range c.m {
		if len(c.m) < c.maxEntries && c.bytes+size <= c.maxBytes {
			break
		}
		delete(c.m, k)
		c.bytes -= int64(len(v.body))
		evicted = append(evicted, v)
	}
	c.m[e.key] = e
	c.bytes += size
	c.mu.Unlock()
	for _, v := range evicted {
		c.kill(v)
	}
}

// remove takes e out of the cache if it is still the entry for its key.
func (c *cache) remove(e *entry) {
	c.mu.Lock()
	if c.m[e.key] == e {
		delete(c.m, e.key)
		c.bytes -= int64(len(e.body))
	}
	c.mu.Unlock()
	c.kill(e)
}

// clear empties the cache.
func (c *cache) clear() {
	c.mu.Lock()
	old := c.m
	c.m = make(map[string]*entry)
	c.bytes = 0
	c.mu.Unlock()
	for _, e := range old {
		c.kill(e)
	}
}

// kill marks e dead and closes its idle descriptors. A descriptor parked
// concurrently is closed by release, which checks dead after parking.
func (c *cache) kill(e *entry) {
	e.dead.Store(true)
	c.drain(e)
}

func (c *cache) drain(e *entry) {
	for {
		select {
		case ref := <-e.idle:
			c.idleFiles.Add(-1)
			ref.f.Close()
		default:
			return
		}
	}
}

// acquire returns a parked descriptor of e, or nil.
func (c *cache) acquire(e *entry) *fileRef {
	select {
	case ref := <-e.idle:
		c.idleFiles.Add(-1)
		return ref
	default:
		return nil
	}
}

// release parks ref for reuse, or closes it when its entry is dead or the
// parking is full.
func (c *cache) release(ref *fileRef) {
	e := ref.e
	ref.lr.R = nil
	if e.dead.Load() || e.idle == nil {
		ref.f.Close()
		return
	}
	if c.idleFiles.Add(1) > c.maxIdle {
		c.idleFiles.Add(-1)
		ref.f.Close()
		return
	}
	select {
	case e.idle <- ref:
		if e.dead.Load() { // killed while we parked: drain it ourselves
			c.drain(e)
		}
	default:
		c.idleFiles.Add(-1)
		ref.f.Close()
	}
}

// len returns the number of entries and cached bytes (for tests).
func (c *cache) len() (int, int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m), c.bytes
}
