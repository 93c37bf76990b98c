package http1

import (
	"bytes"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

// tcpPair returns the two ends of a TCP connection on 127.0.0.1.
var tcpPair = testnet.TCPPair

// TestWriterOverTCP sends through the Writer's descriptor path (raw sends
// on Linux) over a real socket: what arrives is what was written, in order,
// also when the socket buffer fills and the Writer must wait for the
// reader; Sent counts every byte.
func TestWriterOverTCP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		writes int // writes of size bytes, each followed by a Flush
		size   int
		slow   bool // the reader waits until the sender has met a full socket buffer
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
					testnet.WaitUnwritable(t, srv)
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
	t.Parallel()
	t.Run("write deadline", func(t *testing.T) {
		srv, _ := tcpPair(t)
		w := NewWriter(srv)
		big := make([]byte, 64<<20)
		// The deadline passes once the socket has taken what it can: set
		// then, however long that took on a busy machine.
		go func() {
			testnet.WaitUnwritable(t, srv)
			srv.SetWriteDeadline(time.Now())
		}()
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
		w := NewWriter(srv)
		var err error
		// The first sends may go before the reset is seen: send until one
		// fails, for a minute at most.
		for deadline := time.Now().Add(time.Minute); err == nil && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
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
	t.Parallel()
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

// TestReadFDOverTCP reads requests the way a keep-alive connection does,
// inside one RawConn Read callback: after a read that drained the socket
// it waits without reading, and the next request wakes it; a silent peer
// meets the read deadline and a closed one is io.EOF; no buffer is held
// while it waits.
func TestReadFDOverTCP(t *testing.T) {
	t.Parallel()
	if !ReadsFD {
		t.Skip("ReadFD is not supported here")
	}
	srv, cli := tcpPair(t)
	rc, err := srv.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(srv, Limits{})
	const req = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	later := func() { // the next request, once the callback has returned to wait
		go func() {
			waitParked(t, "TestReadFDOverTCP")
			cli.Write([]byte(req))
		}()
	}
	served, wokeEmpty, afterDrain := 0, 0, false
	later()
	err = rc.Read(func(fd uintptr) bool {
		got, drained, err := r.ReadFD(fd)
		if err != nil {
			t.Errorf("ReadFD: %v", err)
			return true
		}
		if !got {
			if afterDrain {
				wokeEmpty++
			}
			if r.buf != nil {
				t.Error("the reader holds its buffer while it waits")
			}
			return false
		}
		if !drained {
			t.Errorf("a %d-byte request did not drain the socket", len(req))
		}
		if !r.HeadBuffered() {
			t.Errorf("HeadBuffered() = false after %q arrived", req)
			return true
		}
		var got1 Request
		if err := r.ReadRequest(&got1); err != nil || got1.Path != "/a" {
			t.Errorf("ReadRequest = %+v, %v", got1, err)
			return true
		}
		if served++; served == 3 {
			return true
		}
		r.Release()
		afterDrain = true
		later()
		return false // wait for the next request without reading first
	})
	if err != nil || served != 3 {
		t.Fatalf("served %d requests, then %v; want 3, nil", served, err)
	}
	if wokeEmpty > 0 {
		t.Errorf("%d wake-ups after a drained read found nothing", wokeEmpty)
	}

	srv.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	err = rc.Read(func(fd uintptr) bool {
		got, _, err := r.ReadFD(fd)
		return got || err != nil
	})
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("waiting on a silent peer: %v; want a deadline error", err)
	}
	if r.buf != nil {
		t.Fatal("the reader holds a buffer after waiting in vain")
	}

	srv.SetReadDeadline(time.Time{})
	cli.Close()
	var rerr error
	rc.Read(func(fd uintptr) bool {
		got, _, err := r.ReadFD(fd)
		rerr = err
		return got || err != nil
	})
	if rerr != io.EOF {
		t.Fatalf("ReadFD after the peer closed: %v; want io.EOF", rerr)
	}
}

// waitParked waits until the goroutine running the test function test is
// parked in the network poller, waiting for its socket to be readable. It
// reports an error if that does not happen within a minute; it runs on a
// goroutine of its own.
func waitParked(t *testing.T, test string) {
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		n := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			if strings.Contains(g, "."+test+"(") && strings.Contains(g, "(*pollDesc).waitRead") {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("%s did not wait for its socket within a minute", test)
			return
		}
	}
}

// TestReadFDPeerClosed: a FIN behind a request is seen by the read that
// takes the request (sockio.Read, tested with more sizes in sockio's
// TestReadSeesTheFIN): ReadFD returns the bytes, drained, PeerClosed
// reports the FIN, and the next ReadFD returns io.EOF without waiting. An
// open peer leaves PeerClosed false.
func TestReadFDPeerClosed(t *testing.T) {
	t.Parallel()
	if !ReadsFD {
		t.Skip("ReadFD is not supported here")
	}
	const req = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, fin := range []bool{false, true} {
		srv, cli := tcpPair(t)
		rc, err := srv.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		cli.Write([]byte(req))
		if fin {
			cli.CloseWrite()
		}
		testnet.WaitQueued(t, srv, len(req), fin) // all of it in the server's socket
		r := NewReader(srv, Limits{})
		srv.SetReadDeadline(time.Now().Add(time.Minute))
		rc.Read(func(fd uintptr) bool {
			got, drained, err := r.ReadFD(fd)
			if !got || !drained || err != nil {
				t.Errorf("ReadFD = %v, %v, %v; want the request, drained", got, drained, err)
				return true
			}
			if r.PeerClosed() != fin {
				t.Errorf("PeerClosed() = %v after the request; want %v", r.PeerClosed(), fin)
			}
			var got1 Request
			if err := r.ReadRequest(&got1); err != nil || got1.Path != "/a" {
				t.Errorf("ReadRequest = %+v, %v", got1, err)
			}
			if fin {
				if _, _, err := r.ReadFD(fd); err != io.EOF {
					t.Errorf("ReadFD after the request and the FIN: %v; want io.EOF", err)
				}
				if r.buf != nil {
					t.Error("the reader holds its buffer after io.EOF")
				}
			}
			return true
		})
	}
}

// TestHeadBuffered: true exactly when ReadRequest can finish, or fail,
// on the buffered bytes alone.
func TestHeadBuffered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"nothing", "", false},
		{"part of the request line", "GET / HT", false},
		{"request line only", "GET / HTTP/1.1\r\n", false},
		{"a field line short", "GET / HTTP/1.1\r\nHost: x\r\n", false},
		{"whole head", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", true},
		{"whole head and a body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", true},
		{"leading empty lines", "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", true},
		{"leading empty lines, head short", "\r\n\r\nGET / HTTP/1.1\r\n", false},
		{"too many empty lines", "\r\n\r\n\r\n\r\n\r\n", true},
		{"bare LF ends the request line", "GET / HTTP/1.1\nHost: x", true},
		{"bare LF ends a field line", "GET / HTTP/1.1\r\nHost: x\n", true},
		{"bare LF for the empty line", "GET / HTTP/1.1\r\nHost: x\r\n\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &oneRead{in: []byte(tt.in)}
			r := NewReader(src, Limits{})
			if tt.in != "" {
				if err := r.Fill(); err != nil {
					t.Fatal(err)
				}
			}
			if got := r.HeadBuffered(); got != tt.want {
				t.Fatalf("HeadBuffered() = %v; want %v", got, tt.want)
			}
			if tt.want {
				var req Request
				r.ReadRequest(&req)
				if src.calls > 1 {
					t.Fatal("ReadRequest read again after HeadBuffered() = true")
				}
			}
		})
	}
}
