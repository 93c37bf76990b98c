package framework

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"strings"
	"testing"

	"miniweb/server/gateway"
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
	app := formApp(t)
	post := func(body io.Reader, length int64) (*gateway.Recording, error) {
		env := gateway.NewEnviron("POST", "/form.py", nil)
		env.Body, env.ContentLength = body, length
		env.Header = append(env.Header, gateway.Field{Name: "Content-Type", Value: "application/x-www-form-urlencoded"})
		return gateway.Record(app, env)
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
	app, _ := newApp(t, "testdata/templates", Options{})
	var seen *Request
	app.Handle("GET", "/{cat}/item-{id}.py", func(r *Request) (*Response, error) {
		seen = r
		return &Response{}, r.Context().Err()
	})
	env := gateway.NewEnviron("GET", "/tools/item-42.py?a=1&a=2&b=%20x", nil)
	env.Header = append(env.Header, gateway.Field{Name: "User-Agent", Value: "test/1"})
	if rec, err := gateway.Record(app, env); err != nil || rec.Code != 200 {
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
