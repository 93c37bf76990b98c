package http2

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/net/http2/hpack"
)

// FuzzFrameReader reads frames from arbitrary bytes, all at once and one
// byte per read, and parses each as a client's. Oracles: both ways of
// reading give the same frames; no payload is longer than MaxSize; errors
// are connection or stream errors or the input's end; and every frame
// that parses, written back with the Append functions, parses to the same
// fields.
func FuzzFrameReader(f *testing.F) {
	f.Add([]byte(Preface))
	f.Add(AppendSettings(nil, Setting{SettingInitialWindowSize, 0}, Setting{SettingMaxFrameSize, 1 << 20}))
	f.Add(AppendData(AppendData(nil, 1, false, []byte("abc")), 1, true, nil))
	f.Add(AppendFrame(nil, FrameData, FlagPadded|FlagEndStream, 1, []byte{3, 'h', 'i', 0, 0, 0}))
	f.Add(AppendFrame(nil, FrameHeaders, FlagPriority|FlagEndHeaders, 3, []byte{0, 0, 0, 1, 15, 0x82, 0x84}))
	f.Add(AppendFrame(nil, FrameHeaders, FlagPadded, 5, []byte{1, 0x82, 0}))
	f.Add(AppendFrame(nil, FramePriority, 0, 3, []byte{0, 0, 0, 3, 1}))
	f.Add(AppendRSTStream(nil, 1, ErrCodeCancel))
	f.Add(AppendPing(AppendSettingsAck(nil), false, [8]byte{1, 2, 3}))
	f.Add(AppendGoAway(nil, 7, ErrCodeEnhanceYourCalm, []byte("bye")))
	f.Add(AppendWindowUpdate(AppendWindowUpdate(nil, 0, 1), 1, 0))
	f.Add(AppendFrame(nil, FrameContinuation, FlagEndHeaders, 1, []byte{0x82}))
	f.Add(AppendFrame(nil, FramePushPromise, 0, 1, []byte{0, 0, 0, 2}))
	f.Add(AppendFrame(nil, 0x42, 0xff, 9, []byte("unknown")))
	f.Add(append(AppendFrameHeader(nil, FrameHeader{DefaultMaxFrameSize + 1, FrameData, 0, 1}), 'x'))
	f.Fuzz(func(t *testing.T, in []byte) {
		whole := readFrames(t, bytes.NewReader(in), false)
		for _, progress := range []bool{false, true} {
			oneByte := readFrames(t, iotest.OneByteReader(bytes.NewReader(in)), progress)
			if len(whole) != len(oneByte) {
				t.Fatalf("%d frames at once, %d one byte at a time (progress told: %v)", len(whole), len(oneByte), progress)
			}
			for i := range whole {
				if whole[i] != oneByte[i] {
					t.Fatalf("frame %d: %s at once, %s one byte at a time (progress told: %v)", i, whole[i], oneByte[i], progress)
				}
			}
		}
	})
}

// readFrames reads frames until an error and describes each, checking the
// oracles of FuzzFrameReader; with progress, the reader tells the bytes of
// each request frame received so far (the minimum rate's count), which
// must grow within a frame and stay below its length.
func readFrames(t *testing.T, r io.Reader, progress bool) []string {
	fr := NewFrameReader(r, nil)
	told := -1
	if progress {
		fr.progress = func(n int) {
			if n < told || n < 0 || n >= DefaultMaxFrameSize {
				t.Fatalf("progress %d after %d", n, told)
			}
			told = n
		}
	}
	var out []string
	for {
		h, p, err := fr.ReadFrame()
		if told >= 0 && err == nil && (told >= int(h.Length) || h.Type != FrameData && h.Type != FrameHeaders && h.Type != FrameContinuation) {
			t.Fatalf("progress %d told for %s of %d bytes", told, h.Type, h.Length)
		}
		told = -1
		if err != nil {
			var ce ConnError
			if !errors.As(err, &ce) && err != io.EOF && err != io.ErrUnexpectedEOF {
				t.Fatalf("ReadFrame: unexpected error %v", err)
			}
			return append(out, "error "+err.Error())
		}
		if len(p) > DefaultMaxFrameSize || uint32(len(p)) != h.Length {
			t.Fatalf("payload of %d bytes, header says %d", len(p), h.Length)
		}
		f, err := ParseFrame(h, p)
		if err != nil {
			var ce ConnError
			var se StreamError
			if !errors.As(err, &ce) && !errors.As(err, &se) {
				t.Fatalf("ParseFrame: unexpected error %v", err)
			}
			out = append(out, h.Type.String()+" "+err.Error())
			continue
		}
		checkRoundTrip(t, f)
		out = append(out, describe(f))
	}
}

