package sockio

import (
	"bytes"
	"errors"
	"io"
	"syscall"
	"testing"
	"time"
)

// TestSend: Send takes what the socket buffer holds and says how much, with
// no error, when it is full; the rest goes once the peer reads; what
// arrives is what was sent, in order.
func TestSend(t *testing.T) {
	t.Parallel()
	for _, more := range []bool{false, true} {
		srv, cli := tcpPair(t)
		rc, err := srv.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, 16<<20) // more than any socket buffer
		for i := range want {
			want[i] = byte('a' + i%26)
		}
		var first int
		rc.Control(func(fd uintptr) {
			first, err = Send(fd, want, more)
		})
		if err != nil || first <= 0 || first >= len(want) {
			t.Fatalf("Send(more=%v) of %d bytes to a peer not reading = %d, %v; want some, nil", more, len(want), first, err)
		}
		got := make(chan []byte, 1)
		go func() { b, _ := io.ReadAll(cli); got <- b }()
		p := want[first:]
		err = rc.Write(func(fd uintptr) bool {
			n, err := Send(fd, p, more)
			p = p[n:]
			if err != nil {
				t.Errorf("Send: %v", err)
				return true
			}
			return len(p) == 0
		})
		if err != nil {
			t.Fatal(err)
		}
		srv.CloseWrite()
		if b := <-got; !bytes.Equal(b, want) {
			t.Fatalf("received %d bytes, not the %d sent", len(b), len(want))
		}
	}
}

// TestSendPeerGone: sending to a peer that has gone fails with the
// system's error, never a signal.
func TestSendPeerGone(t *testing.T) {
	t.Parallel()
	srv, cli := tcpPair(t)
	cli.SetLinger(0) // close with a reset
	cli.Close()
	rc, err := srv.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	// The first sends may go before the reset is seen: send until one
	// fails, for a minute at most.
	for deadline := time.Now().Add(time.Minute); err == nil && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		rc.Control(func(fd uintptr) {
			_, err = Send(fd, []byte("HTTP/1.1 200 OK\r\n\r\n"), false)
		})
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("Send to a reset peer: %v; want ECONNRESET or EPIPE", err)
	}
}
