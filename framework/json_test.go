package framework

import (
	"encoding/json"
	"errors"
	"html"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
)

func TestJSON(t *testing.T) {
	t.Parallel()
	type stock struct {
		Code  string  `json:"code"`
		Price float64 `json:"price"`
	}
	for _, tt := range []struct {
		name   string
		status int
		v      any
		code   int    // the status answered
		body   string // "" when JSON fails
	}{
		{"struct", 200, stock{"600519", 1.5}, 200, `{"code":"600519","price":1.5}` + "\n"},
		{"zero status is 200", 0, []int{1, 2}, 200, "[1,2]\n"},
		{"created", 201, map[string]int{"id": 7}, 201, `{"id":7}` + "\n"},
		{"nil", 200, nil, 200, "null\n"},
		{"HTML-safe", 200, "<script>&</script>", 200, `"\u003cscript\u003e\u0026\u003c/script\u003e"` + "\n"},
		{"a channel fails", 200, make(chan int), 0, ""},
		{"a func fails", 200, func() {}, 0, ""},
		{"NaN fails", 200, math.NaN(), 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app, logs := newApp(t, "testdata/templates", Options{})
			app.Handle("GET", "/j.py", func(*Request) (*Response, error) { return JSON(tt.status, tt.v) })
			rec := get(t, app, "/j.py")
			if tt.body == "" {
				if rec.Code != 500 || !strings.Contains(logs.String(), "framework: JSON response of") {
					t.Errorf("%d %q; want 500 and the reason in the log:\n%s", rec.Code, rec.Body, logs)
				}
				if resp, err := JSON(tt.status, tt.v); resp != nil || err == nil {
					t.Errorf("JSON = %v, %v; want an error", resp, err)
				}
				return
			}
			if rec.Code != tt.code || string(rec.Body) != tt.body || header(rec, "Content-Type") != "application/json" {
				t.Errorf("%d %v %q; want %d %q", rec.Code, rec.Header, rec.Body, tt.code, tt.body)
			}
		})
	}
	// A header added to one JSON response does not leak into another.
	a, _ := JSON(200, 1)
	a.AddHeader("X-A", "1")
	if b, _ := JSON(200, 2); len(b.Header) != 1 {
		t.Errorf("header shared: %v", b.Header)
	}
}

func TestProblem(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		code   int
		detail string
		want   string
	}{
		{404, "No such stock.", `{"type":"about:blank","title":"Not Found","status":404,"detail":"No such stock."}`},
		{400, "", `{"type":"about:blank","title":"Bad Request","status":400}`},
		{418, "<b>", `{"type":"about:blank","status":418,"detail":"\u003cb\u003e"}`},
	} {
		app, _ := newApp(t, "testdata/templates", Options{})
		app.Handle("GET", "/p.py", func(*Request) (*Response, error) { return Problem(tt.code, tt.detail), nil })
		rec := get(t, app, "/p.py")
		if rec.Code != tt.code || string(rec.Body) != tt.want+"\n" || header(rec, "Content-Type") != "application/problem+json" {
			t.Errorf("Problem(%d, %q): %d %v %q; want %s", tt.code, tt.detail, rec.Code, rec.Header, rec.Body, tt.want)
		}
	}
}

func TestPrefersJSON(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		accept []string // the Accept fields; none for nil
		want   bool
	}{
		{nil, false},
		{[]string{"application/json"}, true},
		{[]string{"application/problem+json"}, true},
		{[]string{"application/json, text/plain, */*"}, true}, // axios
		{[]string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, false}, // a browser
		{[]string{"*/*"}, false},
		{[]string{"text/html;q=0.5, application/json"}, true},
		{[]string{"application/json;q=0.5, text/html"}, false},
		{[]string{"application/json;q=0"}, false},
		{[]string{"application/*"}, true},
		{[]string{"text/html;q=0.1", "application/json;q=0.2"}, true}, // two fields
		{[]string{"application/json;q=0, */*"}, false},                // the exact range wins
		{[]string{"garbage/, application/json"}, true},
	} {
		var h gateway.Fields
		for _, v := range tt.accept {
			h = append(h, gateway.Field{Name: "Accept", Value: v})
		}
		if got := prefersJSON(h); got != tt.want {
			t.Errorf("prefersJSON(%q) = %v; want %v", tt.accept, got, tt.want)
		}
	}
}

