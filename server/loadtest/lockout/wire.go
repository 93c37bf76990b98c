package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
)

// Bounds on an answer's head: the servers measured send a few hundred bytes.
const (
	maxLine    = 4096
	maxHeaders = 100
)

// responseReader reads HTTP/1.1 answers from a connection.
type responseReader struct{ br *bufio.Reader }

func newResponseReader(c net.Conn) *responseReader {
	return &responseReader{br: bufio.NewReaderSize(c, maxLine)}
}

// readResponse reads one whole answer: "HTTP/1.1 200 OK", the header
// fields and a body of Content-Length bytes (RFC 9112 §6.3). Another
// status, a chunked body or no Content-Length is an error: the pages
// measured here are small static ones with a length.
func (r *responseReader) readResponse() error {
	line, err := r.line()
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) && !bytes.Equal(line, []byte("HTTP/1.1 200")) {
		return fmt.Errorf("status line %.40q: want HTTP/1.1 200", line)
	}
	length := int64(-1)
	for n := 0; ; n++ {
		line, err := r.line()
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		if n == maxHeaders {
			return fmt.Errorf("more than %d header fields", maxHeaders)
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return fmt.Errorf("header line %.40q without a colon", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.ParseInt(string(value), 10, 64)
			if err != nil || length < 0 {
				return fmt.Errorf("Content-Length %.40q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return fmt.Errorf("Transfer-Encoding %.40q: not supported", value)
		}
	}
	if length < 0 {
		return errors.New("no Content-Length")
	}
	if _, err := io.CopyN(io.Discard, r.br, length); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return nil
}

// line reads one line of the head without its CRLF (or bare LF).
func (r *responseReader) line() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("header line longer than %d bytes", maxLine)
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}
