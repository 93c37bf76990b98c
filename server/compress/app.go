package compress

import (
	"fmt"
	"iter"
	"strconv"
	"sync"

	"github.com/miniweb/miniweb/server/gateway"
)

// The life of a compressed response
//
// App's wrapper stands between the server and the application: the
// application gets the wrapper's start_response (response.start) and the
// server gets the wrapper's body (response.finish). The wrapper decides
// what to send in three steps:
//
//  1. At start_response (plan): a response that is no candidate goes
//     straight to the server's start_response, with "Vary:
//     Accept-Encoding" when its type is compressible. A candidate is held:
//     its head cannot leave before the wrapper knows the body's size.
//  2. When the application returns its body: a byte-slice body is coded
//     whole, when it is at least MinBytes long (or the client refused
//     identity), and the held head leaves rewritten (Content-Encoding,
//     Vary, the ETag of the variant, no Content-Length). A HEAD gets the
//     same head and no body.
//  3. A stream is read chunk by chunk. Its first chunks are held until
//     MinBytes have come (or the declared Content-Length said the size,
//     or the type is text/event-stream), then the head leaves; from then
//     on each chunk the application yields is coded and flushed (a zstd
//     block, a gzip sync flush) and yielded at once, so the client sees it
//     as promptly as without compression. A stream shorter than MinBytes
//     goes out as it came, in one chunk.
//
// The wrapper forwards to the server's start_response every call it does
// not take itself: a refused status or field, and a second call, so the
// server answers a broken application as it would without the wrapper.

// maxStreamEncoders bounds the streams being coded at once: a stream holds
// its encoder (0.7 to 6 MB) as long as it lasts, and a page of server-sent
// events can last for hours. A stream that finds none free goes out
// uncoded (with Vary).
const maxStreamEncoders = 32

// App returns next with its responses compressed as the client's
// Accept-Encoding prefers, under the rules of the package documentation.
// It panics when o does not pass [Options.Check].
func App(next gateway.App, o Options) gateway.App {
	if err := o.Check(); err != nil {
		panic(err.Error())
	}
	a := &app{next: next, o: o.WithDefaults(), streams: make(chan struct{}, maxStreamEncoders)}
	a.pool.New = func() any { return a.newResponse() }
	return a
}

type app struct {
	next    gateway.App
	o       Options
	pool    sync.Pool     // of *response
	streams chan struct{} // a token per stream being coded
}

// ServeGateway answers env with next's response, compressed.
func (a *app) ServeGateway(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	r := a.pool.Get().(*response)
	r.realStart = start
	r.head = env.Method == "HEAD"
	r.accept = AcceptedOf(env.Header)
	r.enc = r.accept.Pick(OfferAll)
	r.inm = unvaryConditionals(env.Header)
	return r.finish(a.next.ServeGateway(env, r.startFn))
}

// state is how far a response has gone.
type state uint8

const (
	stateNone     state = iota // start_response not called (or only refused)
	statePassed                // the head went to the server: the body passes as it is
	stateHeld                  // a candidate's head, held until its size is known
	stateCoding                // the head left coded: the body is being coded
	stateHeadSent              // a HEAD's coded head left: the body is the server's to drop
)

// response is one response going through the wrapper. Pooled; its
// functions are bound once, so a response allocates nothing of its own
// but its coded bytes.
type response struct {
	a         *app
	realStart gateway.StartResponse
	head      bool     // a HEAD request
	accept    Accepted // the client's Accept-Encoding
	enc       Encoding // the coding to use if the response is coded
	inm       string   // If-None-Match as sent, when it named a variant's tag

	state    state
	status   string          // the held status
	header   []gateway.Field // the held header
	declared int64           // the held header's Content-Length, -1 if none
	event    bool            // text/event-stream
	twice    bool            // a second start_response came while held
	status2  string          // its status and header, forwarded later
	header2  []gateway.Field
	inner    gateway.Body    // the application's body
	out      sink            // coded bytes
	held     []byte          // a stream's first bytes, held while deciding
	fields   []gateway.Field // the rewritten header
	w        encoder         // the stream's encoder, nil when none
	level    int             // w's level
	slot     bool            // the response holds a token of a.streams
	written  int64           // a coded stream's bytes in
	startFn  gateway.StartResponse
	streamFn iter.Seq2[[]byte, error]
	closeFn  func()
}

func (a *app) newResponse() *response {
	r := &response{a: a}
	r.startFn = r.start
	r.streamFn = r.stream
	r.closeFn = r.close
	return r
}

