package handoff

import (
	"fmt"
	"net"
	"os"
	"strconv"
)

// envHandoff marks a successor: its value is the pid of the predecessor
// that started it, and fds 3, 4 and 5 are the listening socket, the ready
// pipe and the predecessor's stderr (doc.go, "A restart, step by step").
const envHandoff = "MINIWEB_HANDOFF"

// The descriptors a predecessor passes, after the listening socket at
// firstFD.
const (
	readyFD  = firstFD + 1
	stderrFD = firstFD + 2
)

// Source says where an inherited listening socket comes from.
type Source string

// The sources of an inherited socket.
const (
	FromSystemd     Source = "systemd"     // socket activation: LISTEN_FDS
	FromPredecessor Source = "predecessor" // a restart: MINIWEB_HANDOFF
)

// Inherited is a listening socket that a process got when it started,
// instead of listening itself.
type Inherited struct {
	// Listener is the socket; the process serves on it.
	Listener net.Listener
	// From says who passed it.
	From Source
	// Predecessor is the pid of the process that passed it, with
	// FromPredecessor; 0 otherwise.
	Predecessor int

	ready  *os.File // FromPredecessor: the ready pipe's write end
	stderr *os.File // FromPredecessor: the predecessor's stderr
}

// Inherit returns the listening socket this process was started with: from
// a predecessor (MINIWEB_HANDOFF naming the parent process) or from systemd
// (LISTEN_FDS, with LISTEN_PID naming this process), or nil when neither
// passed one, and the process should listen itself. It unsets the
// variables it reads, so that a successor does not misread them, and is
// meant to be called once, early.
func Inherit() (*Inherited, error) {
	if in, err := predecessor(); in != nil || err != nil {
		systemdListener() // unset LISTEN_*: the predecessor read them (or they are stale)
		return in, err
	}
	ln, err := systemdListener()
	if ln == nil || err != nil {
		return nil, err
	}
	return &Inherited{Listener: ln, From: FromSystemd}, nil
}

// predecessor reads MINIWEB_HANDOFF and the descriptors it announces.
func predecessor() (*Inherited, error) {
	v, ok := os.LookupEnv(envHandoff)
	if !ok {
		return nil, nil
	}
	os.Unsetenv(envHandoff)
	inheritRestarts()
	pid, err := strconv.Atoi(v)
	if err != nil || pid <= 0 {
		return nil, fmt.Errorf("handoff: %s=%q: want the pid of the process that started this one", envHandoff, v)
	}
	if pid != os.Getppid() {
		// Left over in an environment, or the predecessor died before
		// we got here: either way the descriptors are not ours to trust.
		return nil, fmt.Errorf("handoff: %s=%d names a process that is not our parent (pid %d): started by hand with a stale variable? unset it", envHandoff, pid, os.Getppid())
	}
	ln, err := fileListener(firstFD, "listening socket from pid "+v)
	if err != nil {
		return nil, err
	}
	return &Inherited{
		Listener:    ln,
		From:        FromPredecessor,
		Predecessor: pid,
		ready:       os.NewFile(readyFD, "ready pipe"),
		stderr:      os.NewFile(stderrFD, "predecessor's stderr"),
	}, nil
}

// Ready tells whoever waits for this process that it serves: the
// predecessor, through the ready pipe, after making the predecessor's
// stderr this process's own (until then it went through a pipe the
// predecessor reads, which ends when it exits); or systemd, with
// READY=1, when the unit has Type=notify. in may be nil (the process
// listened itself). Call it once the listener is being served.
func Ready(in *Inherited) error {
	if in == nil || in.From != FromPredecessor {
		return Notify("READY=1")
	}
	defer in.ready.Close()
	err := redirectStderr(in.stderr)
	in.stderr.Close()
	if err != nil {
		return fmt.Errorf("handoff: taking the predecessor's stderr: %w", err)
	}
	if _, err := in.ready.Write([]byte{'R'}); err != nil {
		return fmt.Errorf("handoff: telling pid %d we are ready: %w", in.Predecessor, err)
	}
	return nil
}