// checkRoundTrip writes f back and parses it again.
func checkRoundTrip(t *testing.T, f Frame) {
	var b []byte
	flags := f.Flags &^ (FlagPadded | FlagPriority)
	switch f.Type {
	case FrameData:
		b = AppendData(nil, f.StreamID, f.Flags.Has(FlagEndStream), f.Data)
	case FrameHeaders, FrameContinuation:
		b = AppendFrame(nil, f.Type, flags, f.StreamID, f.Data)
	case FrameRSTStream:
		b = AppendRSTStream(nil, f.StreamID, f.ErrCode)
	case FramePing:
		b = AppendPing(nil, f.Flags.Has(FlagAck), f.PingData)
	case FrameGoAway:
		b = AppendGoAway(nil, f.LastStream, f.ErrCode, f.Data)
	case FrameWindowUpdate:
		b = AppendWindowUpdate(nil, f.StreamID, f.Increment)
	case FrameSettings:
		if f.Flags.Has(FlagAck) {
			b = AppendSettingsAck(nil)
		} else {
			var s []Setting
			ForEachSetting(f.Settings, func(v Setting) { s = append(s, v) })
			b = AppendSettings(nil, s...)
		}
	default:
		return
	}
	h := parseFrameHeader(b)
	g, err := ParseFrame(h, b[FrameHeaderLen:])
	if err != nil {
		t.Fatalf("%s written back does not parse: %v", f.Type, err)
	}
	if f.Type == FrameHeaders {
		g.Priority = f.Priority // not written back
	}
	g.Flags, g.PaddedLen = f.Flags, f.PaddedLen
	g.Length = f.Length
	if describe(f) != describe(g) {
		t.Fatalf("round trip:\n%s\n%s", describe(f), describe(g))
	}
}

func describe(f Frame) string {
	var b strings.Builder
	b.WriteString(f.Type.String())
	b.WriteString(" ")
	b.WriteString(string(rune('0' + f.Flags)))
	for _, v := range []uint32{f.Length, f.StreamID, f.Priority.StreamDep, uint32(f.Priority.Weight), uint32(f.ErrCode), f.LastStream, f.Increment, f.PaddedLen} {
		b.WriteString(" ")
		b.WriteString(string(rune('0' + v%1000)))
	}
	b.Write(f.Data)
	b.Write(f.PingData[:])
	b.Write(f.Settings)
	return b.String()
}

