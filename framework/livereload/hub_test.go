package livereload

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// testHub is a Hub on fresh folders whose check returns what problem
// holds.
type testHub struct {
	*Hub
	tmpl, static string
	problem      atomic.Pointer[Problem]
}

func newTestHub(t *testing.T, o Options) *testHub {
	t.Helper()
	base := t.TempDir()
	th := &testHub{tmpl: filepath.Join(base, "templates"), static: filepath.Join(base, "static")}
	write(t, th.tmpl, "page.html", "v1")
	write(t, th.static, "style.css", "body{}")
	o.Templates, o.Static = th.tmpl, th.static
	o.Check = func() *Problem { return th.problem.Load() }
	o.Log = slog.New(slog.DiscardHandler)
	if o.Debounce == 0 {
		o.Debounce = testQuiet
	}
	h, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Error(err)
		}
	})
	th.Hub = h
	return th
}

// A testStream is an open event stream of a Hub.
type testStream struct {
	status string
	header gateway.Fields
	events chan event
	ended  chan struct{}
	cancel context.CancelFunc
}

// open opens an event stream, read on its own goroutine; it is closed when
// the test ends.
func open(t *testing.T, h *Hub) *testStream { return openAt(t, h, eventsPath) }

// openAt is open with a target of its own, such as eventsPath+"?seq=3".
func openAt(t *testing.T, h *Hub, target string) *testStream {
	t.Helper()
	env := gatewaytest.NewEnviron("GET", target, nil)
	ctx, cancel := context.WithCancel(context.Background())
	env.SetContext(ctx)
	s := &testStream{events: make(chan event, 32), ended: make(chan struct{}), cancel: cancel}
	body := h.ServeGateway(env, func(status string, header []gateway.Field) error {
		s.status, s.header = status, header
		return nil
	})
	if body.Stream() == nil {
		t.Fatalf("events: %s, not a stream", s.status)
	}
	go func() {
		defer close(s.ended)
		defer body.Close()
		for chunk, err := range body.Stream() {
			if err != nil {
				t.Errorf("stream: %v", err)
				return
			}
			for _, line := range strings.Split(string(chunk), "\n") {
				data, ok := strings.CutPrefix(line, "data: ")
				if !ok {
					continue
				}
				var e event
				if err := json.Unmarshal([]byte(data), &e); err != nil {
					t.Errorf("event %q: %v", data, err)
				}
				s.events <- e
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-s.ended
	})
	return s
}

// next returns the stream's next event, failing after hang.
func (s *testStream) next(t *testing.T) event {
	t.Helper()
	select {
	case e := <-s.events:
		return e
	case <-time.After(hang):
		t.Fatalf("no event within %v", hang)
		return event{}
	}
}

// waitEnded waits until the stream has ended, failing after hang.
func (s *testStream) waitEnded(t *testing.T, what string) {
	t.Helper()
	select {
	case <-s.ended:
	case <-time.After(hang):
		t.Fatalf("a stream outlived %s by %v", what, hang)
	}
}

// waitFor polls cond until it holds, failing after hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(hang); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, hang)
		}
	}
}

// The Hub tests save files with saveAtomic: one save is one change for
// the watcher, so one event, however slow the machine (a plain write is
// several events, which the watcher may see in two batches when the
// machine is busy; the watcher's tests cover that).

