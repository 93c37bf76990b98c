// Package sockio reads from and sends to non-blocking sockets with raw
// system calls, on byte slices, for a connection that already holds its
// descriptor inside a syscall.RawConn callback:
//
//	res, err := sockio.Read(fd, buf) // one read; says if the socket is now empty, or closed
//	n, err := sockio.Send(fd, p, false) // as much of p as the socket takes (Linux)
//
// It knows nothing of HTTP: the http1 package fills its request buffer with
// Read and sends its response buffer with Send, and parses only bytes.
//
// # One read that sees the FIN
//
// A plain read that returns fewer bytes than it asked for says the socket
// was empty, but not whether the peer's FIN came behind the bytes; with the
// runtime's edge-triggered poller nothing would ever say so, and a
// connection would wait for a request that cannot come. Read learns both
// in the same system call on Linux (recvmmsg(2) with a one-byte second
// message, see sysRead), and with a second read(2) after a short one
// elsewhere and under the race detector (see readTwice).
//
// # Sending without telling the scheduler
//
// A connection's descriptor is non-blocking, so send(2) on it never waits:
// it copies what fits into the socket buffer and returns, or fails with
// EAGAIN, and then the caller waits in the runtime's netpoller like any
// other Go write. Read and Send are raw system calls, which the scheduler
// does not see. A call it sees (what net.Conn.Write makes) marks the
// goroutine's P as in a system call, and sysmon hands the P to another
// thread when a call outlasts its 20 µs tick: on a server pinned to one
// core, a thread wake-up and two context switches for a call that was never
// going to block. Under load (hello, 64 connections, GOMAXPROCS=1) the
// ordinary calls kept two or three threads busy where the raw ones keep
// one, at about 4% more CPU per request.
//
// Writes larger than a connection's write buffer and sendfile keep the
// ordinary calls: they can run long, and sendfile may wait on the disk,
// which is what handing the P over is for.
//
// Under the race detector the calls go through the syscall package's Read
// and Write instead (see sys_linux_race.go): they tell the detector that a
// byte written to a descriptor happens before it is read.
package sockio

// Result is what one Read learned about the socket:
//
//	N > 0               N bytes arrived in p[:N]
//	Drained             the socket was empty after them: any later byte is a
//	                    new readiness event, so the caller may wait for one
//	                    without reading first
//	EOF                 the peer's FIN followed them (Drained is then true)
//
// N == 0 with Drained means the socket was empty (EAGAIN): nothing came;
// N == 0 with EOF means the peer had closed before any byte. With neither
// Drained nor EOF more bytes may be waiting: p was filled.
type Result struct {
	N       int  // bytes read into p[:N]
	Drained bool // the socket was empty after the N bytes
	EOF     bool // the peer closed its side after the N bytes
}
