package framework

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"reflect"
	"strconv"
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// Errors of reading a JSON request body, each carried by a *StatusError
// whose Code is what the client gets; a body over Limits.JSONBytes is
// ErrBodyTooLarge (413). errors.Is finds them in what Request.DecodeJSON
// returns, and errors.As the *json.SyntaxError or *json.UnmarshalTypeError
// behind a malformed body.
var (
	ErrNotJSON       = errors.New("framework: request body is not JSON")
	ErrMalformedJSON = errors.New("framework: malformed JSON body")
)

// The visitor sees fixed text that never echoes request bytes: an offset,
// or a field name of the handler's own type, but no JSON text.
var (
	errNotJSON   = &StatusError{Code: 415, Message: "The request body must be JSON (Content-Type: application/json).", Err: ErrNotJSON}
	errEmptyJSON = &StatusError{Code: 400, Message: "The request body is empty; a JSON value was expected.", Err: ErrMalformedJSON}
)

// jsonHeader and problemHeader are the header fields of JSON answers.
var (
	jsonHeader    = gateway.Fields{{Name: "Content-Type", Value: "application/json"}}
	problemHeader = gateway.Fields{{Name: "Content-Type", Value: "application/problem+json"}}
)

// JSON returns a response of status (0 means 200) whose body is v encoded
// as encoding/json does, with '<', '>' and '&' escaped (\u003c ...) so the
// body is safe even where a browser sniffs it as HTML, and a final
// newline; its Content-Type is "application/json". A value encoding/json
// cannot encode (a channel, a func, a cycle, a NaN) is an error that says
// so, and no response: a handler can end with
//
//	return framework.JSON(200, stocks)
//
// and a failure is then a 500 whose detail goes to the log.
func JSON(status int, v any) (*Response, error) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return nil, fmt.Errorf("framework: JSON response of %T: %w", v, err)
	}
	return &Response{Status: status, Header: jsonHeader[:1:1], Body: buf.Bytes()}, nil
}

// problem is the body of a problem details answer (RFC 9457 §3.1).
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title,omitempty"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// Problem returns a response of code (400-599) whose body is an RFC 9457
// problem details object, Content-Type "application/problem+json":
//
//	{"type":"about:blank","title":"Not Found","status":404,"detail":"No such stock."}
//
// The title is the reason phrase of code; detail "" leaves the member out.
// The detail is shown to the client: never put request bytes or internal
// errors in it.
func Problem(code int, detail string) *Response {
	return &Response{Status: code, Header: problemHeader[:1:1], Body: problemJSON(code, detail)}
}

// problemJSON returns the problem details object of code and detail, with
// a final newline: what Problem answers, and what an error page is for a
// client that prefers JSON.
func problemJSON(code int, detail string) []byte {
	b, err := json.Marshal(problem{Type: "about:blank", Title: reason(code), Status: code, Detail: detail})
	if err != nil {
		panic("framework: problem details cannot fail to encode: " + err.Error())
	}
	return append(b, '\n')
}

// prefersJSON reports whether a request's Accept field ranks a JSON type
// (application/json or application/problem+json) above text/html (RFC 9110
// §12.5.1), or at the same weight but named more precisely: true for
// "application/json", for "application/json, text/plain, */*" and for
// "text/html;q=0.5, application/json"; false for a browser's
// "text/html,...,*/*;q=0.8", for "*/*" and for no Accept at all, which get
// the HTML page.
func prefersJSON(h gateway.Fields) bool {
	var accept []string
	for _, f := range h {
		if strings.EqualFold(f.Name, "Accept") {
			accept = append(accept, f.Value)
		}
	}
	if len(accept) == 0 {
		return false
	}
	ranges := parseAccept(strings.Join(accept, ","))
	jq, jrank := acceptQuality(ranges, "application", "json")
	if pq, prank := acceptQuality(ranges, "application", "problem+json"); pq > jq || pq == jq && prank > jrank {
		jq, jrank = pq, prank
	}
	hq, hrank := acceptQuality(ranges, "text", "html")
	return jq > 0 && (jq > hq || jq == hq && jrank > hrank)
}

// mediaRange is one element of an Accept field: "text/*;q=0.5".
type mediaRange struct {
	typ, sub string
	q        float64
}

// parseAccept parses an Accept field value (RFC 9110 §12.5.1),
//
//	Accept = #( media-range [ weight ] )
//
// leniently: an element that does not parse is skipped, and a bad weight
// counts as 1.
func parseAccept(v string) []mediaRange {
	var rs []mediaRange
	for _, el := range strings.Split(v, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(el))
		if err != nil {
			continue
		}
		typ, sub, ok := strings.Cut(mt, "/")
		if !ok {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		rs = append(rs, mediaRange{typ, sub, q})
	}
	return rs
}