// FuzzRequestHeaders decodes arbitrary bytes as a request's HPACK header
// block through the glue the server uses (HPACK -> requestHead.add ->
// finish). Oracles: a decoding error is a COMPRESSION_ERROR; an accepted
// request keeps the rules of RFC 9113 §8.2-8.3 (checked again here, the
// other way round); and its fields, encoded again and decoded, give the
// same request.
func FuzzRequestHeaders(f *testing.F) {
	enc := func(fields ...string) []byte {
		var bb blockBuffer
		e := hpack.NewEncoder(&bb)
		for i := 0; i+1 < len(fields); i += 2 {
			e.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
		}
		return bb.b
	}
	f.Add(enc(":method", "GET", ":scheme", "https", ":authority", "a.example", ":path", "/x?y=1", "accept", "*/*"))
	f.Add(enc(":method", "POST", ":scheme", "http", ":path", "/p", "host", "h", "content-length", "3", "te", "trailers"))
	f.Add(enc(":method", "GET", ":scheme", "http", ":path", "/", "cookie", "a=1", "cookie", "b=2"))
	f.Add(enc(":method", "GET", ":scheme", "http", ":path", "/", "Upper", "x"))
	f.Add(enc(":method", "GET", ":scheme", "http", ":path", "/", "connection", "close"))
	f.Add(enc(":method", "CONNECT", ":authority", "a:443"))
	f.Add(enc(":method", "OPTIONS", ":scheme", "http", ":path", "*"))
	f.Add(enc("x", "1", ":method", "GET"))
	f.Add([]byte{0x82, 0x86, 0x84, 0x41, 0x8a, 0x08, 0x9d, 0x5c, 0x0b, 0x81, 0x70, 0xdc, 0x78, 0x0f, 0x03})
	f.Add([]byte{0x3f, 0xe1, 0x1f})
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := decodeHead(in, 4096)
		if err != nil {
			var ce ConnError
			if !errors.As(err, &ce) || ce.Code != ErrCodeCompression {
				t.Fatalf("decode error %v is not a COMPRESSION_ERROR", err)
			}
			return
		}
		if h.bad != "" || h.tooLarge {
			return
		}
		checkAccepted(t, h)
		again := enc(encodeHead(h)...)
		h2, err := decodeHead(again, 4096)
		if err != nil || h2.bad != "" || h2.tooLarge {
			t.Fatalf("accepted request encoded again is refused: %v %q", err, h2.bad)
		}
		if h.method != h2.method || h.scheme != h2.scheme || h.authority != h2.authority || h.path != h2.path ||
			h.contentLength != h2.contentLength || len(h.fields) != len(h2.fields) {
			t.Fatalf("round trip: %+v\n%+v", h, h2)
		}
		for i := range h.fields {
			if h.fields[i] != h2.fields[i] {
				t.Fatalf("field %d: %v, then %v", i, h.fields[i], h2.fields[i])
			}
		}
	})
}

// decodeHead decodes one header block with a fresh decoder.
func decodeHead(block []byte, max uint32) (*requestHead, error) {
	h := &requestHead{}
	h.reset(max, false)
	d := newHeaderDecoder(max)
	d.begin(h)
	if err := d.write(block); err != nil {
		return h, err
	}
	return h, d.end()
}

// encodeHead lists an accepted head's fields as name, value pairs.
func encodeHead(h *requestHead) []string {
	var out []string
	for _, p := range [][2]string{{":method", h.method}, {":scheme", h.scheme}, {":authority", h.authority}, {":path", h.path}} {
		if p[1] != "" {
			out = append(out, p[0], p[1])
		}
	}
	for _, f := range h.fields {
		out = append(out, f.Name, f.Value)
	}
	return out
}

// checkAccepted checks an accepted request against RFC 9113 §8.2-8.3.
func checkAccepted(t *testing.T, h *requestHead) {
	if h.method == "" || (h.method != "CONNECT" && (h.scheme == "" || h.path == "")) {
		t.Fatalf("accepted without its pseudo-header fields: %+v", h)
	}
	if h.method != "CONNECT" && !strings.HasPrefix(h.path, "/") && !(h.path == "*" && h.method == "OPTIONS") {
		t.Fatalf("accepted path %q", h.path)
	}
	cookies := 0
	for _, f := range h.fields {
		if f.Name == "" || strings.ToLower(f.Name) != f.Name || f.Name[0] == ':' {
			t.Fatalf("accepted field name %q", f.Name)
		}
		if strings.ContainsAny(f.Value, "\x00\r\n") || strings.Trim(f.Value, " \t") != f.Value {
			t.Fatalf("accepted field value %q", f.Value)
		}
		switch f.Name {
		case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
			t.Fatalf("accepted connection-specific field %q", f.Name)
		case "te":
			if f.Value != "trailers" {
				t.Fatalf("accepted te %q", f.Value)
			}
		case "cookie":
			cookies++
		case "host":
			if h.authority != f.Value {
				t.Fatalf("host %q, authority %q", f.Value, h.authority)
			}
		}
	}
	if cookies > 1 {
		t.Fatalf("%d cookie fields after joining", cookies)
	}
}
