package sockio

import (
	"bytes"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

// tcpPair returns the two ends of a TCP connection on 127.0.0.1.
var tcpPair = testnet.TCPPair

// bufSize is the size of the buffer the tests read into, as http1's read
// buffer.
const bufSize = 4 << 10

// TestReadSeesTheFIN: one Read learns what the socket holds after the
// bytes it returns: nothing (Drained), the peer's FIN (Drained and EOF, and
// the next Read finds EOF with no byte), or more bytes (not Drained). The
// sizes straddle the buffer's last byte, which sysRead reads apart on
// Linux.
func TestReadSeesTheFIN(t *testing.T) {
	t.Parallel()
	if !Supported {
		t.Skip("Read is not supported here")
	}
	tests := []struct {
		name        string
		size        int  // bytes sent
		fin         bool // then shutdown(SHUT_WR)
		wantDrained bool
	}{
		{"small, open", 37, false, true},
		{"small, then FIN", 37, true, true},
		{"buffer less one, open", bufSize - 1, false, true},
		{"buffer less one, then FIN", bufSize - 1, true, true},
		{"one buffer, open", bufSize, false, false},
		{"one buffer, then FIN", bufSize, true, false},
		{"more than a buffer, then FIN", bufSize + 100, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, cli := tcpPair(t)
			rc, err := srv.SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			sent := bytes.Repeat([]byte("x"), tt.size)
			if _, err := cli.Write(sent); err != nil {
				t.Fatal(err)
			}
			if tt.fin {
				cli.CloseWrite()
			}
			testnet.WaitQueued(t, srv, tt.size, tt.fin) // all of it in the server's socket
			buf := make([]byte, bufSize)
			var got []byte
			var drained, eof bool
			var reads int
			var rerr error
			srv.SetReadDeadline(time.Now().Add(time.Minute))
			rc.Read(func(fd uintptr) bool {
				for {
					res, err := Read(fd, buf)
					if err != nil {
						rerr = err
						return true
					}
					if res.N == 0 {
						// EAGAIN (empty) or EOF (closed): both drained
						drained, eof = res.Drained || res.EOF, res.EOF
						return true
					}
					reads++
					drained = res.Drained
					got = append(got, buf[:res.N]...)
					if reads == 1 && res.Drained != tt.wantDrained {
						t.Errorf("first read of %d bytes: Drained %v; want %v", res.N, res.Drained, tt.wantDrained)
					}
					if res.EOF && !res.Drained {
						t.Errorf("read of %d bytes: EOF without Drained", res.N)
					}
					if res.Drained {
						if res.EOF != tt.fin {
							t.Errorf("EOF = %v after the last bytes; want %v", res.EOF, tt.fin)
						}
						if !tt.fin {
							return true // the caller would wait now
						}
						eof = true
						// The next Read finds the FIN with no byte.
						res, err := Read(fd, buf)
						if err != nil || res.N != 0 || !res.EOF {
							t.Errorf("Read after the FIN = %+v, %v; want EOF and no byte", res, err)
						}
						return true
					}
				}
			})
			if rerr != nil {
				t.Errorf("Read: %v", rerr)
			}
			if !bytes.Equal(got, sent) {
				t.Errorf("read %d bytes; want the %d sent", len(got), len(sent))
			}
			if eof != tt.fin {
				t.Errorf("after the bytes: EOF %v; want %v", eof, tt.fin)
			}
			if !drained {
				t.Error("the last read did not drain the socket")
			}
		})
	}
}

// TestReadEmpty: a Read on an empty socket comes back at once, Drained
// with no byte, and allocates nothing: it is the first read of every
// keep-alive wait.
//
// Not parallel: AllocsPerRun counts the whole process's allocations.
func TestReadEmpty(t *testing.T) {
	if !Supported {
		t.Skip("Read is not supported here")
	}
	srv, _ := tcpPair(t)
	rc, err := srv.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, bufSize)
	var res Result
	rc.Control(func(fd uintptr) {
		allocs := testing.AllocsPerRun(100, func() { res, err = Read(fd, buf) })
		if allocs != 0 {
			t.Errorf("Read on an empty socket: %v allocations; want 0", allocs)
		}
	})
	if err != nil || res != (Result{Drained: true}) {
		t.Fatalf("Read on an empty socket = %+v, %v; want Drained and no byte", res, err)
	}
}

// TestReadError: a Read on a descriptor that is not open fails with the
// system's error.
func TestReadError(t *testing.T) {
	t.Parallel()
	if !Supported {
		t.Skip("Read is not supported here")
	}
	_, err := Read(^uintptr(0)>>1, make([]byte, 16))
	if !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Read on a bad descriptor: %v; want EBADF", err)
	}
}