func TestStreamEvents(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, Options{FollowUp: -1})
	a := open(t, h.Hub)
	if a.status != "200 OK" || a.header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %s %q", a.status, a.header)
	}
	hello := a.next(t)
	if hello.Type != "hello" || hello.Boot != h.boot || hello.Gen != 0 || hello.Error != nil {
		t.Errorf("hello: %+v", hello)
	}

	// A template saved: reload, the generation one up.
	saveAtomic(t, h.tmpl, "page.html", "v2")
	if e := a.next(t); e.Type != "reload" || e.Gen != 1 || e.Error != nil || h.Gen() != 1 {
		t.Errorf("template saved: %+v (Gen %d); want reload, gen 1", e, h.Gen())
	}

	// Broken: the problem, the generation as it was.
	p := &Problem{File: "page.html", Line: 3, Column: 4, Message: "boom", Source: "{% if %}"}
	h.problem.Store(p)
	saveAtomic(t, h.tmpl, "page.html", "{% if %}")
	if e := a.next(t); e.Type != "error" || e.Gen != 1 || e.Error == nil || *e.Error != *p {
		t.Errorf("template broken: %+v; want error, gen 1, %+v", e, p)
	}
	// A browser that connects now gets the problem at once.
	b := open(t, h.Hub)
	if e := b.next(t); e.Type != "hello" || e.Error == nil || e.Error.Line != 3 || e.Gen != 1 {
		t.Errorf("hello while broken: %+v", e)
	}
	// A stylesheet saved meanwhile: swapped, the problem still there.
	saveAtomic(t, h.static, "style.css", "body{color:red}")
	for _, s := range []*testStream{a, b} {
		if e := s.next(t); e.Type != "css" || e.Path != "/style.css" || e.Error == nil {
			t.Errorf("stylesheet saved: %+v; want css /style.css with the problem", e)
		}
	}
	// Fixed: reload, no problem.
	h.problem.Store(nil)
	saveAtomic(t, h.tmpl, "page.html", "v3")
	for _, s := range []*testStream{a, b} {
		if e := s.next(t); e.Type != "reload" || e.Gen != 2 || e.Error != nil {
			t.Errorf("template fixed: %+v; want reload, gen 2", e)
		}
	}
	// An image; a script (reloads).
	saveAtomic(t, h.static, "logo.png", "png")
	if e := a.next(t); e.Type != "image" || e.Path != "/logo.png" || e.Gen != 2 {
		t.Errorf("image saved: %+v", e)
	}
	saveAtomic(t, h.static, "app.js", "js")
	if e := a.next(t); e.Type != "reload" || e.Gen != 3 {
		t.Errorf("script saved: %+v", e)
	}

	// CloseStreams ends them, and refuses new ones.
	h.CloseStreams()
	for _, s := range []*testStream{a, b} {
		s.waitEnded(t, "CloseStreams")
	}
	rec, err := gatewaytest.Record(h, gatewaytest.NewEnviron("GET", eventsPath, nil))
	if err != nil || rec.Code != 503 {
		t.Errorf("events after CloseStreams: %v %v; want 503", rec, err)
	}
}

// TestStreamFollowUp: a stylesheet's event comes again FollowUp after its
// last save, once for a burst of saves. The Hub's apply runs on the
// batches the test makes, on synctest's clock (which moves only when every
// goroutine waits): exact, and at once, however busy the machine.
func TestStreamFollowUp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const followUp = 200 * time.Millisecond
		h := &Hub{log: slog.New(slog.DiscardHandler), boot: "test", followUp: followUp,
			subs: map[*subscriber]struct{}{}, again: map[string]*time.Timer{}}
		sub, _ := h.subscribe("", 0, true)
		defer h.CloseStreams()
		// next returns the next event sent, and when.
		next := func() (event, time.Time) {
			t.Helper()
			var e event
			if err := json.Unmarshal(bytes.TrimSpace(bytes.TrimPrefix(<-sub.ch, []byte("data: "))), &e); err != nil {
				t.Fatal(err)
			}
			return e, time.Now()
		}
		saved := batch{static: map[string]kind{"/style.css": kindStyle}}

		h.apply(saved)
		if e, _ := next(); e.Type != "css" || e.Path != "/style.css" {
			t.Fatalf("stylesheet saved: %+v", e)
		}
		time.Sleep(followUp / 2)
		h.apply(saved) // within the follow-up of the first
		second := time.Now()
		if e, _ := next(); e.Type != "css" || e.Path != "/style.css" {
			t.Fatalf("stylesheet saved again: %+v", e)
		}
		e, at := next()
		if e.Type != "css" || e.Path != "/style.css" || at.Sub(second) != followUp {
			t.Errorf("follow-up: %+v, %v after the second save; want css /style.css, %v after it", e, at.Sub(second), followUp)
		}
		time.Sleep(10 * followUp)
		synctest.Wait()
		select {
		case m := <-sub.ch:
			t.Errorf("a second follow-up: %s", m)
		default:
		}
		h.mu.Lock()
		pending := len(h.again)
		h.mu.Unlock()
		if pending != 0 {
			t.Errorf("%d follow-ups pending; want none", pending)
		}
	})
}

