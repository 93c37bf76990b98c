package framework

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fsnotify/fsnotify"

	"github.com/miniweb/miniweb/framework/internal/pongo2"
)

// The store compiles templates once and keeps them until a file of the
// templates folder changes.
//
// # Change detection
//
// In dev mode an fsnotify watcher (inotify on Linux) watches the folder and
// every folder below it, so it sees a file written in place, a new file
// renamed over the old one (how most editors save), a file created or
// removed, and new subfolders. Any event drops the whole cache: the next
// request of each page compiles it again, once. A request pays one atomic
// load for this, the same as in production, where there is no watcher and
// the cache is never dropped (BenchmarkChangeDetection measures both, and a
// stat-per-request design for comparison).
//
// Why everything, not the one file: a compiled pongo2 page embeds the
// templates it extends, includes and imports (they are parsed into it), so
// an edit to base.html changes every page, and tracking who embeds whom is
// one more thing to get wrong for a saving of a few milliseconds per edit.
//
// A request that compiles while a file changes stores its result in the
// cache it started from, which the event has already replaced, so nothing
// stale outlives the event. Editors that truncate and then write send
// several events; each drops the cache again, so the last one wins.
//
// Without a watcher (inotify limits reached, say) dev mode compiles on every
// request, and says so in the log once.
type store struct {
	dir  string   // the templates folder on disk; watched in dev mode when root is not nil
	root *os.Root // the folder, nil when it does not exist and embedded templates stand in
	fsys fs.FS    // what the loader reads: the folder, over the embedded templates if any
	set  *pongo2.TemplateSet
	load *loader
	log  *slog.Logger
	dev  bool
	// globals are the set's globals, read-only after New.
	globals pongo2.Context

	// mu serializes pongo2's compilation (TemplateSet.FromFile writes to the
	// set) and the execution of pages with a computed include, which
	// compiles as it runs.
	mu    sync.Mutex
	cache atomic.Pointer[cache]
	// uncached is dev mode without a watcher: compile every time.
	uncached bool
	// gen counts cache drops, and compiles compilations, for tests.
	gen, compiles atomic.Uint64

	watcher *fsnotify.Watcher
	done    chan struct{}
	// closers release what the App opened with the store (the static
	// folder of assets.go), at close.
	closers []func() error
}

// cache maps a page template name to its *entry. warned holds the
// numbers of the placeholders dev mode has warned of (see checkFields),
// so that the log says it once per position and edit.
type cache struct{ m, warned sync.Map }

// entry is one page template compiled, or the error compiling it.
type entry struct {
	name string
	tpl  *pongo2.Template
	err  error
	// files are the templates read to compile it: the page, what it
	// extends, includes and imports.
	files []string
	// roots are the distinct first segments of its placeholders, and
	// where maps each to its first placeholder, for dev mode's report.
	roots []string
	where map[string]string
	// dynamic is true when a file of it includes a computed name.
	dynamic bool
	// reported holds the roots already reported missing (dev mode), so
	// the log says it once per edit, not once per request.
	reported sync.Map
}

// newStore returns the store of the templates folder dir over the
// templates of embedded (nil for none): a file of the folder wins. With
// embedded, the folder need not exist.
func newStore(dir string, embedded fs.FS, dev bool, globals Data, log *slog.Logger) (*store, error) {
	var root *os.Root
	err := fs.ErrNotExist // no folder: the embedded templates alone
	if dir != "" {
		root, err = os.OpenRoot(dir)
	}
	var fsys fs.FS
	switch {
	case err == nil && embedded != nil:
		fsys = overlay{upper: root.FS(), lower: embedded}
	case err == nil:
		fsys = root.FS()
	case embedded != nil && errors.Is(err, fs.ErrNotExist):
		root, fsys = nil, embedded
	default:
		return nil, fmt.Errorf("framework: templates folder: %w", err)
	}
	s := &store{dir: dir, root: root, fsys: fsys, load: &loader{fsys: fsys, dev: dev}, log: log, dev: dev}
	s.set = pongo2.NewSet("miniweb", s.load)
	// ssi reads files with ioutil.ReadFile, past the loader. include,
	// extends and import go through it.
	if err := s.set.BanTag("ssi"); err != nil {
		panic("framework: " + err.Error())
	}
	g, _ := toContext(globals)
	s.globals = copyContext(g) // the caller's map may change later
	if dev {
		s.globals[placeholderCheck] = s.checkFields
	}
	// The set has no globals: render gives pongo2 the page's data over
	// the context processors' and the globals, which it reads in turn
	// without merging them (PATCHES.md, 15).
	s.cache.Store(new(cache))
	if dev && root != nil { // embedded templates alone never change
		if err := s.watch(); err != nil {
			s.uncached = true
			log.Warn("cannot watch the templates folder; dev mode compiles templates on every request",
				keyDir, dir, keyErr, err)
		}
	}
	return s, nil
}

