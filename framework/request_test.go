package framework

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// formApp echoes what a handler sees of a request, under small limits.
func formApp(t *testing.T) *App {
	app, _ := newApp(t, "testdata/templates", Options{Limits: Limits{Body: 1024, Fields: 4, FieldBytes: 16}})
	echo := func(r *Request) (*Response, error) {
		var b strings.Builder
		fmt.Fprintf(&b, "first=%q last=%q", r.FormValue("first"), r.FormValue("last"))
		if f := r.File("upload"); f != nil {
			fmt.Fprintf(&b, " file=%q:%q", f.Filename, f.Data)
		}
		if q := r.Query("q"); q != "" {
			fmt.Fprintf(&b, " q=%q", q)
		}
		return &Response{Body: []byte(b.String())}, nil
	}
	app.Handle("GET POST PUT", "/form.py", echo)
	app.Handle("POST", "/raw.py", func(r *Request) (*Response, error) {
		body, err := r.Body()
		if err != nil {
			return nil, err
		}
		return &Response{Body: bytes.ToUpper(body)}, nil
	})
	return app
}

// multipartBody returns a multipart/form-data body of fields (name, value
// pairs; a name "upload" is sent as a file) and its Content-Type.
func multipartBody(fields ...string) (string, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] == "upload" {
			fw, _ := w.CreateFormFile("upload", "notes.txt")
			fw.Write([]byte(fields[i+1]))
			continue
		}
		w.WriteField(fields[i], fields[i+1])
	}
	w.Close()
	return b.String(), w.FormDataContentType()
}

func TestForms(t *testing.T) {
	t.Parallel()
	app := formApp(t)
	mpOK, mpType := multipartBody("first", "Ada", "last", "<b>", "upload", "hello")
	mpMany, mpManyType := multipartBody("a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
	mpBig, mpBigType := multipartBody("first", strings.Repeat("x", 17))
	mpFile, mpFileType := multipartBody("upload", strings.Repeat("f", 100)) // files count against Body only
	const urlenc = "application/x-www-form-urlencoded"
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		code        int
		want        string // a part of the body wanted
	}{
		{"urlencoded", "POST", "/form.py?q=1", urlenc, "first=Ada&last=Love+lace%21", 200, `first="Ada" last="Love lace!" q="1"`},
		{"charset param", "POST", "/form.py", urlenc + "; charset=utf-8", "first=%E4%BA%BA", 200, `first="人"`},
		{"empty pairs", "POST", "/form.py", urlenc, "&&first=a&&", 200, `first="a"`},
		{"PUT", "PUT", "/form.py", urlenc, "first=p", 200, `first="p"`},
		{"query is not form", "POST", "/form.py?first=q", urlenc, "", 200, `first=""`},
		{"GET body not read", "GET", "/form.py", urlenc, "first=x", 200, `first=""`},
		{"other type not read", "POST", "/form.py", "application/json", `{"first":"x"}`, 200, `first=""`},
		{"multipart", "POST", "/form.py", mpType, mpOK, 200, `first="Ada" last="<b>" file="notes.txt":"hello"`},
		{"multipart file", "POST", "/form.py", mpFileType, mpFile, 200, `file="notes.txt"`},

		{"too many fields", "POST", "/form.py", urlenc, "a=1&b=2&c=3&d=4&e=5", 413, "too many fields"},
		{"field too large", "POST", "/form.py", urlenc, "first=" + strings.Repeat("x", 17), 413, "field is too large"},
		{"name too large", "POST", "/form.py", urlenc, strings.Repeat("n", 17) + "=1", 413, "field is too large"},
		{"escaped too large", "POST", "/form.py", urlenc, "first=" + strings.Repeat("%41", 17), 413, "field is too large"},
		{"body too large", "POST", "/form.py", urlenc, "first=a&x=" + strings.Repeat("y", 1020), 413, "body is too large"},
		{"bad escape", "POST", "/form.py", urlenc, "first=%zz", 400, "could not be read"},
		{"multipart too many", "POST", "/form.py", mpManyType, mpMany, 413, "too many fields"},
		{"multipart field too large", "POST", "/form.py", mpBigType, mpBig, 413, "field is too large"},
		{"multipart no boundary", "POST", "/form.py", "multipart/form-data", mpOK, 400, "could not be read"},
		{"multipart wrong boundary", "POST", "/form.py", "multipart/form-data; boundary=nope", mpOK, 400, "could not be read"},
		{"multipart truncated", "POST", "/form.py", mpType, mpOK[:len(mpOK)-20], 400, "could not be read"},

		{"raw body", "POST", "/raw.py", "application/json", `{"a":1}`, 200, `{"A":1}`},
		{"raw body too large", "POST", "/raw.py", "application/json", strings.Repeat("j", 1025), 413, "body is too large"},
	}
	for _, tt := range tests {
		rec := do(t, app, tt.method, tt.target, tt.contentType, tt.body, "")
		if rec.Code != tt.code || !strings.Contains(string(rec.Body), tt.want) {
			t.Errorf("%s: %d %q, want %d with %q", tt.name, rec.Code, rec.Body, tt.code, tt.want)
		}
		if tt.code >= 400 && strings.Contains(string(rec.Body), "yyyy") {
			t.Errorf("%s: the error page echoes the request", tt.name)
		}
	}
}