// TestStreamReplay: a browser that reconnects gets the stylesheets and
// images it missed, with the current state, after the hello.
func TestStreamReplay(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, Options{FollowUp: -1})
	a := open(t, h.Hub)
	hello := a.next(t)
	a.cancel() // gone, as between a stream's end and the next
	<-a.ended
	saveAtomic(t, h.static, "style.css", "a{}")
	saveAtomic(t, h.static, "missed.png", "png") // a second batch, maybe
	// Both sent before the template's change, which would cover them.
	waitFor(t, "the stylesheet's and the image's events", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.seq == hello.Seq+2
	})
	saveAtomic(t, h.tmpl, "page.html", "v2") // a reload: covered by the state
	waitFor(t, "the template's reload", func() bool { return h.Gen() == 1 })

	b := openAt(t, h.Hub, eventsPath+"?boot="+hello.Boot+"&seq="+strconv.FormatUint(hello.Seq, 10))
	if e := b.next(t); e.Type != "hello" || e.Gen != 1 {
		t.Errorf("hello: %+v; want gen 1", e)
	}
	var got []string
	for range 2 {
		e := b.next(t)
		if e.Gen != 1 {
			t.Errorf("replayed %+v with an old generation; want the current, 1", e)
		}
		got = append(got, e.Type+" "+e.Path)
	}
	if want := []string{"css /style.css", "image /missed.png"}; !slices.Equal(got, want) {
		t.Errorf("replayed %q; want %q", got, want)
	}
	// Another server's stream (the boot id differs): nothing to replay.
	// What a stream sends first is what subscribe returns.
	sub, first := h.subscribe("other", 0, true)
	h.unsubscribe(sub)
	if n := strings.Count(string(first), "data: "); n != 1 || !strings.Contains(string(first), `"type":"hello"`) {
		t.Errorf("another boot's stream starts with %d events, %s; want the hello alone", n, first)
	}
	c := openAt(t, h.Hub, eventsPath+"?boot=other&seq=0")
	if e := c.next(t); e.Type != "hello" {
		t.Errorf("another boot's stream: %+v first; want the hello", e)
	}
}

// TestStreamHidesProblem: a client off the loopback address learns that a
// template is broken, not where or what it says, as with the framework's
// dev error page.
func TestStreamHidesProblem(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, Options{Problem: &Problem{File: "secret.html", Line: 2, Message: "bad", Source: "{{ token }}"}})
	env := gatewaytest.NewEnviron("GET", eventsPath, nil)
	env.RemoteAddr = "192.0.2.7:5000"
	_, first := h.subscribe("", 0, isLoopback(env.RemoteAddr))
	if strings.Contains(string(first), "secret") || strings.Contains(string(first), "token") || !strings.Contains(string(first), hidden.Message) {
		t.Errorf("remote hello: %s", first)
	}
	h.send(event{Type: "css", Path: "/a.css"}, nil)
	_, local := h.subscribe("", 0, isLoopback("[::1]:5000"))
	if !strings.Contains(string(local), "secret.html") {
		t.Errorf("loopback hello: %s", local)
	}
}

// TestStreamStartsWithProblem: a Hub made while a template is broken says
// so in the first hello, so that a page rendered then shows the overlay.
func TestStreamStartsWithProblem(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, Options{Problem: &Problem{File: "base.html", Line: 2, Message: "bad"}})
	if e := open(t, h.Hub).next(t); e.Error == nil || e.Error.File != "base.html" {
		t.Errorf("hello: %+v; want the problem at start", e)
	}
}

