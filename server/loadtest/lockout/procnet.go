package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// stateCloseWait is TCP_CLOSE_WAIT in the st column of /proc/net/tcp.
const stateCloseWait = "08"

// closeWait counts the sockets in CLOSE_WAIT whose local port is port, in
// /proc/net/tcp and /proc/net/tcp6. unaccepted counts those of them with
// no inode: no file refers to them yet, so they still wait in the
// listener's accept queue.
func closeWait(port int) (total, unaccepted int, err error) {
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if errors.Is(err, fs.ErrNotExist) && name == "/proc/net/tcp6" {
			continue // IPv6 is off
		}
		if err != nil {
			return 0, 0, err
		}
		t, u, err := countCloseWait(f, port)
		f.Close()
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %v", name, err)
		}
		total += t
		unaccepted += u
	}
	return total, unaccepted, nil
}

// countCloseWait reads a /proc/net/tcp table:
//
//	sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//	 0: 0100007F:46AA 0100007F:9C40 08 00000000:00000000 00:00000000 00000000     0        0 123456 ...
//
// The port is the hex after the last colon of local_address (IPv6
// addresses are 32 hex digits, so the last colon is the port's).
func countCloseWait(r io.Reader, port int) (total, unaccepted int, err error) {
	sc := bufio.NewScanner(r)
	first := true
	for sc.Scan() {
		if first { // the column names
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 10 {
			return 0, 0, fmt.Errorf("short line %.80q", sc.Text())
		}
		if f[3] != stateCloseWait {
			continue
		}
		i := strings.LastIndexByte(f[1], ':')
		p, err := strconv.ParseUint(f[1][i+1:], 16, 16)
		if i < 0 || err != nil {
			return 0, 0, fmt.Errorf("local address %.60q", f[1])
		}
		if int(p) != port {
			continue
		}
		total++
		if f[9] == "0" {
			unaccepted++
		}
	}
	return total, unaccepted, sc.Err()
}
