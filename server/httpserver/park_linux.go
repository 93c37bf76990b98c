package httpserver

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// parkSupported says connections park here: see park.go.
const parkSupported = true

// parkPoller is a Server's epoll instance for its parked connections, and
// the goroutine that takes them up. A parked connection's descriptor is
// registered one-shot for input and the peer's FIN (EPOLLRDHUP), with the
// descriptor as its data; the runtime's own poller, which also holds the
// descriptor (edge-triggered), keeps its readiness for the goroutine that
// takes the connection up, whose first read does not wait for it anyway.
// The epoll instance is itself a descriptor the runtime's poller waits on
// (readable when an event is ready), so the goroutine waits as any
// reader does, holding no thread.
type parkPoller struct {
	epfd int
	file *os.File // epfd, for the runtime's poller

	mu    sync.Mutex
	conns []*conn // by descriptor: the connection last parked under it

	done     chan struct{}
	stopping atomic.Bool
}

func newParkPoller(s *Server) (*parkPoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("epoll instance non-blocking: %w", err)
	}
	p := &parkPoller{epfd: epfd, file: os.NewFile(uintptr(epfd), "epoll"), done: make(chan struct{})}
	rc, err := p.file.SyscallConn()
	if err != nil {
		p.file.Close()
		return nil, fmt.Errorf("epoll instance: %w", err)
	}
	go p.run(rc)
	return p, nil
}

// track enters the connection in the table under its descriptor, before
// it is armed.
func (p *parkPoller) track(c *conn) {
	p.mu.Lock()
	if fd := int(c.pk.fd); fd >= len(p.conns) {
		p.conns = append(p.conns, make([]*conn, fd+1-len(p.conns)+len(p.conns)/2)...)
	}
	p.conns[c.pk.fd] = c
	p.mu.Unlock()
}

// arm registers the connection's descriptor (add) or registers it again
// for its next byte or FIN. It holds the descriptor while it does
// (RawConn.Control), so that a close meanwhile closes it after, which
// takes it out of the epoll set. It writes nothing of c: the connection
// is idle, and may be someone else's already.
func (p *parkPoller) arm(c *conn, add bool) error {
	var err error
	cerr := c.raw.Control(func(fd uintptr) {
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT, Fd: int32(fd)}
		op := unix.EPOLL_CTL_MOD
		if add {
			op = unix.EPOLL_CTL_ADD
		}
		if err = unix.EpollCtl(p.epfd, op, int(fd), &ev); err == unix.EEXIST {
			err = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, int(fd), &ev)
		}
		if err != nil {
			err = fmt.Errorf("epoll_ctl of descriptor %d: %w", fd, err)
		}
	})
	if cerr != nil {
		return cerr
	}
	return err
}

// forget drops the connection's entry, if it is still its descriptor's:
// called as it closes.
func (p *parkPoller) forget(c *conn) {
	p.mu.Lock()
	if int(c.pk.fd) < len(p.conns) && p.conns[c.pk.fd] == c {
		p.conns[c.pk.fd] = nil
	}
	p.mu.Unlock()
}

// run takes up the connections whose events come, until stop.
func (p *parkPoller) run(rc syscall.RawConn) {
	defer close(p.done)
	events := make([]unix.EpollEvent, 256)
	err := rc.Read(func(fd uintptr) bool {
		for {
			n, err := unix.EpollWait(int(fd), events, 0)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				panic(fmt.Sprintf("httpserver: epoll_wait on the parking poller: %v", err))
			}
			if n == 0 {
				return false // none ready: wait for the next
			}
			for _, ev := range events[:n] {
				p.mu.Lock()
				var c *conn
				if int(ev.Fd) < len(p.conns) {
					c = p.conns[ev.Fd]
				}
				p.mu.Unlock()
				if c != nil {
					c.unpark()
				}
			}
		}
	})
	if err != nil && !p.stopping.Load() {
		panic(fmt.Sprintf("httpserver: waiting on the parking poller: %v", err))
	}
}

// stop ends run and closes the epoll instance.
func (p *parkPoller) stop() {
	p.stopping.Store(true)
	p.file.Close()
	<-p.done
}
