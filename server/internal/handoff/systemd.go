package handoff

import (
	"fmt"
	"net"
	"os"
	"strconv"
)

// Environment variables of systemd's socket activation (sd_listen_fds(3))
// and readiness notification (sd_notify(3)).
const (
	envListenPID     = "LISTEN_PID"
	envListenFDs     = "LISTEN_FDS"
	envListenFDNames = "LISTEN_FDNAMES"
	envNotifySocket  = "NOTIFY_SOCKET"
)

// firstFD is the first descriptor passed by systemd, and by a predecessor:
// SD_LISTEN_FDS_START, right after stdin, stdout and stderr.
const firstFD = 3

// systemdListener returns the listening socket systemd passed, or nil when
// it passed none to this process. As sd_listen_fds, it reads LISTEN_FDS
// only when LISTEN_PID is this process's pid, and unsets the variables
// either way, so that no successor misreads them.
//
//	LISTEN_PID=4242 LISTEN_FDS=1   # fd 3 is the socket of miniweb.socket
func systemdListener() (net.Listener, error) {
	pid, fds := os.Getenv(envListenPID), os.Getenv(envListenFDs)
	os.Unsetenv(envListenPID)
	os.Unsetenv(envListenFDs)
	os.Unsetenv(envListenFDNames)
	if fds == "" || pid != strconv.Itoa(os.Getpid()) {
		return nil, nil // not for us: sd_listen_fds returns 0 too
	}
	n, err := strconv.Atoi(fds)
	switch {
	case err != nil || n < 0:
		return nil, fmt.Errorf("handoff: %s=%q: want a number of sockets", envListenFDs, fds)
	case n == 0:
		return nil, nil
	case n > 1:
		return nil, fmt.Errorf("handoff: systemd passed %d sockets (%s=%d); miniweb serves one: give the socket unit one ListenStream", n, envListenFDs, n)
	}
	return fileListener(firstFD, "systemd socket")
}

// fileListener makes a listener of the inherited descriptor fd, and closes
// fd: the listener holds a duplicate, closed on exec.
func fileListener(fd uintptr, name string) (net.Listener, error) {
	f := os.NewFile(fd, name)
	defer f.Close()
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("handoff: %s (fd %d): %w", name, fd, err)
	}
	return ln, nil
}

// Notify sends state to systemd's service manager, as sd_notify(3), when
// the service runs with Type=notify (NOTIFY_SOCKET is set); otherwise it
// does nothing. State is newline-separated assignments:
//
//	handoff.Notify("READY=1")
//	handoff.Notify("MAINPID=4243\nREADY=1")   // after a restart
//	handoff.Notify("STOPPING=1")
//
// NOTIFY_SOCKET stays set: a successor needs it in turn.
func Notify(state string) error {
	addr := os.Getenv(envNotifySocket)
	if addr == "" {
		return nil
	}
	name := addr
	if name[0] == '@' {
		name = "\x00" + name[1:] // an abstract socket
	} else if name[0] != '/' {
		return fmt.Errorf("handoff: %s=%q: want a path or @name", envNotifySocket, addr)
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("handoff: sd_notify %q to %s: %w", state, addr, err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("handoff: sd_notify %q to %s: %w", state, addr, err)
	}
	return nil
}