// maxKept bounds the buffers a pooled response keeps for the next one.
const maxKept = 256 << 10

// close ends the response (the server calls it through the body's
// OnClose): it closes the application's body and returns the response's
// parts to their pools.
func (r *response) close() {
	inner := r.inner
	if r.w != nil {
		putEncoder(r.enc, r.level, r.w)
	}
	if r.slot {
		<-r.a.streams
	}
	out, held, fields := r.out.b[:0], r.held[:0], r.fields[:0]
	if cap(out) > maxKept {
		out = nil
	}
	if cap(held) > maxKept {
		held = nil
	}
	clear(fields[:cap(fields)])
	*r = response{a: r.a, startFn: r.startFn, streamFn: r.streamFn, closeFn: r.closeFn,
		out: sink{b: out}, held: held, fields: fields}
	r.a.pool.Put(r)
	inner.Close()
}

// start is the application's start_response.
func (r *response) start(status string, header []gateway.Field) error {
	switch r.state {
	case stateHeld:
		if !r.twice {
			r.twice, r.status2, r.header2 = true, status, header
		}
		return gateway.ErrAlreadyStarted
	case stateNone:
	default:
		return r.realStart(status, header) // a second call: the server says no
	}
	code, err := gateway.CheckStatus(status)
	for i := 0; err == nil && i < len(header); i++ {
		err = gateway.CheckHeader(header[i])
	}
	if err != nil {
		return r.realStart(status, header) // refused, and the server knows why
	}
	h := gateway.Fields(header)
	switch r.plan(code, h) {
	case planPass:
		r.state = statePassed
		return r.realStart(status, header)
	case planVary:
		r.state = statePassed
		return r.realStart(status, r.withVary(header, ""))
	case plan304:
		r.state = statePassed
		return r.realStart(status, r.withVary(header, r.matchedETag(h.Get("ETag"))))
	}
	r.state, r.status, r.header, r.declared = stateHeld, status, header, -1
	if v, ok := h.Lookup("Content-Length"); ok {
		r.declared, _ = strconv.ParseInt(v, 10, 64) // CheckHeader saw digits
	}
	r.event = isEventStream(h.Get("Content-Type"))
	return nil
}

// plan is what start decides.
type plan uint8

const (
	planPass plan = iota // not compressible: as it is
	planVary             // compressible, but sent as it is: add Vary
	plan304              // a 304 for a coded variant: its ETag, and Vary
	planHold             // a candidate: hold the head
)

// plan decides what to do with a response of status code and header h.
func (r *response) plan(code int, h gateway.Fields) plan {
	if _, ok := h.Lookup("Content-Encoding"); ok || hasNoTransform(h) {
		return planPass
	}
	if code == 304 {
		if r.inm != "" && r.matchedETag(h.Get("ETag")) != "" {
			return plan304
		}
		return planPass
	}
	if !codableStatus(code) && code != 206 || !Compressible(h.Get("Content-Type")) {
		return planPass
	}
	if code == 206 || r.enc == Identity {
		return planVary
	}
	if v, ok := h.Lookup("Content-Length"); ok && !r.accept.IdentityRefused() {
		if n, _ := strconv.Atoi(v); n < r.a.o.MinBytes {
			return planVary
		}
	}
	return planHold
}

// codableStatus reports whether a response of status code may be coded:
// the successes with content but 206 (its ranges are of the uncoded
// bytes), and the errors, whose pages and problem documents are content
// too.
func codableStatus(code int) bool {
	return code >= 200 && code <= 203 || code >= 400
}

// hasNoTransform reports whether h asks that the content be sent as it
// is: "Cache-Control: no-transform" (RFC 9111 §5.2.2.6), which an
// application can use to opt a response out.
func hasNoTransform(h gateway.Fields) bool {
	for _, f := range h {
		if gateway.EqualFold(f.Name, "Cache-Control") && containsFold(f.Value, "no-transform") {
			return true
		}
	}
	return false
}

