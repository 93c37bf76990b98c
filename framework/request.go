package framework

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/miniweb/miniweb/framework/session"
	"github.com/miniweb/miniweb/server/gateway"
)

// Limits bounds what the framework reads of a request body into memory.
// Past a limit the request gets a 413 page, and a malformed form a 400,
// before the handler runs.
type Limits struct {
	// Body is the most bytes of request body read (a form, or
	// Request.Body); 0 means 1 MiB. The server's own limit may be lower.
	Body int64
	// Fields is the most fields of a form, files included; 0 means 256.
	Fields int
	// FieldBytes is the most bytes of a form field's name or value (files
	// count against Body only); 0 means 64 KiB.
	FieldBytes int
	// JSONBytes is the most bytes of request body Request.DecodeJSON reads,
	// in place of Body; 0 means 1 MiB. The server's own limit may be lower.
	JSONBytes int64
}

// withDefaults returns l with its zero values replaced by the defaults.
func (l Limits) withDefaults() Limits {
	if l.Body <= 0 {
		l.Body = 1 << 20
	}
	if l.Fields <= 0 {
		l.Fields = 256
	}
	if l.FieldBytes <= 0 {
		l.FieldBytes = 64 << 10
	}
	if l.JSONBytes <= 0 {
		l.JSONBytes = 1 << 20
	}
	return l
}

// Request is the request as a handler sees it. It is valid only while the
// handler runs.
type Request struct {
	// Method is the request method: "GET", "HEAD", "POST", ...
	Method string
	// Path is the percent-decoded path: "/stock/600519.py".
	Path string
	// Header holds the request header fields in the order sent.
	Header gateway.Fields
	// Env is the request as the server handed it, for what Request does
	// not cover.
	Env *gateway.Environ

	params []Param
	limits *Limits

	query    url.Values
	form     url.Values
	files    map[string][]*File
	body     []byte
	bodyRead bool
	bodyErr  error

	values []keyValue // see Set
	page   Response   // a page's answer, kept here to save an allocation (dispatch)

	app        *App
	sess       *session.Session // see Session; nil until asked for, then &session
	session    session.Session  // the session sess points to, kept here to save an allocation
	hadSession bool             // the visitor sent a session cookie
	liveGen    uint64           // live reload's generation when the request came (dev mode)
}

// File is an uploaded file of a multipart form, held in memory.
type File struct {
	// Filename is the name the client gave, without folders, made clean
	// text as form values are (see cleanText); never use it as a path as
	// it is.
	Filename string
	// ContentType is the part's Content-Type as sent.
	ContentType string
	// Data is the file's content.
	Data []byte
}

// Context returns the request's context, cancelled when the client goes
// away or the server shuts down.
func (r *Request) Context() context.Context { return r.Env.Context() }

// Param returns the path segment the pattern named name: for the pattern
// "/stock/{code}.py" and the path "/stock/600519.py", Param("code") is
// "600519". It is "" for a name the pattern lacks.
func (r *Request) Param(name string) string {
	for _, p := range r.params {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// Params returns every named segment, in pattern order.
func (r *Request) Params() []Param { return r.params }

// Query returns the first value of the query parameter name: for
// "/center.py?sort=price", Query("sort") is "price".
func (r *Request) Query(name string) string { return r.QueryValues().Get(name) }

// QueryValues returns every query parameter, keys and values made clean
// text (see cleanText). Malformed pairs are skipped.
func (r *Request) QueryValues() url.Values {
	if r.query == nil {
		r.query = parseQuery(r.Env.Query)
	}
	return r.query
}

// cleanText applies the framework's one rule for text from a form or a
// query string, to keys and values alike: each run of bytes that is not
// valid UTF-8 becomes one U+FFFD, and NUL bytes are dropped, so that a
// value echoed into a page that declares UTF-8 is what it says. Clean text
// is returned as it is, without allocation.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s
}

// parseQuery parses "sort=price&q=a+b" as url.ParseQuery does, skipping
// malformed pairs, and makes every key and value clean text. Values are
// cleaned in place; a key the rule changes takes the slow path, since two
// keys may become one ("a%FF" and "a%EF%BF%BD").
func parseQuery(raw string) url.Values {
	q, _ := url.ParseQuery(raw)
	for k, vs := range q {
		if cleanText(k) != k {
			return parseQueryInOrder(raw)
		}
		for i, v := range vs {
			vs[i] = cleanText(v)
		}
	}
	return q
}

// parseQueryInOrder is parseQuery's slow path: it walks the pairs of raw
// again, in order, so that the values of keys the rule merges keep the
// order they were sent in. It skips the pairs url.ParseQuery skips: empty
// ones, those with a ";", and those with a bad escape. url.ParseQuery has
// already bounded the number of pairs: past its limit it returns no key.
func parseQueryInOrder(raw string) url.Values {
	q := url.Values{}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		k = cleanText(k)
		q[k] = append(q[k], cleanText(v))
	}
	return q
}

// FormValue returns the first value of the form field name, from the body
// of a POST (or PUT, PATCH, ...) sent as application/x-www-form-urlencoded
// or multipart/form-data; "" when there is none. Keys and values are clean
// text (see cleanText). Query parameters are not form values: see Query.
func (r *Request) FormValue(name string) string { return r.form.Get(name) }

// Form returns every form field of the body; nil when there is no form.
func (r *Request) Form() url.Values { return r.form }

// File returns the first file uploaded as the multipart field name, or nil.
func (r *Request) File(name string) *File {
	if fs := r.files[name]; len(fs) > 0 {
		return fs[0]
	}
	return nil
}