// failReader fails every read, as a client that goes away mid-body.
type failReader struct{ read bool }

func (f *failReader) Read([]byte) (int, error) {
	f.read = true
	return 0, errors.New("connection reset")
}

func TestBodyEdgeCases(t *testing.T) {
	t.Parallel()
	app := formApp(t)
	post := func(body io.Reader, length int64) (*gatewaytest.Recording, error) {
		env := gatewaytest.NewEnviron("POST", "/form.py", nil)
		env.Body, env.ContentLength = body, length
		env.Header = append(env.Header, gateway.Field{Name: "Content-Type", Value: "application/x-www-form-urlencoded"})
		return gatewaytest.Record(app, env)
	}
	// A declared length over the limit is refused before reading.
	fr := &failReader{}
	if rec, err := post(fr, 1<<20); err != nil || rec.Code != 413 || fr.read {
		t.Errorf("declared too large: %v %v, read %v", rec, err, fr.read)
	}
	// A chunked body (length unknown) over the limit.
	if rec, err := post(strings.NewReader("first="+strings.Repeat("z", 1100)), -1); err != nil || rec.Code != 413 {
		t.Errorf("chunked too large: %v %v", rec, err)
	}
	// A chunked body within it.
	if rec, err := post(strings.NewReader("first=ok"), -1); err != nil || rec.Code != 200 || !strings.Contains(string(rec.Body), `first="ok"`) {
		t.Errorf("chunked: %v %v", rec, err)
	}
	// A failed read.
	if rec, err := post(&failReader{}, 10); err != nil || rec.Code != 400 {
		t.Errorf("failed read: %v %v", rec, err)
	}
}

func TestRequestAccessors(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t, "testdata/templates", Options{})
	var seen *Request
	app.Handle("GET", "/{cat}/item-{id}.py", func(r *Request) (*Response, error) {
		seen = r
		return &Response{}, r.Context().Err()
	})
	env := gatewaytest.NewEnviron("GET", "/tools/item-42.py?a=1&a=2&b=%20x", nil)
	env.Header = append(env.Header, gateway.Field{Name: "User-Agent", Value: "test/1"})
	if rec, err := gatewaytest.Record(app, env); err != nil || rec.Code != 200 {
		t.Fatalf("%v %v", rec, err)
	}
	r := seen
	if r.Param("cat") != "tools" || r.Param("id") != "42" || r.Param("nope") != "" || len(r.Params()) != 2 {
		t.Errorf("params %v", r.Params())
	}
	if r.Query("a") != "1" || len(r.QueryValues()["a"]) != 2 || r.Query("b") != " x" {
		t.Errorf("query %v", r.QueryValues())
	}
	if r.Header.Get("user-agent") != "test/1" || r.Method != "GET" || r.Path != "/tools/item-42.py" {
		t.Errorf("request %+v", r)
	}
	if r.Form() != nil || r.FormValue("a") != "" || r.File("x") != nil {
		t.Errorf("a GET has a form: %v", r.Form())
	}
}

