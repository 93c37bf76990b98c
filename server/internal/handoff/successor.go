package handoff

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Successor is a new process of the running program, started by Start on
// the same listening socket, until it says it serves.
type Successor struct {
	cmd    *exec.Cmd
	pid    int
	ready  *os.File      // the ready pipe's read end
	copied chan struct{} // closed when its early stderr is all copied
	tail   tail          // the last of its early stderr
	began  time.Time
}

// Failure says why a successor did not take over: the old process goes on
// serving, and logs it.
type Failure struct {
	Pid    int    // the successor's pid
	Reason string // "exited with status 2 before it was ready", ...
	Output string // its last lines on stderr, "" if it wrote none
}

// Error returns "successor pid 4243 exited with status 2 before it was
// ready", without the output, which the caller logs apart.
func (f *Failure) Error() string {
	return fmt.Sprintf("successor pid %d %s", f.Pid, f.Reason)
}

// Start starts the successor of this process: its binary, read anew from
// disk (os.Executable: a binary replaced by a rename is the new one), with
// the same arguments, folder and environment, handing it ln. Its stdout is
// stdout; its stderr is copied to stderr until it is ready, then is stderr
// itself (see doc.go). Wait then says whether it took over.
func Start(ln net.Listener, stdout, stderr *os.File) (*Successor, error) {
	return StartProgram(ln, stdout, stderr, Program{})
}

// Program says what a successor runs when it is not this program's binary
// as on disk: a new build, in the server's -watch mode.
type Program struct {
	// Path is the binary to run; "" means os.Executable(), as Start.
	Path string
	// Env is added to the successor's environment, "NAME=value" each (a
	// name already there takes the value given here); nil adds none.
	Env []string
	// Files are passed after the hand-off's own descriptors, from fd 6
	// on (ExtraFD); nil passes none.
	Files []*os.File
}

// ExtraFD is the descriptor of a successor's first Program.Files.
const ExtraFD = stderrFD + 1

// StartProgram is Start with the binary and extra environment of p; the
// arguments, folder, descriptors and the rest are Start's.
func StartProgram(ln net.Listener, stdout, stderr *os.File, p Program) (*Successor, error) {
	sc, ok := ln.(syscall.Conn) // *net.TCPListener, *net.UnixListener
	if !ok {
		return nil, fmt.Errorf("handoff: cannot pass a %T to a successor", ln)
	}
	exe := p.Path
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("handoff: finding our binary: %w", err)
		}
	}
	sock, err := dupSocket(sc, "listening socket") // for the child alone
	if err != nil {
		return nil, fmt.Errorf("handoff: passing the listening socket %s: %w", ln.Addr(), err)
	}
	defer sock.Close()
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("handoff: ready pipe: %w", err)
	}
	defer readyW.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		readyR.Close()
		return nil, fmt.Errorf("handoff: stderr pipe: %w", err)
	}
	defer errW.Close()

	s := &Successor{ready: readyR, copied: make(chan struct{}), began: time.Now()}
	s.cmd = exec.Command(exe, os.Args[1:]...)
	s.cmd.Env = append(cleanEnv(os.Environ()), p.Env...) // exec keeps the last value of a name
	s.cmd.Env = append(s.cmd.Env, envHandoff+"="+strconv.Itoa(os.Getpid()), nextRestarts())
	s.cmd.Stdout, s.cmd.Stderr = stdout, errW
	s.cmd.ExtraFiles = append([]*os.File{sock, readyW, stderr}, p.Files...) // fds 3, 4, 5, then ExtraFD on
	if err := s.cmd.Start(); err != nil {
		readyR.Close()
		errR.Close()
		return nil, fmt.Errorf("handoff: starting %s: %w", exe, err)
	}
	s.pid = s.cmd.Process.Pid
	go func() {
		defer close(s.copied)
		defer errR.Close()
		io.Copy(io.MultiWriter(stderr, &s.tail), errR)
	}()
	return s, nil
}

// cleanEnv returns env without the variables of an earlier hand-off or
// socket activation: they were for this process, not its successor.
func cleanEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case envHandoff, envRestarts, envListenPID, envListenFDs, envListenFDNames:
			continue
		}
		out = append(out, kv)
	}
	return out
}

// Pid returns the successor's process id.
func (s *Successor) Pid() int { return s.pid }

// Wait waits until the successor says it is ready and returns how long it
// took from Start. If it exits first, or is not ready within timeout, or
// ctx ends, Wait kills it if it still runs (it is the process Start
// started, by its pid), waits for its end, and returns a *Failure (ctx's
// error for ctx). After a success the successor runs on alone: it is never
// waited for.
func (s *Successor) Wait(ctx context.Context, timeout time.Duration) (time.Duration, error) {
	got := make(chan error, 1)
	go func() {
		var b [1]byte
		_, err := s.ready.Read(b[:])
		got <- err
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var reason string
	read := false // got has given its one value
	select {
	case err := <-got:
		read = true
		if err == nil {
			s.ready.Close()
			took := time.Since(s.began)
			s.waitCopied()
			return took, nil
		}
		reason = "ended before it was ready" // end of file: its pipe end closed with it
	case <-timer.C:
		reason = fmt.Sprintf("was not ready within %v: killed", timeout)
	case <-ctx.Done():
		reason = "was stopped: " + context.Cause(ctx).Error()
	}
	s.cmd.Process.Kill() // the process we started; a no-op if it has exited
	werr := s.cmd.Wait()
	s.ready.Close()
	if !read {
		<-got
	}
	s.waitCopied()
	var ee *exec.ExitError
	if errors.As(werr, &ee) && reason == "ended before it was ready" {
		reason = describeExit(ee) + " before it was ready"
	}
	f := &Failure{Pid: s.pid, Reason: reason, Output: s.tail.String()}
	if ctx.Err() != nil {
		return 0, fmt.Errorf("%w: %w", f, ctx.Err())
	}
	return 0, f
}

// Exited waits for the successor's end, once Wait said it took over, and
// says how it ended: nil for status 0, else "exited with status 1".
func (s *Successor) Exited() error {
	err := s.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return errors.New(describeExit(ee))
	}
	return err
}

// Kill kills the successor, the process Start started, by its pid.
func (s *Successor) Kill() error { return s.cmd.Process.Kill() }

// describeExit says how a process ended: "exited with status 2", "was
// killed by signal: segmentation fault".
func describeExit(ee *exec.ExitError) string {
	if ee.Exited() {
		return "exited with status " + strconv.Itoa(ee.ExitCode())
	}
	return "ended: " + ee.String()
}

// waitCopied waits a little for the successor's early stderr to be
// copied: all of it once the successor has redirected its stderr or
// exited, unless a process of its own still holds the pipe.
func (s *Successor) waitCopied() {
	select {
	case <-s.copied:
	case <-time.After(time.Second):
	}
}