// acceptQuality returns the weight ranges give typ/sub: that of the most
// specific range that matches it, and how specific that range is: 3 for
// typ/sub, 2 for typ/*, 1 for */*; 0, 0 when none matches.
func acceptQuality(ranges []mediaRange, typ, sub string) (q float64, rank int) {
	for _, r := range ranges {
		n := 0
		switch {
		case r.typ == typ && r.sub == sub:
			n = 3
		case r.typ == typ && r.sub == "*":
			n = 2
		case r.typ == "*" && r.sub == "*":
			n = 1
		}
		if n > rank || n == rank && n > 0 && r.q > q {
			q, rank = r.q, n
		}
	}
	return q, rank
}

// DecodeJSON decodes the request body, one JSON value, into v, a non-nil
// pointer, as json.Unmarshal does: fields of v the body lacks keep their
// value, and members v has no field for are ignored (use json.Decoder's
// DisallowUnknownFields on Request.Body to refuse them). It requires
//
//   - a Content-Type of application/json or any type ending in "+json"
//     ("application/merge-patch+json"), parameters allowed; else a 415
//     error wrapping ErrNotJSON;
//   - a body of at most Limits.JSONBytes; else a 413 wrapping
//     ErrBodyTooLarge;
//   - one well-formed JSON value of the types of v, with only white space
//     after it; else a 400 wrapping ErrMalformedJSON, whose message says
//     where: the byte offset, and the field of a value of the wrong type.
//
// These errors are *StatusError: a handler returns them as they are, and
// the client gets that status. The body is read once and held, so Body
// returns it afterwards. A v that is not a non-nil pointer is the
// handler's mistake: an error that is not a StatusError, so a 500.
func (r *Request) DecodeJSON(v any) error {
	if !isJSONType(r.Header.Get("Content-Type")) {
		return errNotJSON
	}
	body, err := r.jsonBody()
	if err != nil {
		return err
	}
	if len(bytes.TrimLeft(body, " \t\r\n")) == 0 {
		return errEmptyJSON
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return jsonError(err, len(body))
	}
	if rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return &StatusError{Code: 400, Err: ErrMalformedJSON,
			Message: fmt.Sprintf("The request body has data after its JSON value, at byte %d.", len(body)-len(rest))}
	}
	return nil
}

// jsonBody returns the request body for DecodeJSON: read, and held, up to
// Limits.JSONBytes; or the body Body already read, when it fits that limit.
func (r *Request) jsonBody() ([]byte, error) {
	limit := r.limits.JSONBytes
	if r.bodyRead {
		if r.bodyErr == nil && int64(len(r.body)) > limit {
			return nil, errBodyTooLarge
		}
		return r.body, r.bodyErr
	}
	r.bodyRead = true
	r.body, r.bodyErr = readBody(r.Env, limit)
	return r.body, r.bodyErr
}

// isJSONType reports whether the Content-Type ct is JSON:
// "application/json", "application/json; charset=utf-8" or
// "application/problem+json" are; "text/plain" and "" are not.
func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	typ, sub, ok := strings.Cut(mt, "/")
	return ok && typ != "" && (sub == "json" && typ == "application" || strings.HasSuffix(sub, "+json") && len(sub) > len("+json"))
}

// jsonError turns what json.Decoder.Decode returned for a body of n bytes
// into the error DecodeJSON returns.
func jsonError(err error, n int) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		inv *json.InvalidUnmarshalError
	)
	wrap := fmt.Errorf("%w: %w", ErrMalformedJSON, err)
	switch {
	case errors.As(err, &inv):
		return fmt.Errorf("framework: DecodeJSON: %w", err)
	case errors.As(err, &syn):
		return &StatusError{Code: 400, Err: wrap,
			Message: fmt.Sprintf("The request body is not valid JSON: error at byte %d.", syn.Offset)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &StatusError{Code: 400, Err: wrap,
			Message: fmt.Sprintf("The request body is not valid JSON: it ends too early, at byte %d.", n)}
	case errors.As(err, &typ):
		want := jsonKind(typ.Type)
		if typ.Field == "" {
			return &StatusError{Code: 400, Err: wrap,
				Message: fmt.Sprintf("The JSON value at byte %d has the wrong type: want %s.", typ.Offset, want)}
		}
		return &StatusError{Code: 400, Err: wrap,
			Message: fmt.Sprintf("The JSON field %q has the wrong type: want %s (at byte %d).", typ.Field, want, typ.Offset)}
	}
	// An UnmarshalJSON or UnmarshalText method of v refused the value.
	return &StatusError{Code: 400, Err: wrap, Message: "The request body holds a JSON value that is not valid here."}
}

// jsonKind names the JSON type that decodes into t: "a number" for an int,
// "a string", "an object", ...
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another type"
}