// TestCleanText is not parallel: testing.AllocsPerRun counts the
// allocations of the whole process.
func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"ascii", "Ada Lovelace", "Ada Lovelace"},
		{"utf8 kept", "人 café €", "人 café €"},
		{"replacement char kept", "a\uFFFDb", "a\uFFFDb"},
		{"lone byte", "a\xffb", "a\uFFFDb"},
		{"run of bad bytes is one U+FFFD", "a\xff\xfe\xfdb", "a\uFFFDb"},
		{"truncated sequence", "a\xe4\xbab", "a\uFFFDb"},
		{"overlong slash", "\xc0\xaf", "\uFFFD"},
		{"surrogate half", "\xed\xa0\x80", "\uFFFD"},
		{"nul dropped", "a\x00b", "ab"},
		{"only nuls", "\x00\x00", ""},
		{"nul between bad bytes", "\xff\x00\xfe", "\uFFFD\uFFFD"},
		{"nul and utf8", "\x00人\x00", "人"},
	}
	for _, tt := range tests {
		got := cleanText(tt.in)
		if got != tt.want {
			t.Errorf("%s: cleanText(%q) = %q; want %q", tt.name, tt.in, got, tt.want)
		}
		if again := cleanText(got); again != got {
			t.Errorf("%s: cleanText is not idempotent: %q, then %q", tt.name, got, again)
		}
	}
	// Clean text is the fast path: no copy.
	for _, s := range []string{"", "price", "人 café", strings.Repeat("x", 1000)} {
		if n := testing.AllocsPerRun(100, func() { cleanText(s) }); n != 0 {
			t.Errorf("cleanText(%.20q) allocates %v times; want 0", s, n)
		}
	}
}

// rawMultipart builds a multipart/form-data body with boundary "B" from
// Content-Disposition values and part contents, in pairs, written as they
// are so that tests can send bytes multipart.Writer would not.
func rawMultipart(parts ...string) (body, contentType string) {
	var b strings.Builder
	for i := 0; i+1 < len(parts); i += 2 {
		b.WriteString("--B\r\nContent-Disposition: " + parts[i] + "\r\n\r\n" + parts[i+1] + "\r\n")
	}
	b.WriteString("--B--\r\n")
	return b.String(), "multipart/form-data; boundary=B"
}