// close stops the watcher and releases the folder.
func (s *store) close() error {
	if s.watcher != nil {
		s.watcher.Close()
		<-s.done
		s.watcher = nil
	}
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	if s.root != nil {
		errs = append(errs, s.root.Close())
	}
	return errors.Join(errs...)
}

// invalidate drops every compiled template.
func (s *store) invalidate() {
	s.cache.Store(new(cache))
	s.gen.Add(1)
}

// lookup returns the compiled page template called name, compiling it on
// first use after a change.
func (s *store) lookup(name string) *entry {
	c := s.cache.Load()
	if !s.uncached {
		if e, ok := c.m.Load(name); ok {
			return e.(*entry)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.uncached {
		if e, ok := c.m.Load(name); ok {
			return e.(*entry)
		}
	}
	e := s.compile(name)
	if !s.uncached {
		c.m.Store(name, e)
	}
	return e
}

// compile compiles the page template called name, for the cache; s.mu is
// held.
func (s *store) compile(name string) *entry {
	s.compiles.Add(1)
	return s.build(name)
}

// build compiles the page template called name; s.mu is held.
func (s *store) build(name string) *entry {
	rec := &compileRecord{placeholders: map[string][]placeholder{}}
	s.load.rec = rec
	defer func() { s.load.rec = nil }()
	tpl, err := s.set.FromFile(name)
	e := &entry{name: name, tpl: tpl, err: err, files: rec.files, dynamic: rec.dynamic}
	if err != nil {
		e.tpl = nil
		return e
	}
	for _, file := range rec.files {
		for _, p := range rec.placeholders[file] {
			if e.where == nil {
				e.where = map[string]string{}
			}
			if _, seen := e.where[p.Root]; !seen {
				e.where[p.Root] = fmt.Sprintf("%s:%d:%d", file, p.Line, p.Col)
				e.roots = append(e.roots, p.Root)
			}
		}
	}
	return e
}

// templateExts are the extensions of the files parseAll compiles; other
// files in the templates folder (notes, images, an editor's backups) are
// not templates.
var templateExts = []string{".html", ".htm", ".xml", ".txt"}

// parseAll compiles every template of the folder (see problems) and
// caches them, so the first requests find them compiled. The error joins
// the problems, nil if all compile.
func (s *store) parseAll() error {
	return errors.Join(s.problems(s.lookup)...)
}

// problems compiles every template of the folder with get: each file with
// one of templateExts, in the folder and below it, except hidden files and
// folders (a name starting with "."). Each compiles as a page would, its
// base, includes and imports with it. It returns one *templateError per
// position at fault, "file:line:col: message" (a broken base shows once,
// not once per page that extends it), in the order of the file names,
// and the errors of reading the folder; nil if all compile.
func (s *store) problems(get func(name string) *entry) []error {
	var errs []error
	seen := map[string]bool{}
	walkErr := fs.WalkDir(s.fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			return nil
		}
		if name != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !slices.Contains(templateExts, path.Ext(name)) {
			return nil
		}
		e := get(name)
		if e.err == nil {
			return nil
		}
		te := s.locate(name, e.files, e.err)
		if key := te.Error(); !seen[key] {
			seen[key] = true
			errs = append(errs, te)
		}
		return nil
	})
	if walkErr != nil {
		errs = append(errs, walkErr)
	}
	return errs
}

// fresh compiles the page template called name past the cache, leaving
// the cache as it is: for live reload's check after a change.
func (s *store) fresh(name string) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.build(name)
}

