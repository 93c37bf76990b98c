package main

import (
	"net"
	"strings"
	"testing"
)

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		err  string // "" for success; else a part of the error
		rest string // bytes left after the answer
	}{
		{"ok", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloX", "", "X"},
		{"bare_lf", "HTTP/1.1 200 OK\nContent-length: 0\n\n", "", ""},
		{"not_200", "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", "want HTTP/1.1 200", ""},
		{"no_length", "HTTP/1.1 200 OK\r\n\r\n", "no Content-Length", ""},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "not supported", ""},
		{"bad_length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length", ""},
		{"short_body", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhello", "body", ""},
		{"eof_in_head", "HTTP/1.1 200 OK\r\nContent-Le", "unexpected EOF", ""},
		{"long_line", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", maxLine) + "\r\n\r\n", "longer than", ""},
		{"no_colon", "HTTP/1.1 200 OK\r\nfoo\r\n\r\n", "without a colon", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, server := net.Pipe()
			go func() {
				server.Write([]byte(tt.in))
				server.Close()
			}()
			r := newResponseReader(client)
			err := r.readResponse()
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("error %v; want one containing %q", err, tt.err)
			}
			if tt.err == "" {
				rest := make([]byte, 16)
				n, _ := r.br.Read(rest)
				if string(rest[:n]) != tt.rest {
					t.Errorf("left %q; want %q", rest[:n], tt.rest)
				}
			}
		})
	}
}