// TestTextRule checks the one rule for query and form text (see doc.go):
// a run of invalid UTF-8 becomes U+FFFD and NUL is dropped, in keys and
// values of the query string, urlencoded bodies and multipart forms.
func TestTextRule(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t, "testdata/templates", Options{})
	var seen *Request
	app.Handle("GET POST", "/dump.py", func(r *Request) (*Response, error) {
		seen = r
		return &Response{}, nil
	})
	const urlenc = "application/x-www-form-urlencoded"
	mpValue, mpType := rawMultipart(`form-data; name="first"`, "A\x00da\xff", `form-data; name="last"`, "Love\xfe\xfdlace")
	mpKey, _ := rawMultipart("form-data; name=\"k\xffey\"", "v", `form-data; name*=UTF-8''n%00ame%FF`, "w")
	mpMerge, _ := rawMultipart("form-data; name=\"a\xff\"", "1", `form-data; name*=UTF-8''a%FF`, "2", `form-data; name*=UTF-8''a%EF%BF%BD`, "3")
	mpFile, _ := rawMultipart(`form-data; name*=UTF-8''up%00; filename*=UTF-8''n%00otes%FF.txt`, "data\x00\xff")
	tests := []struct {
		name        string
		method      string
		target      string // the query is parsed by QueryValues
		contentType string
		body        string
		query       url.Values // wanted QueryValues
		form        url.Values // wanted Form; nil when no form
		files       map[string][]*File
	}{
		// Query strings.
		{name: "query clean", method: "GET", target: "/dump.py?a=1&b=%E4%BA%BA&a=2",
			query: url.Values{"a": {"1", "2"}, "b": {"人"}}},
		{name: "query value invalid", method: "GET", target: "/dump.py?a=x%FFy&b=%E4%BA",
			query: url.Values{"a": {"x\uFFFDy"}, "b": {"\uFFFD"}}},
		{name: "query value nul", method: "GET", target: "/dump.py?a=x%00y&b=%00",
			query: url.Values{"a": {"xy"}, "b": {""}}},
		{name: "query key invalid and nul", method: "GET", target: "/dump.py?k%FF%FEey=1&n%00ame=2",
			query: url.Values{"k\uFFFDey": {"1"}, "name": {"2"}}},
		{name: "query keys merged in order sent", method: "GET", target: "/dump.py?a%FF=1&a%EF%BF%BD=2&a%FE=3&b=4",
			query: url.Values{"a\uFFFD": {"1", "2", "3"}, "b": {"4"}}},
		{name: "query slow path skips what ParseQuery skips", method: "GET", target: "/dump.py?k%FF=1&bad=%zz&c;d=3&&k%FF=2+x",
			query: url.Values{"k\uFFFD": {"1", "2 x"}}},

		// application/x-www-form-urlencoded bodies.
		{name: "urlencoded value", method: "POST", target: "/dump.py", contentType: urlenc, body: "first=A%00da%FF&last=Lovelace",
			query: url.Values{}, form: url.Values{"first": {"Ada\uFFFD"}, "last": {"Lovelace"}}},
		{name: "urlencoded raw bytes", method: "POST", target: "/dump.py", contentType: urlenc, body: "first=A\x00da\xff",
			query: url.Values{}, form: url.Values{"first": {"Ada\uFFFD"}}},
		{name: "urlencoded key", method: "POST", target: "/dump.py", contentType: urlenc, body: "k%FFey=1&n%00ame=2",
			query: url.Values{}, form: url.Values{"k\uFFFDey": {"1"}, "name": {"2"}}},
		{name: "urlencoded keys merged in order sent", method: "POST", target: "/dump.py", contentType: urlenc, body: "a%FF=1&a%EF%BF%BD=2&a%00%FE=3",
			query: url.Values{}, form: url.Values{"a\uFFFD": {"1", "2", "3"}}},

		// multipart/form-data.
		{name: "multipart value", method: "POST", target: "/dump.py", contentType: mpType, body: mpValue,
			query: url.Values{}, form: url.Values{"first": {"Ada\uFFFD"}, "last": {"Love\uFFFDlace"}}},
		{name: "multipart key", method: "POST", target: "/dump.py", contentType: mpType, body: mpKey,
			query: url.Values{}, form: url.Values{"k\uFFFDey": {"v"}, "name\uFFFD": {"w"}}},
		{name: "multipart keys merged in order sent", method: "POST", target: "/dump.py", contentType: mpType, body: mpMerge,
			query: url.Values{}, form: url.Values{"a\uFFFD": {"1", "2", "3"}}},
		{name: "multipart file name, data as sent", method: "POST", target: "/dump.py", contentType: mpType, body: mpFile,
			query: url.Values{}, form: url.Values{},
			files: map[string][]*File{"up": {{Filename: "notes\uFFFD.txt", Data: []byte("data\x00\xff")}}}},

		// Query and form together, each by the same rule.
		{name: "query and form", method: "POST", target: "/dump.py?q=%00%FF", contentType: urlenc, body: "q=%FF%00",
			query: url.Values{"q": {"\uFFFD"}}, form: url.Values{"q": {"\uFFFD"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = nil
			rec := do(t, app, tt.method, tt.target, tt.contentType, tt.body, "")
			if rec.Code != 200 || seen == nil {
				t.Fatalf("status %d %q; want 200", rec.Code, rec.Body)
			}
			if got := seen.QueryValues(); !reflect.DeepEqual(got, tt.query) {
				t.Errorf("QueryValues = %q; want %q", got, tt.query)
			}
			if got := seen.Form(); !reflect.DeepEqual(got, tt.form) {
				t.Errorf("Form = %q; want %q", got, tt.form)
			}
			if !reflect.DeepEqual(seen.files, tt.files) {
				t.Errorf("files = %+v; want %+v", seen.files, tt.files)
			}
		})
	}
}

// TestParseQueryInOrder checks the slow path against url.ParseQuery on
// clean queries, where the two must agree.
func TestParseQueryInOrder(t *testing.T) {
	t.Parallel()
	for _, q := range []string{"", "a=1", "a=1&a=2&b", "=x&&y=", "a=%zz&b=2", "a;b=1&c=2", "x=a+b%20c", "%E4%BA%BA=%E4%BA%BA"} {
		want, _ := url.ParseQuery(q)
		if got := parseQueryInOrder(q); !reflect.DeepEqual(got, want) {
			t.Errorf("parseQueryInOrder(%q) = %q; url.ParseQuery %q", q, got, want)
		}
	}
}
