package handoff

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInheritNothing: the variables that do not hand this process a
// socket, each unset by Inherit whatever it decides.
func TestInheritNothing(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string // "$$" stands for this process's pid, "$PPID" for its parent's
		err  string            // Inherit's error; "" for none (and no socket)
	}{
		{name: "none"},
		{name: "listen_pid_other", env: map[string]string{envListenPID: "1", envListenFDs: "1"}},
		{name: "listen_pid_missing", env: map[string]string{envListenFDs: "1"}},
		{name: "listen_fds_zero", env: map[string]string{envListenPID: "$$", envListenFDs: "0"}},
		{name: "listen_fds_two", env: map[string]string{envListenPID: "$$", envListenFDs: "2", envListenFDNames: "a:b"},
			err: "handoff: systemd passed 2 sockets (LISTEN_FDS=2); miniweb serves one: give the socket unit one ListenStream"},
		{name: "listen_fds_junk", env: map[string]string{envListenPID: "$$", envListenFDs: "x"},
			err: `handoff: LISTEN_FDS="x": want a number of sockets`},
		{name: "handoff_junk", env: map[string]string{envHandoff: "yes"},
			err: `handoff: MINIWEB_HANDOFF="yes": want the pid of the process that started this one`},
		{name: "handoff_not_parent", env: map[string]string{envHandoff: "$$", envListenPID: "$$", envListenFDs: "1"},
			err: "handoff: MINIWEB_HANDOFF=$$ names a process that is not our parent (pid $PPID): started by hand with a stale variable? unset it"},
	}
	pid, ppid := itoa(os.Getpid()), itoa(os.Getppid())
	expand := func(s string) string {
		return strings.NewReplacer("$$", pid, "$PPID", ppid).Replace(s)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range []string{envHandoff, envListenPID, envListenFDs, envListenFDNames} {
				t.Setenv(v, "")
				os.Unsetenv(v)
			}
			for k, v := range tt.env {
				t.Setenv(k, expand(v))
			}
			in, err := Inherit()
			if in != nil {
				t.Fatalf("Inherit = %+v; want none", in)
			}
			if got, want := errString(err), expand(tt.err); got != want {
				t.Errorf("Inherit error %q; want %q", got, want)
			}
			for _, v := range []string{envHandoff, envListenPID, envListenFDs, envListenFDNames} {
				if _, ok := os.LookupEnv(v); ok {
					t.Errorf("%s still set", v)
				}
			}
		})
	}
}

// A process started as systemd starts it (fd 3 a listening socket,
// LISTEN_FDS=1, LISTEN_PID its own pid, set by a shell before exec as no
// parent can know the pid before) serves on that socket, and unsets the
// variables.
func TestInheritSystemd(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ exec "$0"`, self)
	cmd.Env = append(cleanEnv(os.Environ()), envChild+"=ready", envListenFDs+"=1", envListenFDNames+"=http")
	cmd.ExtraFiles = []*os.File{f}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill() // the process we started
		<-done
		if t.Failed() {
			t.Logf("child's stderr:\n%s", stderr.String())
		}
	}()
	f.Close()
	ln.Close() // only the child holds the socket now
	want := "pid=" + itoa(cmd.Process.Pid) + " from=systemd env=[]"
	if got := childAnswer(t, ln.Addr().String()); got != want {
		t.Errorf("the child answered %q; want %q", got, want)
	}
}

// Notify sends one datagram to NOTIFY_SOCKET, a path or an abstract name,
// and nothing when it is unset.
func TestNotify(t *testing.T) {
	tests := []struct {
		name, addr string // NOTIFY_SOCKET; "" unset
		err        string
	}{
		{name: "path", addr: filepath.Join(socketDir(t), "notify")},
		{name: "abstract", addr: "@miniweb-handoff-test-" + itoa(os.Getpid())},
		{name: "unset"},
		{name: "relative", addr: "notify", err: `handoff: NOTIFY_SOCKET="notify": want a path or @name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envNotifySocket, tt.addr)
			var c *net.UnixConn
			if tt.addr != "" && tt.err == "" {
				name := tt.addr
				if name[0] == '@' {
					name = "\x00" + name[1:]
				}
				var err error
				c, err = net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
			}
			err := Notify("MAINPID=42\nREADY=1")
			if errString(err) != tt.err {
				t.Fatalf("Notify = %v; want %q", err, tt.err)
			}
			if c == nil {
				return
			}
			c.SetDeadline(time.Now().Add(time.Minute)) // the datagram is there already: only a bug waits
			b := make([]byte, 100)
			n, err := c.Read(b)
			if err != nil || string(b[:n]) != "MAINPID=42\nREADY=1" {
				t.Errorf("got %q, %v", b[:n], err)
			}
		})
	}
}

// socketDir returns a folder for a Unix socket, removed at the end of the
// test: t.TempDir(), unless a socket's path there would pass the 107 bytes
// a sockaddr_un holds (a long TMPDIR), then a new folder in /tmp.
func socketDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if len(dir) <= 80 {
		return dir
	}
	dir, err := os.MkdirTemp("/tmp", "handoff-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
