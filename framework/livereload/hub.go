package livereload

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Prefix is the path prefix of the live-reload endpoints, reserved for them
// in dev mode: Prefix+"events" is the event stream, Prefix+"client.js" the
// browser's side.
const Prefix = "/_miniweb/"

const (
	eventsPath = Prefix + "events"
	clientPath = Prefix + "client.js"
)

// Options configures a Hub.
type Options struct {
	// Templates is the templates folder, watched with the folders below
	// it; "" means none.
	Templates string
	// Static is the static folder, served at the site's root ("/style.css"
	// is Static/style.css), watched with the folders below it; "" means
	// none.
	Static string
	// Check compiles the templates after a change to the templates folder
	// and returns the first problem, nil when they all compile; nil means
	// the templates are not checked and a change always reloads.
	Check func() *Problem
	// Problem is the templates' problem when the Hub starts (from the
	// check at start), nil for none.
	Problem *Problem
	// Log receives the watcher's failures and, at debug level, each event
	// sent; nil means slog.Default().
	Log *slog.Logger
	// Debounce is how long the folders must be quiet before a change is
	// sent; zero means 75 ms.
	Debounce time.Duration
	// StreamLimit is how long one event stream lasts: the Hub ends it then
	// and the browser opens another at once. Keep it under the server's
	// write timeout, which bounds a whole response (30 s by default);
	// zero means 20 s.
	StreamLimit time.Duration
	// FollowUp is how long after a "css" or "image" event the same event
	// is sent again, once, however many saves of the file come
	// meanwhile: a static handler that caches files may serve the old
	// file for a while after a save (miniweb's, up to a second), and the
	// follow-up makes the page end with the file as saved. Zero means
	// 1.1 s; negative means no follow-up, for a static handler that
	// checks its files on every request.
	FollowUp time.Duration
}

// A Problem is a template that fails to compile, as the browser shows it.
type Problem struct {
	// File is the template's name in the templates folder.
	File string `json:"file"`
	// Line and Column are 1-based, Column in bytes; 0 when unknown.
	Line   int `json:"line"`
	Column int `json:"column"`
	// Message says what is wrong.
	Message string `json:"message"`
	// Source is the line as written, "" when unknown.
	Source string `json:"source"`
	// Kind is "" for a template's problem, "build" for a compile error of
	// the program (the server's -watch mode; File is then a .go file
	// relative to the module root).
	Kind string `json:"kind,omitempty"`
}

// String returns "file:line:col: message".
func (p *Problem) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
}

// Hub is the live reload of one application in dev mode: it watches the
// folders, keeps the state the pages compare themselves with, streams it to
// the browsers (ServeGateway) and puts the client in the pages (Inject).
//
// The state is a boot id, made at New, a generation, counted up by every
// change that reloads the pages, and the templates' problem, if any. A page
// is stamped with the boot id and the generation it was rendered at; the
// stream sends the state on connect and with every event. A page whose
// boot id differs (the server restarted) reloads; else a page shows the
// problem if there is one, and reloads if its generation is older. So a
// page reloads at most once per change, a page rendered while a template is
// broken shows the problem instead of reloading in a loop, and a change
// missed while the stream was down is caught up on reconnect.
type Hub struct {
	log         *slog.Logger
	check       func() *Problem
	boot        string
	streamLimit time.Duration
	followUp    time.Duration // Options.FollowUp; negative for none
	staticDir   string        // Options.Static
	watcher     *watcher

	gen atomic.Uint64 // the generation; written under mu

	mu      sync.Mutex
	problem *Problem // the templates'
	build   *Problem // the program's build, shown over the templates'
	subs    map[*subscriber]struct{}
	again   map[string]*time.Timer // the follow-up of each stylesheet or image, by path
	seq     uint64                 // the number of the last event sent
	recent  []event                // the last replayMax "css" and "image" events sent, oldest first
	closed  bool

	closeOnce sync.Once
	closeErr  error
}

// A subscriber is one open event stream.
type subscriber struct {
	ch chan []byte // encoded events; closed when the Hub drops it
	// local is a client on the loopback address, which gets a problem's
	// detail; others get hidden (see redact).
	local bool
}

// hidden is the problem a client off the loopback address gets: as the
// framework's dev error page, the detail is for the developer's machine.
var hidden = &Problem{Message: "A template has an error: its file, line and source are shown on the server's machine only (and in its log)."}

