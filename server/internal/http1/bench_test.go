package http1

import (
	"bufio"
	"io"
	"net/http"
	"testing"
)

// benchRequests are the requests of BenchmarkReadRequest and of the
// allocation guard, TestReadRequestAllocs.
var benchRequests = []struct {
	name string
	in   string
}{
	{
		name: "small_get",
		in:   "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
	},
	{
		name: "browser_get",
		in: "GET /static/css/site.css?v=3 HTTP/1.1\r\n" +
			"Host: www.example.com\r\n" +
			"Connection: keep-alive\r\n" +
			"sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n" +
			"sec-ch-ua-mobile: ?0\r\n" +
			"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
			"sec-ch-ua-platform: \"Linux\"\r\n" +
			"Accept: text/css,*/*;q=0.1\r\n" +
			"Sec-Fetch-Site: same-origin\r\n" +
			"Sec-Fetch-Mode: no-cors\r\n" +
			"Sec-Fetch-Dest: style\r\n" +
			"Referer: https://www.example.com/\r\n" +
			"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
			"Accept-Language: en-GB,en;q=0.9,fr;q=0.8\r\n" +
			"Cookie: session=4f9a1c2e7b3d8a6f; theme=dark\r\n" +
			"\r\n",
	},
	{
		name: "post_content_length",
		in: "POST /form HTTP/1.1\r\nHost: example.com\r\n" +
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 27\r\n\r\n" +
			"name=miniweb&lang=go&x=1234",
	},
	{
		name: "chunked_post",
		in: "POST /upload HTTP/1.1\r\nHost: example.com\r\n" +
			"Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"10\r\n0123456789abcdef\r\n" +
			"10;name=value\r\n0123456789abcdef\r\n" +
			"8\r\n01234567\r\n" +
			"0\r\n\r\n",
	},
}

// BenchmarkReadRequest reads the same request again and again from memory
// on one Reader, body included, as on a keep-alive connection.
func BenchmarkReadRequest(b *testing.B) {
	for _, bc := range benchRequests {
		b.Run(bc.name, func(b *testing.B) {
			rd := NewReader(&replayReader{data: []byte(bc.in)}, Limits{})
			var req Request
			buf := make([]byte, 512)
			b.SetBytes(int64(len(bc.in)))
			b.ReportAllocs()
			for b.Loop() {
				if err := rd.ReadRequest(&req); err != nil {
					b.Fatal(err)
				}
				body := rd.Body(&req, 0)
				for {
					_, err := body.Read(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkReadRequestFresh reads each request on a Reset Reader into a
// new Request, as on a new connection: nothing is interned or reused yet.
func BenchmarkReadRequestFresh(b *testing.B) {
	for _, bc := range benchRequests {
		b.Run(bc.name, func(b *testing.B) {
			src := &replayReader{data: []byte(bc.in)}
			rd := NewReader(src, Limits{})
			b.SetBytes(int64(len(bc.in)))
			b.ReportAllocs()
			for b.Loop() {
				src.off = 0
				rd.Reset(src)
				var req Request
				if err := rd.ReadRequest(&req); err != nil {
					b.Fatal(err)
				}
				if !rd.Body(&req, 0).Discard(1 << 20) {
					b.Fatal("Discard = false")
				}
			}
		})
	}
}

// BenchmarkNetHTTPReadRequest is the reference point: http.ReadRequest on
// the same requests, with a bufio.Reader per connection as net/http's
// server keeps one.
func BenchmarkNetHTTPReadRequest(b *testing.B) {
	for _, bc := range benchRequests {
		b.Run(bc.name, func(b *testing.B) {
			br := bufio.NewReader(&replayReader{data: []byte(bc.in)})
			b.SetBytes(int64(len(bc.in)))
			b.ReportAllocs()
			for b.Loop() {
				req, err := http.ReadRequest(br)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, req.Body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
