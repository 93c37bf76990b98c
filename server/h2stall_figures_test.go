package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/http2"
)

// TestProgramStalledStreamsRSS is issue 25's stalled-streams attack on the
// built program, with MINIWEB_FIGURES=1: 60 h2c connections with
// SETTINGS_INITIAL_WINDOW_SIZE=0, 250 streams each asking for a 10 MiB
// static file, never opening a window. It prints the program's resident
// memory (VmRSS) before, once every stream is answered (a response's
// HEADERS, or RST_STREAM REFUSED_STREAM past the 128 a connection may
// have open), right after the connections are gone, and then every 10 s
// for up to stallAfter, as the Go runtime gives memory back (its forced
// GC every 2 minutes, its background scavenger): the program itself does
// nothing more. Figures, not checks, but every stream must have been
// answered and the program must let go of every connection.
//
//	MINIWEB_FIGURES=1 go test ./server -run StalledStreamsRSS -v
func TestProgramStalledStreamsRSS(t *testing.T) {
	if !figures() {
		t.Skip("figures: set MINIWEB_FIGURES=1, on a quiet machine")
	}
	const conns, streams, size = 60, 250, 10 << 20
	raiseNoFile(t, 4*conns)
	dir, cfg := siteDir(t, "h2c = true\n"+goodConfig)
	if err := os.WriteFile(filepath.Join(dir, "static", "big.bin"), []byte(strings.Repeat("x", size)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, _, stderr, exited := startProgram(t, dir, "-config", cfg, "-addr", "127.0.0.1:0")
	addr := servingAddr(t, stderr, exited)
	pid := cmd.Process.Pid
	fds0 := socketFDs(t, pid)
	before := rssOf(t, pid)

	// :method GET, :scheme http, then :path and :authority as literals
	// not indexed (RFC 7541 §6.2.2): the same block for every stream.
	block := []byte{0x82, 0x86, 0x04, byte(len("/big.bin"))}
	block = append(block, "/big.bin"...)
	block = append(append(block, 0x01, byte(len(addr))), addr...)
	start := time.Now()
	var ncs []net.Conn
	defer func() {
		for _, nc := range ncs {
			nc.Close()
		}
	}()
	heads, refused := 0, 0
	for range conns {
		nc, err := net.DialTimeout("tcp", addr, patience)
		if err != nil {
			t.Fatal(err)
		}
		ncs = append(ncs, nc)
		nc.SetDeadline(time.Now().Add(patience))
		b := append([]byte(http2.Preface), http2.AppendSettings(nil, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})...)
		for i := range uint32(streams) {
			b = http2.AppendHeaderBlock(b, 1+2*i, true, block, http2.DefaultMaxFrameSize)
		}
		if _, err := nc.Write(b); err != nil {
			t.Fatal(err)
		}
		// Read until every stream is answered: its response's HEADERS
		// (its DATA waits on the window) or a refusal. Reading opens no
		// window: the client still never takes a byte of a body.
		fr := http2.NewFrameReader(nc, nil)
		for answered := 0; answered < streams; {
			h, _, err := fr.ReadFrame()
			if err != nil {
				t.Fatalf("connection %d, %d streams answered: %v", len(ncs), answered, err)
			}
			switch h.Type {
			case http2.FrameHeaders:
				heads++
				answered++
			case http2.FrameRSTStream:
				refused++
				answered++
			case http2.FrameData:
				if h.Length > 0 {
					t.Fatalf("DATA of %d bytes on a window of 0", h.Length)
				}
			case http2.FrameGoAway:
				t.Fatalf("GOAWAY on connection %d after %d streams answered", len(ncs), answered)
			}
		}
	}
	opened := time.Since(start)
	during := rssOf(t, pid)
	for _, nc := range ncs {
		nc.Close()
	}
	ncs = nil
	if !waitFor(patience, func() bool { return socketFDs(t, pid) <= fds0 }) {
		t.Fatalf("the program holds %d sockets after the connections closed; %d before", socketFDs(t, pid), fds0)
	}
	after := rssOf(t, pid)
	t.Logf("%d connections x %d streams of a %d MiB file (window 0): %d streams answered with HEADERS, %d refused, in %v",
		conns, streams, size>>20, heads, refused, opened.Round(time.Millisecond))
	t.Logf("VmRSS before %.1f MiB, during %.1f MiB (%.0f B a stalled stream), after %.1f MiB (connections gone)",
		mibOf(before), mibOf(during), float64(during-before)/float64(heads), mibOf(after))
	gone := time.Now()
	for tick := time.NewTicker(10 * time.Second); time.Since(gone) < stallAfter; {
		<-tick.C
		t.Logf("  +%3.0fs: VmRSS %.1f MiB", time.Since(gone).Seconds(), mibOf(rssOf(t, pid)))
	}
}

// stallAfter is how long TestProgramStalledStreamsRSS watches the
// program's memory after the attack: past the Go runtime's forced GC (2
// minutes) and some of its scavenger's work.
const stallAfter = 150 * time.Second

// rssOf returns the resident set size (VmRSS) of process pid in bytes.
func rssOf(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS of %d: %q", pid, line)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS for process %d", pid)
	return 0
}

// socketFDs returns how many sockets process pid holds open.
func socketFDs(t *testing.T, pid int) int {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n
}

func mibOf(b int64) float64 { return float64(b) / (1 << 20) }
