package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestProgramOneReadPerRequest: the real program reads the socket once
// per keep-alive request (a session waits after a read that emptied it,
// instead of reading again to find nothing), counted by strace attached to
// it: every read-family system call over n requests.
func TestProgramOneReadPerRequest(t *testing.T) {
	t.Parallel()
	straceBin := lookTool(t, "strace", "MINIWEB_TOOLS")
	dir, cfg := siteDir(t, goodConfig)
	cmd, _, stderr, exited := startProgram(t, dir, "-config", cfg, "-addr", "127.0.0.1:0", "-access-log=false")
	hostport := servingAddr(t, stderr, exited)
	c, err := net.Dial("tcp", hostport)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * patience)) // for the whole test: strace slows every call
	br := bufio.NewReader(c)
	roundTrip := func() {
		io.WriteString(c, "GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	roundTrip()

	out := filepath.Join(t.TempDir(), "strace")
	st := exec.Command(straceBin, "-f", "-c", "-o", out,
		"-e", "trace=read,readv,recvfrom,recvmsg,recvmmsg", "-p", strconv.Itoa(cmd.Process.Pid))
	stErr := &syncBuffer{}
	st.Stderr = stErr
	if err := st.Start(); err != nil {
		t.Fatal(err)
	}
	defer st.Process.Kill()
	// strace says "Process N attached with M threads" once it has
	// attached them all (-f follows the threads started after).
	if !waitFor(patience, func() bool { return strings.Contains(stErr.String(), "attached") }) {
		t.Skipf("strace cannot attach here: %s", stErr.String())
	}
	const n = 300
	for range n {
		roundTrip()
	}
	st.Process.Signal(os.Interrupt)
	st.Wait()
	summary, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	reads := 0
	for _, line := range strings.Split(string(summary), "\n") {
		f := strings.Fields(line)
		// % time, seconds, usecs/call, calls, [errors,] syscall
		if len(f) >= 5 && strings.HasPrefix(f[len(f)-1], "re") {
			calls, err := strconv.Atoi(f[3])
			if err == nil {
				reads += calls
			}
		}
	}
	perRequest := float64(reads) / n
	t.Logf("%.3f read system calls per keep-alive request\n%s", perRequest, summary)
	if perRequest < 0.95 || perRequest > 1.05 {
		t.Errorf("%.3f reads per request; want 1", perRequest)
	}
}
