package http2

import (
	"strconv"
	"strings"

	"golang.org/x/net/http2/hpack"

	"github.com/miniweb/miniweb/server/gateway"
)

// headerDecoder is the HPACK glue on the request side: one per connection,
// since HPACK's dynamic table is the connection's (RFC 7541 §2.2). The
// fragments of a header block go to write one by one, as their frames
// come, so that no header block is ever buffered whole; the decoded fields
// go through requestHead.add.
type headerDecoder struct {
	dec  *hpack.Decoder
	head *requestHead
}

// newHeaderDecoder returns a decoder with HPACK's default 4,096-byte
// dynamic table (this server never announces another
// SETTINGS_HEADER_TABLE_SIZE), whose single strings are bounded by
// maxString bytes.
func newHeaderDecoder(maxString uint32) *headerDecoder {
	d := &headerDecoder{}
	d.dec = hpack.NewDecoder(4096, d.emit)
	d.dec.SetMaxStringLength(int(maxString))
	return d
}

func (d *headerDecoder) emit(f hpack.HeaderField) {
	d.head.add(f.Name, f.Value)
}

// begin starts a header block whose fields go to head.
func (d *headerDecoder) begin(head *requestHead) { d.head = head }

// write decodes one fragment of the block. An error is a connection error
// COMPRESSION_ERROR (RFC 9113 §4.3): the dynamic table can no longer be
// trusted.
func (d *headerDecoder) write(frag []byte) error {
	if _, err := d.dec.Write(frag); err != nil {
		return ConnError{ErrCodeCompression, "HPACK: " + err.Error()}
	}
	return nil
}

// end ends the block: a field cut in the middle is a COMPRESSION_ERROR.
func (d *headerDecoder) end() error {
	d.head.finish()
	if err := d.dec.Close(); err != nil {
		return ConnError{ErrCodeCompression, "HPACK: " + err.Error()}
	}
	return nil
}

// headerEncoder is the HPACK glue on the response side, one per connection,
// used under the connection's write lock so that header blocks reach the
// wire in the order they were encoded.
type headerEncoder struct {
	enc   *hpack.Encoder
	block blockBuffer
}

// blockBuffer is the io.Writer the HPACK encoder appends to.
type blockBuffer struct{ b []byte }

func (w *blockBuffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

func newHeaderEncoder() *headerEncoder {
	e := &headerEncoder{}
	e.enc = hpack.NewEncoder(&e.block)
	return e
}

// statusIndex returns the HPACK static table entry of :status (RFC 7541
// Appendix A, entries 8 to 14), or 0.
func statusIndex(status int) byte {
	switch status {
	case 200:
		return 8
	case 204:
		return 9
	case 206:
		return 10
	case 304:
		return 11
	case 400:
		return 12
	case 404:
		return 13
	case 500:
		return 14
	}
	return 0
}

// encode returns the header block of a response head: :status, the
// fields (names lowercased, connection-specific ones dropped: RFC 9113
// §8.2.2), and content-length when contentLength >= 0. With status 0 it
// encodes a trailer section. The block is valid until the next call.
//
// :status and content-length are written as HPACK literals without
// indexing (RFC 7541 §6.2.2) of static-table names, byte by byte: they
// change from response to response, so indexing them would only churn the
// dynamic table, and the value needs no string.
func (e *headerEncoder) encode(status int, fields []gateway.Field, contentLength int64) []byte {
	b := e.block.b[:0]
	if status != 0 {
		if i := statusIndex(status); i != 0 {
			b = append(b, 0x80|i) // indexed field (RFC 7541 §6.1)
		} else {
			b = append(b, 0x08, 3) // literal, name :status (index 8), 3 octets
			b = strconv.AppendInt(b, int64(status), 10)
		}
	}
	if contentLength >= 0 {
		b = append(b, 0x0f, 28-15, 0) // literal, name content-length (index 28)
		n := len(b)
		b = strconv.AppendInt(b, contentLength, 10)
		b[n-1] = byte(len(b) - n)
	}
	e.block.b = b
	for _, f := range fields {
		name := lowerName(f.Name)
		switch name {
		case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "content-length":
			continue
		}
		e.enc.WriteField(hpack.HeaderField{Name: name, Value: f.Value})
	}
	return e.block.b
}

// commonNames maps the canonical spelling of common response field names
// to their HTTP/2 form, so that lowering them costs no allocation.
var commonNames = map[string]string{}

func init() {
	for _, n := range []string{"Content-Type", "Content-Encoding", "Content-Language",
		"Content-Disposition", "Content-Range", "Content-Security-Policy", "Cache-Control",
		"Date", "Etag", "ETag", "Expires", "Last-Modified", "Location", "Server", "Set-Cookie",
		"Vary", "Accept-Ranges", "Age", "Allow", "Link", "Retry-After", "Strict-Transport-Security",
		"Www-Authenticate", "WWW-Authenticate", "X-Content-Type-Options", "X-Frame-Options",
		"Referrer-Policy", "Access-Control-Allow-Origin", "Trailer"} {
		commonNames[n] = strings.ToLower(n)
	}
}

// lowerName returns name in lowercase, without allocating when it already
// is or is a common name.
func lowerName(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' {
			if l, ok := commonNames[name]; ok {
				return l
			}
			return strings.ToLower(name)
		}
	}
	return name
}