// render executes the page template e with the globals and layers of
// data over them, a later layer's names over an earlier's.
func (s *store) render(e *entry, layers ...Data) ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	var buf [6]pongo2.Context
	top, under := s.contexts(layers, buf[:0])
	var missing *[]string
	if s.dev {
		var stand pongo2.Context
		if stand, missing = s.standIns(e, top, under); stand != nil {
			under = append(under, stand)
		}
	}
	var (
		out []byte
		err error
	)
	if e.dynamic {
		out, err = s.executeLocked(e, top, under)
	} else {
		out, err = e.tpl.ExecuteBytesOver(top, under...)
	}
	if missing == nil {
		return out, err
	}
	for _, root := range *missing {
		if _, dup := e.reported.LoadOrStore(root, true); !dup {
			s.log.Warn("placeholder has no value",
				keyPlaceholder, root, keyTemplate, e.name, keyWhere, e.where[root])
		}
	}
	return out, err
}

// executeLocked executes e holding s.mu, for a page that compiles as it
// runs; the deferred unlock survives a panic in the page.
func (s *store) executeLocked(e *entry, top pongo2.Context, under []pongo2.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return e.tpl.ExecuteBytesOver(top, under...)
}

// standIns returns a context that gives each placeholder of e whose name
// neither top nor any of under has a stand-in that notes its use in
// *missing, then acts as pongo2's missing value (nil: empty text, false
// in an if, nothing to loop over). A loop variable or {% set %} of the
// same name shadows it, and a placeholder in a block a child overrides is
// never evaluated, so only placeholders that print nothing are noted. It
// returns nil, nil when every name has a value.
func (s *store) standIns(e *entry, top pongo2.Context, under []pongo2.Context) (pongo2.Context, *[]string) {
	var (
		stand   pongo2.Context
		missing *[]string
	)
roots:
	for _, root := range e.roots {
		if _, ok := top[root]; ok {
			continue
		}
		for _, c := range under {
			if _, ok := c[root]; ok {
				continue roots
			}
		}
		if missing == nil {
			missing, stand = new([]string), pongo2.Context{}
		}
		stand[root] = standIn(root, missing)
	}
	return stand, missing
}

// standIn returns the stand-in of the placeholder name, which notes name in
// *missing when pongo2 evaluates it. (A function of its own, so that only
// the names that need one cost an allocation.)
func standIn(name string, missing *[]string) func() any {
	return func() any {
		*missing = append(*missing, name)
		return nil
	}
}

// contexts returns what pongo2 reads for a page (PATCHES.md, 15): the
// last layer, and the others under it, nearest first, appended to dst,
// then the globals; every HTML value made a pongo2 safe value (see
// toContext). Nothing is merged: a layer is copied only if it holds an
// HTML value, and an empty one is left out.
func (s *store) contexts(layers []Data, dst []pongo2.Context) (pongo2.Context, []pongo2.Context) {
	var top pongo2.Context
	if n := len(layers); n > 0 {
		top, _ = toContext(layers[n-1])
		for i := n - 2; i >= 0; i-- {
			if len(layers[i]) > 0 {
				c, _ := toContext(layers[i])
				dst = append(dst, c)
			}
		}
	}
	if len(s.globals) > 0 {
		dst = append(dst, s.globals)
	}
	return top, dst
}

// copyContext returns a copy of c with room for a few more keys.
func copyContext(c pongo2.Context) pongo2.Context {
	out := make(pongo2.Context, len(c)+4)
	for k, v := range c {
		out[k] = v
	}
	return out
}

// toContext returns data as a pongo2 context, with every HTML value, also
// inside nested Data, maps and slices, made a pongo2 safe value. It copies
// only what holds an HTML value, and reports whether it did.
func toContext(data Data) (pongo2.Context, bool) {
	var out pongo2.Context
	for k, v := range data {
		if nv, changed := safeValues(v); changed {
			if out == nil {
				out = copyContext(pongo2.Context(data))
			}
			out[k] = nv
		}
	}
	if out == nil {
		return pongo2.Context(data), false
	}
	return out, true
}