func TestStreamLimit(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, Options{StreamLimit: 100 * time.Millisecond})
	s := open(t, h.Hub)
	s.next(t)
	s.waitEnded(t, "its 100 ms limit")
	h.mu.Lock()
	n := len(h.subs)
	h.mu.Unlock()
	if n != 0 {
		t.Errorf("%d subscribers left after the stream ended", n)
	}
}

// TestStreamSlowSubscriber: a stream that does not read is dropped, not
// waited for.
func TestStreamSlowSubscriber(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, Options{})
	sub, _ := h.subscribe("", 0, true)
	for range subscriberBuffer + 1 {
		h.send(event{Type: "css", Path: "/x.css"}, nil)
	}
	n := 0
	for range sub.ch {
		n++
	}
	if n != subscriberBuffer {
		t.Errorf("%d events before the drop; want %d", n, subscriberBuffer)
	}
}

func TestServeClient(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, Options{})
	tests := []struct {
		method, target string
		code           int
		ctype, cache   string // wanted Content-Type, Cache-Control
	}{
		{"GET", clientPath + "?v=" + clientVersion, 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"HEAD", clientPath + "?v=" + clientVersion, 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"GET", clientPath, 200, "text/javascript; charset=utf-8", "no-cache"},
		{"GET", clientPath + "?v=old", 200, "text/javascript; charset=utf-8", "no-cache"},
		{"POST", clientPath, 405, "text/plain; charset=utf-8", "no-store"},
		{"POST", eventsPath, 405, "text/plain; charset=utf-8", "no-store"},
		{"HEAD", eventsPath, 405, "text/plain; charset=utf-8", "no-store"},
		{"GET", Prefix + "nosuch", 404, "text/plain; charset=utf-8", "no-store"},
		{"GET", Prefix, 404, "text/plain; charset=utf-8", "no-store"},
	}
	for _, tt := range tests {
		rec, err := gatewaytest.Record(h, gatewaytest.NewEnviron(tt.method, tt.target, nil))
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.target, err)
		}
		if rec.Code != tt.code || rec.Header.Get("Content-Type") != tt.ctype || rec.Header.Get("Cache-Control") != tt.cache {
			t.Errorf("%s %s: %d %q; want %d, %s, %s", tt.method, tt.target, rec.Code, rec.Header, tt.code, tt.ctype, tt.cache)
		}
		if tt.code == 200 && tt.method == "GET" && !bytes.Equal(rec.Body, clientJS) {
			t.Errorf("%s %s: not the client", tt.method, tt.target)
		}
	}
}

// TestStreamBuildProblem: a build's problem reaches the open streams and
// the new ones, over a template's problem, hidden off the loopback
// address; clearing it brings the template's back, with no reload.
func TestStreamBuildProblem(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, Options{Problem: &Problem{File: "base.html", Line: 2, Message: "bad"}})
	a := open(t, h.Hub)
	a.next(t) // hello
	h.SetBuildProblem(&Problem{File: "server/main.go", Line: 12, Column: 2, Message: "undefined: foo", Source: "\tfoo()"})
	e := a.next(t)
	want := Problem{File: "server/main.go", Line: 12, Column: 2, Message: "undefined: foo", Source: "\tfoo()", Kind: "build"}
	if e.Type != "error" || e.Error == nil || *e.Error != want || e.Gen != 0 {
		t.Errorf("event %+v; want an error with %+v", e, want)
	}
	if e := open(t, h.Hub).next(t); e.Error == nil || *e.Error != want {
		t.Errorf("a new stream's hello %+v; want the build's problem", e)
	}
	if _, first := h.subscribe("", 0, false); strings.Contains(string(first), "main.go") || !strings.Contains(string(first), hiddenBuild.Message) {
		t.Errorf("remote hello: %s", first)
	}
	h.SetBuildProblem(nil)
	if e := a.next(t); e.Type != "state" || e.Error == nil || e.Error.File != "base.html" || e.Gen != 0 {
		t.Errorf("after clearing: %+v; want the template's problem back, same generation", e)
	}
}