// Body returns the raw request body, read once and held (also for a form).
// A body over Limits.Body returns an error wrapping ErrBodyTooLarge, and a
// failed read one wrapping ErrReadBody; both are *StatusError a handler
// may return as they are.
func (r *Request) Body() ([]byte, error) {
	if !r.bodyRead {
		r.bodyRead = true
		r.body, r.bodyErr = readBody(r.Env, r.limits.Body)
	}
	return r.body, r.bodyErr
}

// readBody reads the body of env, up to limit bytes, into one slice the
// size Content-Length announces (512 bytes to start with when it is not
// known), with a byte to spare: the read that finds the end then needs no
// growth, where bytes.Buffer.ReadFrom would grow it twice to keep 512
// bytes free.
func readBody(env *gateway.Environ, limit int64) ([]byte, error) {
	if env.ContentLength > limit {
		return nil, errBodyTooLarge
	}
	if env.ContentLength == 0 {
		return nil, nil
	}
	n := env.ContentLength
	if n < 0 {
		n = 512
	}
	buf := make([]byte, 0, n+1)
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, len(buf))
		}
		room := buf[len(buf):cap(buf)]
		if most := limit + 1 - int64(len(buf)); int64(len(room)) > most {
			room = room[:most] // read one byte past the limit at most
		}
		m, err := env.Body.Read(room)
		buf = buf[:len(buf)+m]
		if int64(len(buf)) > limit {
			return nil, errBodyTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, errReadBody
		}
	}
}

// parseForm reads a form body, when the request has one, within the
// limits.
func (r *Request) parseForm() error {
	if r.Method == "GET" || r.Method == "HEAD" {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	// A browser's form sends the media type alone, with no parameters to
	// parse: mime.ParseMediaType would return it lower-cased, and a map.
	mt, params := formURLEncoded, map[string]string(nil)
	if !gateway.EqualFold(ct, formURLEncoded) {
		var err error
		if mt, params, err = mime.ParseMediaType(ct); err != nil {
			return nil // not a form we know: the body is the handler's
		}
	}
	switch mt {
	case formURLEncoded:
		body, err := r.Body()
		if err != nil {
			return err
		}
		r.form, err = parseURLEncoded(string(body), r.limits)
		return err
	case "multipart/form-data":
		if params["boundary"] == "" {
			return errMalformedForm
		}
		body, err := r.Body()
		if err != nil {
			return err
		}
		r.form, r.files, err = parseMultipart(body, params["boundary"], r.limits)
		return err
	}
	return nil
}

// formURLEncoded is the media type of a form a browser sends by default.
const formURLEncoded = "application/x-www-form-urlencoded"

// parseURLEncoded parses "first=Ada&last=Lovelace" (the WHATWG URL
// standard's application/x-www-form-urlencoded, as url.ParseQuery), within
// the limits on fields and their size, which count the bytes as sent, and
// makes every key and value clean text. The first value of every key
// shares one slice (each capped at its own length, so that an append
// copies), and the map is sized for the pairs: a form of a few fields
// costs three allocations (the map's two and the slice), and one more per
// value with an escape.
func parseURLEncoded(s string, lim *Limits) (url.Values, error) {
	pairs := min(strings.Count(s, "&")+1, lim.Fields)
	form := make(url.Values, pairs)
	firsts := make([]string, 0, pairs)
	n := 0
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		if n++; n > lim.Fields {
			return nil, errTooManyFields
		}
		k, v, _ := strings.Cut(pair, "=")
		if len(k) > 3*lim.FieldBytes || len(v) > 3*lim.FieldBytes {
			return nil, errFieldTooLarge // too large even if every byte is %XX
		}
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, errMalformedForm
		}
		if len(k) > lim.FieldBytes || len(v) > lim.FieldBytes {
			return nil, errFieldTooLarge
		}
		k, v = cleanText(k), cleanText(v)
		if vs, ok := form[k]; ok {
			form[k] = append(vs, v)
			continue
		}
		firsts = append(firsts, v)
		form[k] = firsts[len(firsts)-1 : len(firsts) : len(firsts)]
	}
	return form, nil
}

// parseMultipart parses a multipart/form-data body (RFC 7578) within the
// limits on fields and their size, and makes every field name, value and
// file name clean text; file data is left as sent.
func parseMultipart(body []byte, boundary string, lim *Limits) (url.Values, map[string][]*File, error) {
	form := url.Values{}
	var files map[string][]*File
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for n := 1; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF { // the final boundary; a wrapped EOF is a cut body
			return form, files, nil
		}
		if err != nil {
			return nil, nil, errMalformedForm
		}
		if n > lim.Fields {
			return nil, nil, errTooManyFields
		}
		name := part.FormName()
		if len(name) > lim.FieldBytes {
			return nil, nil, errFieldTooLarge
		}
		if name == "" {
			continue // not a form-data part
		}
		name = cleanText(name)
		if filename := part.FileName(); filename != "" {
			data, err := io.ReadAll(part) // bounded by the body
			if err != nil {
				return nil, nil, errMalformedForm
			}
			if files == nil {
				files = map[string][]*File{}
			}
			files[name] = append(files[name], &File{Filename: cleanText(filename), ContentType: part.Header.Get("Content-Type"), Data: data})
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, int64(lim.FieldBytes)+1))
		if err != nil {
			return nil, nil, errMalformedForm
		}
		if len(data) > lim.FieldBytes {
			return nil, nil, errFieldTooLarge
		}
		form[name] = append(form[name], cleanText(string(data)))
	}
}
