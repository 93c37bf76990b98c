package static

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
)

// wireResponse is a minimal Response over a real TCP connection, written
// the way the server's must be: a buffered head, Content-Length from
// WriteHeader, no body for HEAD and 304, and ReadFrom flushing the buffer
// and then handing the LimitedReader to the socket (sendfile on Linux).
type wireResponse struct {
	conn   *net.TCPConn
	bw     *bufio.Writer
	head   bool // the request was HEAD
	noBody bool
	header []field
}

func (w *wireResponse) AddHeader(name, value string) {
	w.header = append(w.header, field{name, value})
}

func (w *wireResponse) WriteHeader(status int, n int64) error {
	w.noBody = w.head || status == 304
	w.bw.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	for _, f := range w.header {
		w.bw.WriteString(f.name + ": " + f.value + "\r\n")
	}
	if status != 304 && n >= 0 {
		w.bw.WriteString("Content-Length: " + strconv.FormatInt(n, 10) + "\r\n")
	}
	_, err := w.bw.WriteString("\r\n")
	return err
}

func (w *wireResponse) Write(p []byte) (int, error) {
	if w.noBody {
		return len(p), nil
	}
	return w.bw.Write(p)
}

func (w *wireResponse) ReadFrom(r io.Reader) (int64, error) {
	if w.noBody {
		return io.Copy(io.Discard, r)
	}
	if err := w.bw.Flush(); err != nil {
		return 0, err
	}
	return w.conn.ReadFrom(r)
}

// TestOverTCP serves a keep-alive sequence over a real socket and parses
// the answers with net/http's client reader: any framing error (a body
// longer or shorter than its Content-Length, a body on HEAD or 304) would
// garble the responses after it.
func TestOverTCP(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skip(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		bw := bufio.NewWriter(c)
		for {
			hr, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			r := &Request{
				Method: hr.Method, Path: hr.URL.EscapedPath(), Query: hr.URL.RawQuery,
				IfNoneMatch: hr.Header.Get("If-None-Match"), Range: hr.Header.Get("Range"),
			}
			w := &wireResponse{conn: c.(*net.TCPConn), bw: bw, head: hr.Method == "HEAD"}
			if _, err := h.Serve(w, r); err != nil {
				t.Errorf("Serve %s: %v", hr.URL, err)
				return
			}
			if bw.Flush() != nil {
				return
			}
		}
	}()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	big := mustRead(t, root, "big.bin")
	notes := mustRead(t, root, "notes.txt")
	steps := []struct {
		method, path, extra string
		status              int
		body                []byte // nil: not checked
	}{
		{"GET", "/big.bin", "", 200, big},
		{"HEAD", "/big.bin", "", 200, []byte{}},
		{"GET", "/notes.txt", "If-None-Match: " + notesETag + "\r\n", 304, []byte{}},
		{"GET", "/big.bin", "Range: bytes=10-20,-5\r\n", 206, nil},
		{"GET", "/big.bin", "Range: bytes=100-199\r\n", 206, big[100:200]},
		{"GET", "/notes.txt", "", 200, notes},
		{"GET", "/missing", "", 404, page404},
		{"GET", "/sub?a=1", "", 301, page301},
		{"HEAD", "/notes.txt", "", 200, []byte{}},
		{"GET", "/big.bin", "", 200, big},
	}
	for _, s := range steps {
		if _, err := io.WriteString(c, s.method+" "+s.path+" HTTP/1.1\r\nHost: x\r\n"+s.extra+"\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: s.method})
		if err != nil {
			t.Fatalf("%s %s: %v", s.method, s.path, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: %v", s.method, s.path, err)
		}
		if resp.StatusCode != s.status {
			t.Errorf("%s %s: status %d, want %d", s.method, s.path, resp.StatusCode, s.status)
		}
		if s.body != nil && !bytes.Equal(body, s.body) {
			t.Errorf("%s %s: %d body bytes, want %d", s.method, s.path, len(body), len(s.body))
		}
		if s.status == 206 && s.body == nil {
			ct := resp.Header.Get("Content-Type")
			ranges, _, data := readParts(t, ct, body)
			if len(ranges) != 2 || !bytes.Equal(data[0], big[10:21]) || !bytes.Equal(data[1], big[len(big)-5:]) {
				t.Errorf("multipart over TCP: %v", ranges)
			}
		}
	}
}
