// Package http1 reads and writes HTTP/1.1 messages on the wire (RFC 9112),
// for miniweb's own server: request heads with Reader.ReadRequest, request
// bodies framed by Content-Length or the chunked coding with Reader.Body,
// and response heads (see Writer).
//
// It does not use net/http: no http.Server, no http.ReadRequest, no
// textproto. It knows nothing of routing, handlers or logging: it returns
// errors, and the connection loop decides what to answer and what to log.
// StatusOf maps each protocol error to the status to answer with; the
// answer should carry the fixed status text only, never the error text,
// which quotes a few request bytes for the log.
//
// # Strictness
//
// Parsing is strict where leniency has been the root of request smuggling
// and cache poisoning bugs: lines end in CRLF only (a bare LF or CR is
// refused), exactly one SP separates the parts of the request line, a field
// name is a token directly followed by the colon, obs-fold is refused,
// Content-Length may appear once and only without Transfer-Encoding, and
// chunked must be the only transfer coding. Every size is bounded by Limits
// or a constant, and every input is scanned in linear time, even when it
// arrives one byte per read.
//
// Versions: HTTP/1.0 and HTTP/1.1 are served as sent; HTTP/1.2 to HTTP/1.9
// are served as HTTP/1.1, the highest minor version supported (RFC 9110
// §2.5), and Request.Proto says "HTTP/1.1"; any other major version is
// answered 505, and a version that is not "HTTP/" DIGIT "." DIGIT 400.
//
// # Grammar
//
// A request (RFC 9112 §2.1):
//
//	HTTP-message   = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
//
// The request line (RFC 9112 §3, §3.1, §3.2, §2.3):
//
//	request-line   = method SP request-target SP HTTP-version
//	method         = token
//	request-target = origin-form / absolute-form / authority-form / asterisk-form
//	origin-form    = absolute-path [ "?" query ]
//	absolute-form  = absolute-URI
//	authority-form = uri-host ":" port
//	asterisk-form  = "*"
//	HTTP-version   = HTTP-name "/" DIGIT "." DIGIT
//	HTTP-name      = %s"HTTP"
//
// A field line (RFC 9112 §5, RFC 9110 §5.5, §5.6.2):
//
//	field-line     = field-name ":" OWS field-value OWS
//	field-name     = token
//	field-value    = *field-content
//	field-content  = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]
//	field-vchar    = VCHAR / obs-text
//	token          = 1*tchar
//
// The Host field (RFC 9112 §3.2), required exactly once in HTTP/1.1:
//
//	Host           = uri-host [ ":" port ]
//
// A chunked body (RFC 9112 §7.1, §7.1.1, §7.1.2):
//
//	chunked-body   = *chunk last-chunk trailer-section CRLF
//	chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	chunk-size     = 1*HEXDIG
//	last-chunk     = 1*("0") [ chunk-ext ] CRLF
//	chunk-data     = 1*OCTET
//	chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//	chunk-ext-name = token
//	chunk-ext-val  = token / quoted-string
//	trailer-section = *( field-line CRLF )
//
// # Bytes in, bytes out
//
// The parser works on the bytes a Reader has buffered; it reads nothing
// itself. The buffer is filled from an io.Reader (Fill, and ReadRequest
// when a line is incomplete) or, on a keep-alive connection inside a
// syscall.RawConn callback, by Reader.ReadFD, a thin adapter over
// sockio.Read. The Writer's buffer goes out through its io.Writer, or on
// Linux through sockio.Send. The system calls, their errno handling and
// their race-detector variants live in package sockio, not here.
//
// # Use
//
// One Reader serves one connection at a time:
//
//	rd := http1.NewReader(conn, http1.Limits{})
//	var req http1.Request
//	for {
//		if err := rd.ReadRequest(&req); err != nil {
//			// StatusOf(err) != 0: answer that status, then close.
//			return
//		}
//		body := rd.Body(&req, maxBody)
//		// ... serve req, reading body ...
//		if !body.Discard(maxDiscard) || req.Close {
//			return
//		}
//	}
package http1
