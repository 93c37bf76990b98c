package http1

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tcpPair returns the two ends of a TCP connection on 127.0.0.1: the
// server's side (accepted) and the client's.
func tcpPair(t *testing.T) (srv, cli *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		done <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-done
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { s.Close(); c.Close() })
	return s.(*net.TCPConn), c.(*net.TCPConn)
}

// TestWriterOverTCP sends through the Writer's descriptor path (raw sends
// on Linux) over a real socket: what arrives is what was written, in order,
// also when the socket buffer fills and the Writer must wait for the
// reader; Sent counts every byte.
func TestWriterOverTCP(t *testing.T) {
	tests := []struct {
		name   string
		writes int // writes of size bytes, each followed by a Flush
		size   int
		slow   bool // the reader pauses first, so the sender meets a full socket buffer
	}{
		{"one small response", 1, 100, false},
		{"many small responses", 500, 61, false},
		{"larger than the write buffer", 3, 3*writeBufSize + 7, false},
		{"socket buffer full", 4, 4 << 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, cli := tcpPair(t)
			want := make([]byte, 0, tt.writes*tt.size)
			for i := range tt.writes * tt.size {
				want = append(want, byte('a'+i%26))
			}
			got := make(chan []byte, 1)
			go func() {
				if tt.slow {
					time.Sleep(100 * time.Millisecond)
				}
				b, _ := io.ReadAll(cli)
				got <- b
			}()
			w := NewWriter(srv)
			for i := range tt.writes {
				if _, err := w.Write(want[i*tt.size : (i+1)*tt.size]); err != nil {
					t.Fatalf("write %d: %v", i, err)
				}
				if err := w.Flush(); err != nil {
					t.Fatalf("flush %d: %v", i, err)
				}
			}
			if w.Sent() != int64(len(want)) {
				t.Errorf("Sent() = %d; want %d", w.Sent(), len(want))
			}
			srv.CloseWrite()
			b := <-got
			if !bytes.Equal(b, want) {
				t.Fatalf("received %d bytes, not the %d sent (first difference at %d)", len(b), len(want), firstDiff(b, want))
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestWriterOverTCPFaults: a peer that never reads makes Flush fail at the
// write deadline, with Sent counting only what the socket took; a peer that
// has gone makes it fail with the system's error, never a signal.
func TestWriterOverTCPFaults(t *testing.T) {
	t.Run("write deadline", func(t *testing.T) {
		srv, _ := tcpPair(t)
		srv.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
		w := NewWriter(srv)
		big := make([]byte, 64<<20)
		w.Write(big)
		err := w.Flush()
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Flush to a peer that never reads: %v; want a deadline error", err)
		}
		if s := w.Sent(); s <= 0 || s >= int64(len(big)) {
			t.Errorf("Sent() = %d; want some but not all of %d", s, len(big))
		}
		if w.Err() == nil {
			t.Error("Err() is nil after a failed Flush")
		}
	})
	t.Run("peer gone", func(t *testing.T) {
		srv, cli := tcpPair(t)
		cli.SetLinger(0) // close with a reset
		cli.Close()
		time.Sleep(50 * time.Millisecond)
		w := NewWriter(srv)
		var err error
		for i := 0; i < 100 && err == nil; i++ { // the first send may land before the reset is seen
			w.Write([]byte("HTTP/1.1 200 OK\r\n\r\n"))
			err = w.Flush()
		}
		if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
			t.Fatalf("Flush to a reset peer: %v; want ECONNRESET or EPIPE", err)
		}
	})
}

// TestReadFromOverTCP: a head buffered before a file leaves with it (on
// Linux flagged MSG_MORE, then sendfile): the peer gets head and file whole.
func TestReadFromOverTCP(t *testing.T) {
	srv, cli := tcpPair(t)
	body := bytes.Repeat([]byte("0123456789abcdef"), 70_000) // 1.1 MB
	path := t.TempDir() + "/f"
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(cli); got <- b }()
	w := NewWriter(srv)
	w.StatusLine(1, 200, "")
	w.FieldInt("Content-Length", int64(len(body)))
	w.EndHead()
	head := "HTTP/1.1 200 OK\r\nContent-Length: 1120000\r\n\r\n"
	n, err := w.ReadFrom(f)
	if err != nil || n != int64(len(body)) {
		t.Fatalf("ReadFrom = %d, %v; want %d, nil", n, err, len(body))
	}
	if w.Sent() != int64(len(head)+len(body)) {
		t.Errorf("Sent() = %d; want %d", w.Sent(), len(head)+len(body))
	}
	srv.CloseWrite()
	b := <-got
	if !strings.HasPrefix(string(b), head) || !bytes.Equal(b[len(head):], body) {
		t.Fatalf("received %d bytes starting %q; want the head and the %d-byte file", len(b), b[:min(len(b), 60)], len(body))
	}
}

// TestFillIdleOverTCP waits for requests the way a keep-alive connection
// does: bytes that come later wake it, a closed peer is io.EOF, a silent
// one the read deadline, and no buffer is held while it waits.
func TestFillIdleOverTCP(t *testing.T) {
	srv, cli := tcpPair(t)
	rc, err := srv.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(srv, Limits{})
	const req = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	for i := range 3 {
		go func() {
			time.Sleep(20 * time.Millisecond) // after FillIdle has found nothing and waits
			cli.Write([]byte(req))
		}()
		if err := r.FillIdle(rc); err != nil {
			t.Fatalf("request %d: FillIdle: %v", i, err)
		}
		var got Request
		if err := r.ReadRequest(&got); err != nil || got.Path != "/a" {
			t.Fatalf("request %d: ReadRequest = %+v, %v", i, got, err)
		}
		r.Release()
		if r.buf != nil {
			t.Fatalf("request %d: the reader holds its buffer after Release with nothing buffered", i)
		}
	}

	srv.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if err := r.FillIdle(rc); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("FillIdle with a silent peer: %v; want a deadline error", err)
	}
	if r.buf != nil {
		t.Fatal("the reader holds a buffer after waiting in vain")
	}

	srv.SetReadDeadline(time.Time{})
	cli.Close()
	if err := r.FillIdle(rc); err != io.EOF {
		t.Fatalf("FillIdle after the peer closed: %v; want io.EOF", err)
	}
}