// hiddenBuild is hidden for a build's problem.
var hiddenBuild = &Problem{Kind: "build", Message: "The program does not compile: the error is shown on the server's machine only (and in its log)."}

// encodeFor returns e encoded for a client on the loopback address (local)
// or not, whose problem is then hidden.
func (e event) encodeFor(local bool) []byte {
	if !local && e.Error != nil {
		if e.Error.Kind == "build" {
			e.Error = hiddenBuild
		} else {
			e.Error = hidden
		}
	}
	return e.encode()
}

// staticTrust is the default of Options.FollowUp: miniweb's static
// handler trusts its cache entry of a file for a second after its last
// check (server/static, defaultWindow), so a file fetched in that second
// after a save may be the old one.
const staticTrust = 1100 * time.Millisecond

// replayMax is how many "css" and "image" events a Hub keeps for browsers
// that reconnect (see subscribe).
const replayMax = 16

// subscriberBuffer is how many events a stream may fall behind before it
// is dropped (its browser reconnects and gets the state).
const subscriberBuffer = 16

// New returns a Hub that watches o.Templates and o.Static until Close.
func New(o Options) (*Hub, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Debounce <= 0 {
		o.Debounce = 75 * time.Millisecond
	}
	if o.StreamLimit <= 0 {
		o.StreamLimit = 20 * time.Second
	}
	if o.FollowUp == 0 {
		o.FollowUp = staticTrust
	}
	var id [6]byte
	rand.Read(id[:])
	h := &Hub{log: o.Log, check: o.Check, boot: hex.EncodeToString(id[:]), streamLimit: o.StreamLimit, followUp: o.FollowUp,
		problem: o.Problem, subs: map[*subscriber]struct{}{}, again: map[string]*time.Timer{}, staticDir: o.Static}
	w, err := newWatcher(o.Templates, o.Static, o.Debounce, o.Log, h.apply)
	if err != nil {
		return nil, fmt.Errorf("livereload: %w", err)
	}
	h.watcher = w
	return h, nil
}

// Gen returns the current generation, for Inject: read it before
// rendering a page, so that a page rendered from older templates never
// carries a newer stamp.
func (h *Hub) Gen() uint64 { return h.gen.Load() }

// CloseStreams ends the open event streams now and refuses new ones: a
// server calls it when it starts to shut down, so that open pages do not
// hold the shutdown for its grace period. The browsers reconnect with
// backoff and reload once the server is back.
func (h *Hub) CloseStreams() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for _, t := range h.again {
		t.Stop()
	}
	for s := range h.subs {
		close(s.ch)
		delete(h.subs, s)
	}
}

// Close ends the streams (CloseStreams) and stops watching.
func (h *Hub) Close() error {
	h.CloseStreams()
	h.closeOnce.Do(func() { h.closeErr = h.watcher.close() })
	return h.closeErr
}

// apply turns a batch of changes into events: a change of the templates
// folder checks the templates and sends "error" with the first problem, or
// "reload"; another static file than a stylesheet or an image sends
// "reload"; else each stylesheet is "css" and each image "image", with its
// path. One reload covers everything else in the batch.
func (h *Hub) apply(b batch) {
	styles, images, reload := b.settle(h.staticDir)
	if b.templates {
		var p *Problem
		if h.check != nil {
			p = h.check()
		}
		if p != nil {
			h.send(event{Type: "error"}, func() { h.problem = p })
			return
		}
		h.send(event{Type: "reload"}, func() { h.problem = nil; h.gen.Add(1) })
		return
	}
	if reload {
		// A static file: the templates' problem, if any, stays.
		h.send(event{Type: "reload"}, func() { h.gen.Add(1) })
		return
	}
	for _, s := range styles {
		h.send(event{Type: "css", Path: s}, nil)
		h.sendAgain(event{Type: "css", Path: s})
	}
	for _, s := range images {
		h.send(event{Type: "image", Path: s}, nil)
		h.sendAgain(event{Type: "image", Path: s})
	}
}

// sendAgain sends e again after Options.FollowUp, once per path however
// many saves come meanwhile.
func (h *Hub) sendAgain(e event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.followUp < 0 {
		return
	}
	if t, ok := h.again[e.Path]; ok {
		t.Reset(h.followUp)
		return
	}
	h.again[e.Path] = time.AfterFunc(h.followUp, func() {
		h.mu.Lock()
		delete(h.again, e.Path)
		closed := h.closed
		h.mu.Unlock()
		if !closed {
			h.send(e, nil)
		}
	})
}

