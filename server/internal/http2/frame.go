package http2

import (
	"encoding/binary"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
)

// FrameType is the type of a frame (RFC 9113 §6).
type FrameType uint8

// The frame types of RFC 9113 §6. A frame of any other type is ignored
// (§5.5), except inside a header block.
const (
	FrameData         FrameType = 0x0
	FrameHeaders      FrameType = 0x1
	FramePriority     FrameType = 0x2
	FrameRSTStream    FrameType = 0x3
	FrameSettings     FrameType = 0x4
	FramePushPromise  FrameType = 0x5
	FramePing         FrameType = 0x6
	FrameGoAway       FrameType = 0x7
	FrameWindowUpdate FrameType = 0x8
	FrameContinuation FrameType = 0x9
)

var frameNames = [...]string{"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
	"PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"}

// String returns the type's name, such as "HEADERS", or "UNKNOWN_0x2a".
func (t FrameType) String() string {
	if int(t) < len(frameNames) {
		return frameNames[t]
	}
	return "UNKNOWN_0x" + strconv.FormatUint(uint64(t), 16)
}

// Flags are a frame's flags; which bits mean what depends on its type.
type Flags uint8

// The flags of RFC 9113 §6.
const (
	FlagEndStream  Flags = 0x1  // DATA, HEADERS
	FlagAck        Flags = 0x1  // SETTINGS, PING
	FlagEndHeaders Flags = 0x4  // HEADERS, CONTINUATION
	FlagPadded     Flags = 0x8  // DATA, HEADERS
	FlagPriority   Flags = 0x20 // HEADERS
)

// Has reports whether all of the flags in v are set in f.
func (f Flags) Has(v Flags) bool { return f&v == v }

// Sizes from RFC 9113.
const (
	// FrameHeaderLen is the length of a frame header (§4.1).
	FrameHeaderLen = 9
	// DefaultMaxFrameSize is SETTINGS_MAX_FRAME_SIZE's initial value, and
	// the largest frame payload this server accepts (§6.5.2).
	DefaultMaxFrameSize = 16384
	// MaxFrameSizeLimit is the largest SETTINGS_MAX_FRAME_SIZE a peer may
	// announce, 2^24-1 (§6.5.2).
	MaxFrameSizeLimit = 1<<24 - 1
	maxWindow         = 1<<31 - 1
	maxStreamID       = 1<<31 - 1
)

// Preface is the client connection preface (RFC 9113 §3.4), which a
// client sends first, before its SETTINGS frame. A plain listener that
// sees it serves h2c with prior knowledge.
const Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// FrameHeader is the 9-octet header of every frame (RFC 9113 §4.1):
//
//	HTTP Frame {
//	  Length (24),
//	  Type (8),
//	  Flags (8),
//	  Reserved (1),
//	  Stream Identifier (31),
//	  Frame Payload (..),
//	}
type FrameHeader struct {
	Length   uint32 // of the payload, in bytes
	Type     FrameType
	Flags    Flags
	StreamID uint32 // the reserved bit cleared
}

// parseFrameHeader reads a FrameHeader from the first 9 bytes of b.
func parseFrameHeader(b []byte) FrameHeader {
	return FrameHeader{
		Length:   uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]),
		Type:     FrameType(b[3]),
		Flags:    Flags(b[4]),
		StreamID: binary.BigEndian.Uint32(b[5:9]) & maxStreamID,
	}
}

// FrameReader reads frames from a connection through a buffer of its own,
// without copying their payloads: the payload ReadFrame returns is valid
// until the next call.
type FrameReader struct {
	r          io.Reader
	buf        []byte
	start, end int
	// MaxSize is the largest payload accepted; a larger frame is a
	// connection error FRAME_SIZE_ERROR (RFC 9113 §4.2). Zero means
	// DefaultMaxFrameSize.
	MaxSize uint32
	// progress, if set, is told the payload bytes received so far of a
	// request frame (HEADERS, CONTINUATION, DATA) that arrives in more
	// than one read (the minimum rate counts them: rate.go).
	progress func(n int)

	// A connection's reader (newConnFrameReader) has a pooled buffer,
	// which it gives back while lean holds (the connection has no stream
	// open) and nothing is buffered: it waits for the next bytes in first.
	bufp  *[]byte
	lean  atomic.Bool
	held  atomic.Int32 // len(buf) while a pooled buffer is held, for ConnStats
	first [16]byte
}

// connBufSize is the size of a connection's read buffer: a frame of the
// default largest size and its header, and 4 KiB more.
const connBufSize = FrameHeaderLen + DefaultMaxFrameSize + 4096

// connBufs are connections' read buffers, given back while they are idle.
var connBufs = sync.Pool{New: func() any { b := make([]byte, connBufSize); return &b }}