// safeValues is toContext for one value.
func safeValues(v any) (any, bool) {
	switch v := v.(type) {
	case HTML:
		return pongo2.AsSafeValue(string(v)), true
	case Data:
		return toContext(v)
	case map[string]any:
		return toContext(Data(v))
	case []Data:
		var out []any
		for i, x := range v {
			if nx, changed := toContext(x); changed {
				if out == nil {
					out = make([]any, len(v))
					for j := range v {
						out[j] = v[j]
					}
				}
				out[i] = nx
			}
		}
		return out, out != nil
	case []any:
		var out []any
		for i, x := range v {
			if nx, changed := safeValues(x); changed {
				if out == nil {
					out = append([]any(nil), v...)
				}
				out[i] = nx
			}
		}
		return out, out != nil
	case []HTML:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = pongo2.AsSafeValue(string(x))
		}
		return out, true
	}
	return v, false
}

// A templateError is a template error located for the dev error page.
type templateError struct {
	// File is the template's name in the templates folder; Line and Col
	// are 1-based, 0 when unknown.
	File      string
	Line, Col int
	// Source is the line as written, "" when unknown.
	Source string
	// Message says what is wrong.
	Message string
}

// Error returns "file:line:col: message", or "file: message" with no line.
func (te *templateError) Error() string {
	if te.Line <= 0 {
		return te.File + ": " + te.Message
	}
	return fmt.Sprintf("%s:%d:%d: %s", te.File, te.Line, te.Col, te.Message)
}

// locate turns an error of compiling or executing page into a
// templateError. files are the templates read while compiling it.
func (s *store) locate(page string, files []string, err error) *templateError {
	var perr *pongo2.Error
	if !errors.As(err, &perr) {
		return &templateError{File: page, Message: err.Error()}
	}
	te := &templateError{File: perr.Filename, Line: perr.Line, Col: s.load.original(perr.Filename, perr.Line, perr.Column)}
	if perr.OrigError != nil {
		te.Message = perr.OrigError.Error()
	}
	if perr.Sender == "fromfile" {
		if pe := s.load.malformed(perr.Filename); pe != nil {
			te = &templateError{File: pe.File, Line: pe.Line, Col: pe.Col, Message: pe.Message,
				Source: s.load.sourceLine(pe.File, pe.Line)}
			return te
		}
		// A template that could not be read: the page itself, or one it
		// extends, includes or imports. pongo2 drops the loader's error,
		// so look again to say which it was.
		te.Message = fmt.Sprintf("template %q: %s", perr.Filename, s.whyUnreadable(perr.Filename))
		te.File, te.Line, te.Col = page, 0, 0
		if perr.Token != nil {
			te.File, te.Line = perr.Token.Filename, perr.Token.Line
			te.Col = s.load.original(te.File, te.Line, perr.Token.Col)
		} else {
			// pongo2 gives no position for a parent {% extends %} could
			// not read: find the name in the files read.
			te.File, te.Line, te.Col = s.findName(page, files, perr.Filename)
		}
	}
	if te.File == "" || te.File == "<string>" {
		te.File = page
	}
	te.Source = s.load.sourceLine(te.File, te.Line)
	return te
}

// findName returns where the string literal "name" (or 'name') first
// appears in files, searching the last read first; page, 0, 0 if nowhere.
func (s *store) findName(page string, files []string, name string) (string, int, int) {
	for i := len(files) - 1; i >= 0; i-- {
		b, err := s.load.read(files[i])
		if err != nil {
			continue
		}
		for _, q := range []string{`"`, `'`} {
			at := strings.Index(string(b), q+name+q)
			if at < 0 {
				continue
			}
			before := b[:at]
			line := 1 + strings.Count(string(before), "\n")
			col := at - strings.LastIndexByte(string(before), '\n')
			return files[i], line, col
		}
	}
	return page, 0, 0
}

// whyUnreadable says why the template called name cannot be loaded.
func (s *store) whyUnreadable(name string) string {
	_, err := s.load.read(s.load.Abs("", name))
	switch {
	case err == nil:
		return "unreadable"
	case errors.Is(err, errOutsideRoot):
		return "names must be relative to the templates folder, with no leading / and no .."
	case errors.Is(err, fs.ErrNotExist):
		return "no such file in the templates folder"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return "cannot read it (outside the templates folder?)"
}
