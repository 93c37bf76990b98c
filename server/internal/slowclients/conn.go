package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// slowConn is one slow connection. Its dial and its first byte are
// written before run's started line; the rest of out is its reader's
// until the reader ends.
type slowConn struct {
	a *attack

	c         net.Conn
	dialStart time.Time
	dialErr   error
	first     time.Time   // the first byte went out (silent: dialStart)
	done      atomic.Bool // the reader has ended: the server closed, or the limit passed
	out       outcome
}

// dial connects, with the whole connection bounded by the attack's limit,
// and starts the connection's reader.
func (s *slowConn) dial() {
	s.dialStart = time.Now()
	c, err := net.DialTimeout("tcp", s.a.addr, s.a.limit)
	if err != nil {
		s.dialErr = err
		return
	}
	c.SetDeadline(s.dialStart.Add(s.a.limit)) // once: the reader and writer block, never poll
	s.c = c
	s.a.open.Add(1)
	s.a.readers.Add(1)
	go s.read()
}

// outcome returns the connection's outcome as connection i, once its
// reader and the writes have ended.
func (s *slowConn) outcome(i int) outcome {
	o := s.out
	o.Conn, o.First = i, s.first
	switch {
	case s.dialErr != nil:
		o.Err = "dial " + s.a.addr + ": " + s.dialErr.Error()
	case s.first.IsZero() && o.Err == "":
		o.Err = "closed before its first byte went out"
	}
	if !o.Closed.IsZero() && !s.first.IsZero() {
		o.Lasted = o.Closed.Sub(s.first)
	}
	return o
}

// read waits for the server's answer and close, records them in out, and
// closes the connection.
func (s *slowConn) read() {
	defer s.a.readers.Done()
	defer s.a.open.Add(-1)
	defer s.done.Store(true)
	defer s.c.Close()
	br := bufio.NewReaderSize(s.c, 1024)
	if _, err := br.Peek(1); err != nil {
		s.end(err) // closed without a byte
		return
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: s.a.plan.method})
	if err != nil {
		s.out.Err = "reading the answer: " + err.Error()
		s.out.Closed = time.Now()
		return
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	s.out.Status = resp.StatusCode
	if err != nil {
		s.out.Err = "reading the answer's body: " + err.Error()
		s.out.Closed = time.Now()
		return
	}
	if _, err = br.ReadByte(); err == nil {
		s.out.Err = "a byte after the answer"
		return
	}
	s.end(err)
}

// end records how a read that should see the server's close ended.
func (s *slowConn) end(err error) {
	switch {
	case err == io.EOF || errors.Is(err, syscall.ECONNRESET):
		s.out.Closed = time.Now()
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.out.Err = "still open at the limit " + s.a.limit.String()
	default:
		s.out.Closed = time.Now()
		s.out.Err = err.Error()
	}
}
