package httpserver

import (
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// parkSupported says connections park here: see park.go.
const parkSupported = true

// parkPoller is a Server's epoll instance for its parked connections, and
// the goroutine that waits on it. A parked connection's descriptor is
// registered one-shot for input and the peer's FIN (EPOLLRDHUP), with the
// descriptor as its data; the runtime's own poller, which also holds the
// descriptor (edge-triggered), keeps its readiness for the goroutine that
// takes the connection up, whose first read does not wait for it anyway.
type parkPoller struct {
	epfd, evfd int // the epoll instance; an eventfd that stops the wait

	mu    sync.Mutex
	conns []*conn // by descriptor: the connection last armed under it

	done chan struct{}
}

func newParkPoller(s *Server) (*parkPoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	evfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(evfd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, evfd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(evfd)
		return nil, fmt.Errorf("epoll_ctl of the eventfd: %w", err)
	}
	p := &parkPoller{epfd: epfd, evfd: evfd, done: make(chan struct{})}
	go p.run()
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
	cerr := c.in.raw.Control(func(fd uintptr) {
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

// run waits for parked connections' events and takes each connection up,
// until stop.
func (p *parkPoller) run() {
	defer close(p.done)
	events := make([]unix.EpollEvent, 256)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			panic(fmt.Sprintf("httpserver: epoll_wait on the parking poller: %v", err))
		}
		for _, ev := range events[:n] {
			if int(ev.Fd) == p.evfd {
				return
			}
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
}

// stop ends run and closes the poller's descriptors.
func (p *parkPoller) stop() {
	unix.Write(p.evfd, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	<-p.done
	unix.Close(p.epfd)
	unix.Close(p.evfd)
}