// order is the type the DecodeJSON tests decode into.
type order struct {
	Code  string   `json:"code"`
	Qty   int      `json:"qty"`
	Tags  []string `json:"tags"`
	Buyer struct {
		Name string `json:"name"`
		Age  uint8  `json:"age"`
	} `json:"buyer"`
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		ct   string // Content-Type
		body string
		code int    // the status answered
		is   error  // what errors.Is finds in DecodeJSON's error
		msg  string // in the page's message
	}{
		{"good", "application/json", `{"code":"600519","qty":3}`, 200, nil, ""},
		{"charset parameter", "application/json; charset=utf-8", `{"code":"a"}`, 200, nil, ""},
		{"+json type", "application/merge-patch+json", `{"code":"a"}`, 200, nil, ""},
		{"upper-case type", "Application/JSON", `{"code":"a"}`, 200, nil, ""},
		{"unknown members allowed", "application/json", `{"code":"a","extra":[1,{"x":2}]}`, 200, nil, ""},
		{"white space around", "application/json", " \n{\"code\":\"a\"}\r\n\t ", 200, nil, ""},
		{"no content type", "", `{"code":"a"}`, 415, ErrNotJSON, "must be JSON"},
		{"text/plain", "text/plain", `{"code":"a"}`, 415, ErrNotJSON, "must be JSON"},
		{"form", "application/x-www-form-urlencoded", `code=a`, 415, ErrNotJSON, "must be JSON"},
		{"bare +json", "application/+json", `{}`, 415, ErrNotJSON, "must be JSON"},
		{"json suffix without +", "application/notjson", `{}`, 415, ErrNotJSON, "must be JSON"},
		{"malformed content type", "application/json; =", `{}`, 415, ErrNotJSON, "must be JSON"},
		{"too big", "application/json", `{"code":"` + strings.Repeat("a", 100) + `"}`, 413, ErrBodyTooLarge, "too large"},
		{"empty", "application/json", "", 400, ErrMalformedJSON, "empty"},
		{"only spaces", "application/json", "   ", 400, ErrMalformedJSON, "empty"},
		{"malformed", "application/json", `{"code":"a",}`, 400, ErrMalformedJSON, "at byte 13"},
		{"not JSON at all", "application/json", `code=a`, 400, ErrMalformedJSON, "at byte 1"},
		{"cut short", "application/json", `{"code":"a"`, 400, ErrMalformedJSON, "ends too early, at byte 11"},
		{"trailing data", "application/json", `{"code":"a"} {"code":"b"}`, 400, ErrMalformedJSON, "after its JSON value, at byte 13"},
		{"trailing bracket", "application/json", `{"code":"a"}]`, 400, ErrMalformedJSON, "after its JSON value, at byte 12"},
		{"wrong type", "application/json", `{"qty":"3"}`, 400, ErrMalformedJSON, `field "qty" has the wrong type: want an integer`},
		{"wrong nested type", "application/json", `{"buyer":{"age":300}}`, 400, ErrMalformedJSON, `field "buyer.age" has the wrong type: want an integer`},
		{"wrong element type", "application/json", `{"tags":["a",1]}`, 400, ErrMalformedJSON, `field "tags" has the wrong type: want a string`},
		{"wrong top-level type", "application/json", `[1,2]`, 400, ErrMalformedJSON, "want an object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app, _ := newApp(t, "testdata/templates", Options{Limits: Limits{JSONBytes: 64}})
			var decodeErr error
			app.Handle("POST", "/order.py", func(r *Request) (*Response, error) {
				var o order
				if decodeErr = r.DecodeJSON(&o); decodeErr != nil {
					return nil, decodeErr
				}
				return JSON(200, o)
			})
			rec := do(t, app, "POST", "/order.py", tt.ct, tt.body, "")
			if rec.Code != tt.code {
				t.Fatalf("%d %q; want %d", rec.Code, rec.Body, tt.code)
			}
			if tt.is == nil {
				var o order
				if err := json.Unmarshal(rec.Body, &o); err != nil || o.Code == "" {
					t.Errorf("answer %q: %v", rec.Body, err)
				}
				return
			}
			var se *StatusError
			if !errors.Is(decodeErr, tt.is) || !errors.As(decodeErr, &se) || se.Code != tt.code {
				t.Errorf("DecodeJSON = %v; want a %d wrapping %v", decodeErr, tt.code, tt.is)
			}
			if page := html.UnescapeString(string(rec.Body)); !strings.Contains(page, tt.msg) {
				t.Errorf("page lacks %q:\n%s", tt.msg, page)
			}
		})
	}
}