// finish takes the application's body and returns the one the server
// gets.
func (r *response) finish(body gateway.Body) gateway.Body {
	r.inner = body
	b, isBytes := body.Bytes()
	switch {
	case !isBytes:
		return gateway.Stream(r.streamFn).OnClose(r.closeFn)
	case r.state != stateHeld:
		return body.OnClose(r.closeFn)
	case r.declared >= 0 && r.declared != int64(len(b)),
		len(b) < r.a.o.MinBytes && !r.accept.IdentityRefused():
		// A wrong Content-Length is the server's to refuse; a small body
		// goes as it is.
		r.release(r.withVary(r.header, ""))
		return body.OnClose(r.closeFn)
	case r.head:
		// The coded length is not known without coding the body: a HEAD
		// goes without Content-Length (RFC 9110 §9.3.2) and with an empty
		// stream, for which the server sends none.
		r.release(r.coded(r.header))
		r.state = stateHeadSent
		return gateway.Stream(noChunks).OnClose(r.closeFn)
	}
	r.out.b = r.out.b[:0]
	encodeInto(&r.out, b, r.enc, r.a.o.level(r.enc))
	if len(r.out.b) >= len(b) && !r.accept.IdentityRefused() {
		r.release(r.withVary(r.header, "")) // incompressible after all
		return body.OnClose(r.closeFn)
	}
	r.release(r.coded(r.header))
	r.state = stateCoding
	return gateway.Bytes(r.out.b).OnClose(r.closeFn)
}

// noChunks is an empty stream.
func noChunks(func([]byte, error) bool) {}

// release sends the held head, as header, to the server's start_response,
// then the second call the application made meanwhile, if any, so that
// the server sees it. The held head passed CheckHeader, and so does what
// the wrapper makes of it.
func (r *response) release(header []gateway.Field) {
	r.state = statePassed
	r.realStart(r.status, header)
	if r.twice {
		r.realStart(r.status2, r.header2)
	}
}

// stream is the body the server gets for a stream: the application's
// chunks, held, coded or passed as decided.
func (r *response) stream(yield func([]byte, error) bool) {
	for chunk, err := range r.inner.Stream() {
		if err != nil {
			if r.state == stateHeld {
				r.state = statePassed // the server answers 500: the head never left
			}
			yield(nil, err)
			return
		}
		if len(chunk) == 0 {
			continue
		}
		switch r.state {
		case stateHeld:
			if !r.hold(chunk, yield) {
				return
			}
		case stateCoding:
			if !r.code(chunk, yield) {
				return
			}
		default: // passed, a HEAD's dropped body, or never started
			if !yield(chunk, nil) {
				return
			}
		}
	}
	switch r.state {
	case stateHeld: // ended under MinBytes
		r.release(r.withVary(r.header, ""))
		if len(r.held) > 0 {
			yield(r.held, nil)
		}
	case stateCoding:
		r.out.b = r.out.b[:0]
		r.w.Close()
		if !yield(r.out.b, nil) {
			return
		}
		if r.declared >= 0 && r.written != r.declared {
			yield(nil, fmt.Errorf("compress: stream of %d bytes declared Content-Length %d", r.written, r.declared))
		}
	}
}

// hold takes a chunk of a held stream, and decides when it can: a stream
// with a declared length or of server-sent events at once, any other when
// MinBytes have come. It reports false when the client has gone.
func (r *response) hold(chunk []byte, yield func([]byte, error) bool) bool {
	o := r.a.o
	ready := r.declared >= 0 || r.event || r.accept.IdentityRefused() ||
		len(r.held)+len(chunk) >= o.MinBytes
	if !ready {
		r.held = append(r.held, chunk...)
		return true
	}
	if !r.takeSlot() {
		r.release(r.withVary(r.header, ""))
		if len(r.held) > 0 && !yield(r.held, nil) {
			return false
		}
		return yield(chunk, nil)
	}
	r.release(r.coded(r.header))
	if r.head {
		r.state = stateHeadSent
		return yield(chunk, nil) // the server drops it
	}
	r.state = stateCoding
	r.level = o.level(r.enc)
	r.w = getEncoder(r.enc, r.level, &r.out)
	if len(r.held) > 0 {
		r.written += int64(len(r.held))
		r.w.Write(r.held)
	}
	return r.code(chunk, yield)
}

// takeSlot takes a token for a coded stream, if one is free.
func (r *response) takeSlot() bool {
	if r.head {
		return true // no encoder: the body is dropped
	}
	select {
	case r.a.streams <- struct{}{}:
		r.slot = true
		return true
	default:
		return false
	}
}

// code codes a chunk, flushes it, and yields what came out.
func (r *response) code(chunk []byte, yield func([]byte, error) bool) bool {
	r.written += int64(len(chunk))
	r.w.Write(chunk)
	r.w.Flush()
	if len(r.out.b) == 0 {
		return true
	}
	ok := yield(r.out.b, nil)
	r.out.b = r.out.b[:0]
	return ok
}