// newConnFrameReader returns a FrameReader of a connection, whose buffer
// comes from connBufs and goes back there while the connection is lean.
func newConnFrameReader(r io.Reader) *FrameReader {
	bp := connBufs.Get().(*[]byte)
	fr := &FrameReader{r: r, buf: *bp, bufp: bp}
	fr.held.Store(int32(len(fr.buf)))
	return fr
}

// waitLean gives the buffer back, waits for the connection's next bytes
// (a read into first), and takes a buffer again for them.
func (fr *FrameReader) waitLean() error {
	connBufs.Put(fr.bufp)
	fr.buf, fr.bufp = nil, nil
	fr.held.Store(0)
	m, err := fr.r.Read(fr.first[:])
	fr.bufp = connBufs.Get().(*[]byte)
	fr.buf = *fr.bufp
	fr.held.Store(int32(len(fr.buf)))
	fr.start, fr.end = 0, copy(fr.buf, fr.first[:m])
	if m > 0 {
		return nil
	}
	return err
}

// NewFrameReader returns a FrameReader of r whose buffer holds buf's
// capacity, at least one frame of the largest size; nil buf allocates one.
func NewFrameReader(r io.Reader, buf []byte) *FrameReader {
	if cap(buf) < FrameHeaderLen+DefaultMaxFrameSize {
		buf = make([]byte, 2*(FrameHeaderLen+DefaultMaxFrameSize))
	}
	return &FrameReader{r: r, buf: buf[:cap(buf)]}
}

// Buffered returns the number of bytes read from the connection but not
// yet returned in a frame.
func (fr *FrameReader) Buffered() int { return fr.end - fr.start }

// prime puts p, bytes already read from the connection, before what the
// reader reads next.
func (fr *FrameReader) prime(p []byte) {
	fr.start, fr.end = 0, copy(fr.buf, p)
}