// TestDecodeJSONBody: DecodeJSON and Body share the one read of the body.
func TestDecodeJSONBody(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t, "testdata/templates", Options{Limits: Limits{Body: 10, JSONBytes: 100}})
	app.Handle("POST", "/after.py", func(r *Request) (*Response, error) {
		var v map[string]string
		if err := r.DecodeJSON(&v); err != nil {
			return nil, err
		}
		b, err := r.Body()
		return &Response{Body: append([]byte(v["a"]+" "), b...)}, err
	})
	app.Handle("POST", "/before.py", func(r *Request) (*Response, error) {
		if _, err := r.Body(); err != nil {
			return nil, err
		}
		var v map[string]string
		return &Response{Body: []byte(v["a"])}, r.DecodeJSON(&v)
	})
	app.Handle("POST", "/nonpointer.py", func(r *Request) (*Response, error) {
		var v map[string]string
		return nil, r.DecodeJSON(v)
	})
	body := `{"a":"xyz"}` // 11 bytes: over Body, within JSONBytes
	if rec := do(t, app, "POST", "/after.py", "application/json", body, ""); rec.Code != 200 || string(rec.Body) != "xyz "+body {
		t.Errorf("after: %d %q", rec.Code, rec.Body)
	}
	if rec := do(t, app, "POST", "/before.py", "application/json", body, ""); rec.Code != 413 {
		t.Errorf("before: %d %q; want Body's 413", rec.Code, rec.Body)
	}
	if rec := do(t, app, "POST", "/nonpointer.py", "application/json", body, ""); rec.Code != 500 {
		t.Errorf("non-pointer: %d; want 500, the handler's mistake", rec.Code)
	}
}

// TestJSONRealServer posts JSON to miniweb's server with net/http's client.
func TestJSONRealServer(t *testing.T) {
	t.Parallel()
	// A small JSON limit, so that the body over it is one the server drains
	// whole (up to 256 KiB): a client still sending a larger one when the
	// 413 goes out may meet a reset before it reads the answer.
	app, _ := newApp(t, "testdata/templates", Options{Limits: Limits{JSONBytes: 1 << 10}})
	app.Handle("POST", "/order.py", func(r *Request) (*Response, error) {
		var o order
		if err := r.DecodeJSON(&o); err != nil {
			return nil, err
		}
		o.Qty *= 2
		return JSON(201, o)
	})
	base := realServer(t, app)
	for _, tt := range []struct {
		ct, body string
		code     int
		want     string // in the answer
	}{
		{"application/json", `{"code":"600519","qty":2}`, 201, `"qty":4`},
		{"text/plain", `{}`, 415, "must be JSON"},
		{"application/json", `{"qty":true}`, 400, "qty"},
		{"application/json", `{"code":"` + strings.Repeat("a", 4<<10) + `"}`, 413, "too large"},
	} {
		resp, err := http.Post(base+"/order.py", tt.ct, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || !strings.Contains(html.UnescapeString(string(b)), tt.want) {
			t.Errorf("%s %.40q: %d %q; want %d with %q", tt.ct, tt.body, resp.StatusCode, b, tt.code, tt.want)
		}
	}
	http.DefaultClient.CloseIdleConnections()
}