// An event is what the stream sends: the state, and what happened.
type event struct {
	// Type is "hello" (the state, on connect), "reload", "error", "css",
	// "image" or "state" (the problem shown changed, nothing to reload).
	Type  string   `json:"type"`
	Boot  string   `json:"boot"`
	Gen   uint64   `json:"gen"`
	Error *Problem `json:"error"`
	// Seq numbers the events a Hub sends, from 1; a hello has the number
	// of the last event sent before it.
	Seq uint64 `json:"seq"`
	// Path is the URL path of the stylesheet or image, for "css" and
	// "image".
	Path string `json:"path,omitempty"`
}

// encode returns e as one server-sent event (WHATWG HTML §9.2.5):
//
//	data: {"type":"reload","boot":"3f2a9c1b7d0e","gen":4,"error":null,"seq":9}
func (e *event) encode() []byte {
	b, _ := json.Marshal(e)
	out := make([]byte, 0, len(b)+8)
	out = append(out, "data: "...)
	out = append(out, b...)
	return append(out, "\n\n"...)
}

// send runs change (nil for none), which updates the state, then sends e
// with the new state to every stream; a stream too far behind is dropped
// (its browser reconnects and gets the state).
func (h *Hub) send(e event, change func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if change != nil {
		change()
	}
	h.seq++
	e.Boot, e.Gen, e.Error, e.Seq = h.boot, h.gen.Load(), h.shown(), h.seq
	if e.Type == "css" || e.Type == "image" {
		if len(h.recent) == replayMax {
			h.recent = append(h.recent[:0], h.recent[1:]...)
		}
		h.recent = append(h.recent, e)
	}
	if e.Type == "error" && h.problem != nil && h.build == nil {
		h.log.Info("live reload: template error", keyWhere, h.problem.String())
	}
	h.log.Debug("live reload", keyEvent, e.Type, keyPath, e.Path, keyGen, e.Gen)
	msg, other := e.encodeFor(true), e.encodeFor(false)
	for s := range h.subs {
		m := other
		if s.local {
			m = msg
		}
		select {
		case s.ch <- m:
		default:
			close(s.ch)
			delete(h.subs, s)
		}
	}
}

// subscribe adds a stream and returns it with what it sends first: the
// state as a "hello" event, then, for a browser that had this Hub's
// stream up to event number seq (boot is this Hub's), the "css" and
// "image" events it missed while it reconnected, with the current state.
// (The state covers the other events: the generation says whether to
// reload.) It does both atomically, so that no event falls between; nil
// when the Hub's streams are closed. local is a client on the loopback
// address.
func (h *Hub) subscribe(boot string, seq uint64, local bool) (*subscriber, []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil
	}
	s := &subscriber{ch: make(chan []byte, subscriberBuffer), local: local}
	h.subs[s] = struct{}{}
	e := event{Type: "hello", Boot: h.boot, Gen: h.gen.Load(), Error: h.shown(), Seq: h.seq}
	first := e.encodeFor(local)
	if boot != h.boot {
		return s, first
	}
	for _, r := range h.recent {
		if r.Seq > seq {
			r.Gen, r.Error = h.gen.Load(), h.shown()
			first = append(first, r.encodeFor(local)...)
		}
	}
	return s, first
}

// unsubscribe removes a stream, if the Hub has not dropped it already.
func (h *Hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.ch)
	}
}

// shown is the problem the pages show: the build's over the templates'.
// The caller holds h.mu.
func (h *Hub) shown() *Problem {
	if h.build != nil {
		return h.build
	}
	return h.problem
}

// SetBuildProblem shows p, a compile error of the program (Kind "build"
// is set here), on the open pages and on those opened later, over any
// template's problem, until SetBuildProblem(nil). In the server's -watch
// mode the old process, still serving, shows a failed build; a good build
// starts a new process, whose new boot id reloads the pages.
func (h *Hub) SetBuildProblem(p *Problem) {
	if p != nil {
		c := *p
		c.Kind = "build"
		p = &c
	}
	typ := "error"
	if p == nil {
		typ = "state"
	}
	h.send(event{Type: typ}, func() { h.build = p })
}