// fill reads until at least n bytes are buffered.
func (fr *FrameReader) fill(n int) error {
	if fr.end-fr.start >= n {
		return nil
	}
	if fr.end == fr.start && fr.bufp != nil && fr.lean.Load() {
		if err := fr.waitLean(); err != nil {
			return err
		}
	}
	if fr.start+n > len(fr.buf) {
		fr.end = copy(fr.buf, fr.buf[fr.start:fr.end])
		fr.start = 0
	}
	for fr.end-fr.start < n {
		m, err := fr.r.Read(fr.buf[fr.end:])
		fr.end += m
		if fr.end-fr.start >= n {
			return nil
		}
		if err != nil {
			if err == io.EOF && fr.end > fr.start {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// ReadPreface reads the client preface (RFC 9113 §3.4) and returns
// ErrBadPreface if the connection starts with anything else.
func (fr *FrameReader) ReadPreface() error {
	if err := fr.fill(len(Preface)); err != nil {
		return err
	}
	if string(fr.buf[fr.start:fr.start+len(Preface)]) != Preface {
		return ErrBadPreface
	}
	fr.start += len(Preface)
	return nil
}

// ReadFrame reads the next frame and returns its header and payload. A
// payload longer than MaxSize is a ConnError FRAME_SIZE_ERROR, returned
// before its bytes are read. Other errors are the connection's.
func (fr *FrameReader) ReadFrame() (FrameHeader, []byte, error) {
	if err := fr.fill(FrameHeaderLen); err != nil {
		return FrameHeader{}, nil, err
	}
	h := parseFrameHeader(fr.buf[fr.start:])
	max := fr.MaxSize
	if max == 0 {
		max = DefaultMaxFrameSize
	}
	if h.Length > max {
		return h, nil, ConnError{ErrCodeFrameSize, h.Type.String() + " frame larger than SETTINGS_MAX_FRAME_SIZE"}
	}
	n := FrameHeaderLen + int(h.Length)
	if fr.progress != nil && fr.end-fr.start < n && (h.Type == FrameData || h.Type == FrameHeaders || h.Type == FrameContinuation) {
		for fr.end-fr.start < n {
			fr.progress(fr.end - fr.start - FrameHeaderLen)
			if err := fr.fill(fr.end - fr.start + 1); err != nil {
				return h, nil, err
			}
		}
	}
	if err := fr.fill(n); err != nil {
		return h, nil, err
	}
	p := fr.buf[fr.start+FrameHeaderLen : fr.start+n : fr.start+n]
	fr.start += n
	if fr.start == fr.end {
		fr.start, fr.end = 0, 0
	}
	return h, p, nil
}

// Priority is the priority a HEADERS or PRIORITY frame carries (RFC 9113
// §5.3.2, deprecated by RFC 9113 and ignored by this server but for its
// checks).
type Priority struct {
	StreamDep uint32
	Exclusive bool
	Weight    uint8
}

// Frame is a frame parsed by ParseFrame: the header and the fields of its
// type. Byte slices point into the payload given to ParseFrame.
type Frame struct {
	FrameHeader
	Data       []byte   // DATA's data, HEADERS' and CONTINUATION's fragment, GOAWAY's debug data
	Priority   Priority // HEADERS with FlagPriority, PRIORITY
	ErrCode    ErrCode  // RST_STREAM, GOAWAY
	LastStream uint32   // GOAWAY
	Increment  uint32   // WINDOW_UPDATE
	PingData   [8]byte  // PING
	Settings   []byte   // SETTINGS: the raw 6-byte entries (see Settings)
	PaddedLen  uint32   // DATA: the whole payload length, which flow control counts
}

// ParseFrame checks a client's frame payload against the rules of its type
// in RFC 9113 §6 that need no connection state, and returns its fields.
// Errors are ConnError or StreamError as the RFC requires. An unknown type
// parses to its header alone (§5.5).
func ParseFrame(h FrameHeader, p []byte) (Frame, error) {
	f := Frame{FrameHeader: h}
	switch h.Type {
	case FrameData:
		if h.StreamID == 0 {
			return f, ConnError{ErrCodeProtocol, "DATA on stream 0"}
		}
		f.PaddedLen = uint32(len(p))
		d, err := unpad(h, p)
		f.Data = d
		return f, err
	case FrameHeaders:
		if h.StreamID == 0 {
			return f, ConnError{ErrCodeProtocol, "HEADERS on stream 0"}
		}
		d, err := unpad(h, p)
		if err != nil {
			return f, err
		}
		if h.Flags.Has(FlagPriority) {
			if len(d) < 5 {
				return f, ConnError{ErrCodeFrameSize, "HEADERS too short for its priority"}
			}
			f.Priority = parsePriority(d)
			d = d[5:]
			if f.Priority.StreamDep == h.StreamID {
				// Still a header block to decode: the caller decodes it first.
				f.Data = d
				return f, StreamError{h.StreamID, ErrCodeProtocol, "stream depends on itself"}
			}
		}
		f.Data = d
	case FramePriority:
		if h.StreamID == 0 {
			return f, ConnError{ErrCodeProtocol, "PRIORITY on stream 0"}
		}
		if len(p) != 5 {
			return f, StreamError{h.StreamID, ErrCodeFrameSize, "PRIORITY length not 5"}
		}
		f.Priority = parsePriority(p)
		if f.Priority.StreamDep == h.StreamID {
			return f, StreamError{h.StreamID, ErrCodeProtocol, "stream depends on itself"}
		}
	case FrameRSTStream:
		if h.StreamID == 0 {
			return f, ConnError{ErrCodeProtocol, "RST_STREAM on stream 0"}
		}
		if len(p) != 4 {
			return f, ConnError{ErrCodeFrameSize, "RST_STREAM length not 4"}
		}
		f.ErrCode = ErrCode(binary.BigEndian.Uint32(p))
	case FrameSettings:
		if h.StreamID != 0 {
			return f, ConnError{ErrCodeProtocol, "SETTINGS on a stream"}
		}
		if h.Flags.Has(FlagAck) {
			if len(p) != 0 {
				return f, ConnError{ErrCodeFrameSize, "SETTINGS ACK with a payload"}
			}
			return f, nil
		}
		if len(p)%6 != 0 {
			return f, ConnError{ErrCodeFrameSize, "SETTINGS length not a multiple of 6"}
		}
		f.Settings = p
		return f, checkSettings(p)
	case FramePushPromise:
		return f, ConnError{ErrCodeProtocol, "PUSH_PROMISE from a client"}
	case FramePing:
		if h.StreamID != 0 {
			return f, ConnError{ErrCodeProtocol, "PING on a stream"}
		}
		if len(p) != 8 {
			return f, ConnError{ErrCodeFrameSize, "PING length not 8"}
		}
		copy(f.PingData[:], p)
	case FrameGoAway:
		if h.StreamID != 0 {
			return f, ConnError{ErrCodeProtocol, "GOAWAY on a stream"}
		}
		if len(p) < 8 {
			return f, ConnError{ErrCodeFrameSize, "GOAWAY shorter than 8"}
		}
		f.LastStream = binary.BigEndian.Uint32(p) & maxStreamID
		f.ErrCode = ErrCode(binary.BigEndian.Uint32(p[4:]))
		f.Data = p[8:]
	case FrameWindowUpdate:
		if len(p) != 4 {
			return f, ConnError{ErrCodeFrameSize, "WINDOW_UPDATE length not 4"}
		}
		f.Increment = binary.BigEndian.Uint32(p) & maxWindow
		if f.Increment == 0 {
			if h.StreamID == 0 {
				return f, ConnError{ErrCodeProtocol, "WINDOW_UPDATE of 0"}
			}
			return f, StreamError{h.StreamID, ErrCodeProtocol, "WINDOW_UPDATE of 0"}
		}
	case FrameContinuation:
		if h.StreamID == 0 {
			return f, ConnError{ErrCodeProtocol, "CONTINUATION on stream 0"}
		}
		f.Data = p
	}
	return f, nil
}

// unpad strips the padding of a DATA or HEADERS payload (RFC 9113 §6.1):
// a Pad Length octet first, then the data, then that many octets.
func unpad(h FrameHeader, p []byte) ([]byte, error) {
	if !h.Flags.Has(FlagPadded) {
		return p, nil
	}
	if len(p) == 0 {
		return nil, ConnError{ErrCodeFrameSize, h.Type.String() + " padded but empty"}
	}
	pad := int(p[0])
	if pad >= len(p) {
		return nil, ConnError{ErrCodeProtocol, h.Type.String() + " padding longer than its payload"}
	}
	return p[1 : len(p)-pad], nil
}

func parsePriority(p []byte) Priority {
	v := binary.BigEndian.Uint32(p)
	return Priority{StreamDep: v & maxStreamID, Exclusive: v>>31 == 1, Weight: p[4]}
}

// AppendFrameHeader appends h's 9 octets to b.
func AppendFrameHeader(b []byte, h FrameHeader) []byte {
	return append(b, byte(h.Length>>16), byte(h.Length>>8), byte(h.Length),
		byte(h.Type), byte(h.Flags),
		byte(h.StreamID>>24), byte(h.StreamID>>16), byte(h.StreamID>>8), byte(h.StreamID))
}

// AppendFrame appends a whole frame, its header and payload, to b.
func AppendFrame(b []byte, t FrameType, flags Flags, stream uint32, payload []byte) []byte {
	b = AppendFrameHeader(b, FrameHeader{uint32(len(payload)), t, flags, stream})
	return append(b, payload...)
}

// AppendData appends a DATA frame carrying data, which must fit the peer's
// SETTINGS_MAX_FRAME_SIZE.
func AppendData(b []byte, stream uint32, endStream bool, data []byte) []byte {
	var f Flags
	if endStream {
		f = FlagEndStream
	}
	return AppendFrame(b, FrameData, f, stream, data)
}

// AppendHeaderBlock appends a header block as a HEADERS frame followed by
// as many CONTINUATION frames as maxFrame requires (RFC 9113 §4.3).
func AppendHeaderBlock(b []byte, stream uint32, endStream bool, block []byte, maxFrame uint32) []byte {
	t, f := FrameHeaders, Flags(0)
	if endStream {
		f = FlagEndStream
	}
	for {
		n := len(block)
		if n > int(maxFrame) {
			n = int(maxFrame)
		}
		if n == len(block) {
			f |= FlagEndHeaders
		}
		b = AppendFrame(b, t, f, stream, block[:n])
		block = block[n:]
		if len(block) == 0 {
			return b
		}
		t, f = FrameContinuation, 0
	}
}

// AppendRSTStream appends a RST_STREAM frame.
func AppendRSTStream(b []byte, stream uint32, code ErrCode) []byte {
	b = AppendFrameHeader(b, FrameHeader{4, FrameRSTStream, 0, stream})
	return binary.BigEndian.AppendUint32(b, uint32(code))
}

// AppendPing appends a PING frame.
func AppendPing(b []byte, ack bool, data [8]byte) []byte {
	var f Flags
	if ack {
		f = FlagAck
	}
	return AppendFrame(b, FramePing, f, 0, data[:])
}

// AppendGoAway appends a GOAWAY frame (RFC 9113 §6.8).
func AppendGoAway(b []byte, lastStream uint32, code ErrCode, debug []byte) []byte {
	b = AppendFrameHeader(b, FrameHeader{uint32(8 + len(debug)), FrameGoAway, 0, 0})
	b = binary.BigEndian.AppendUint32(b, lastStream)
	b = binary.BigEndian.AppendUint32(b, uint32(code))
	return append(b, debug...)
}

// AppendWindowUpdate appends a WINDOW_UPDATE frame (stream 0: the
// connection's window).
func AppendWindowUpdate(b []byte, stream, increment uint32) []byte {
	b = AppendFrameHeader(b, FrameHeader{4, FrameWindowUpdate, 0, stream})
	return binary.BigEndian.AppendUint32(b, increment)
}
