package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestProgramMaxConnsCheck: -check says what max_conns is: the configured
// cap, or the default's rule with what it gives on this machine.
func TestProgramMaxConnsCheck(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, limits string
		want         *regexp.Regexp
	}{
		{"configured", "[limits]\nmax_conns = 500\n", regexp.MustCompile(`\n  max_conns  500 \(limits\.max_conns\)\n`)},
		{"default", "", regexp.MustCompile(`\n  max_conns  [1-9][0-9]* \(0: sized for the machine: .*a quarter at 64 KiB a connection gives [1-9][0-9]*; (memory bounds it|the open-files limit bounds it: .*LimitNOFILE=.*)\)\n`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, cfg := siteDir(t, goodConfig+tt.limits)
			status, stdout, stderr := runMiniweb(t, dir, "-config", cfg, "-check")
			if status != 0 || !tt.want.MatchString(stdout) {
				t.Errorf("-check: status %d, stdout %q, stderr %q; want 0 and %s", status, stdout, stderr, tt.want)
			}
		})
	}
}

// maxConnsLine is the start's line on the default connection cap.
var maxConnsLine = regexp.MustCompile(`msg="max_conns (is bound by the open-files limit[^"]*LimitNOFILE=[^"]*|sized for the machine's memory)" max_conns=([0-9]+) by_memory=([0-9]+) .*open_files_limit=([0-9]+) files_open=([0-9]+) files_reserve=([0-9]+)`)

// TestProgramMaxConnsLog: at start the program logs its open-files limit,
// raised to the hard limit, and with max_conns 0 the cap it sized and
// from what; when the open-files limit bounds it, the line says so and
// the cap is that limit less the descriptors held and the reserve. With
// max_conns set there is no sizing line.
func TestProgramMaxConnsLog(t *testing.T) {
	t.Parallel()
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		dir, cfg := siteDir(t, goodConfig)
		_, _, stderr, exited := startProgram(t, dir, "-config", cfg, "-addr", "127.0.0.1:0")
		servingAddr(t, stderr, exited)
		log := stderr.String()
		limit := regexp.MustCompile(`msg="open-files limit" open_files_limit=([0-9]+) hard_limit=([0-9]+)`).FindStringSubmatch(log)
		if limit == nil || limit[1] != limit[2] {
			t.Fatalf("no open-files line with the soft limit at the hard one in:\n%s", log)
		}
		m := maxConnsLine.FindStringSubmatch(log)
		if m == nil {
			t.Fatalf("no max_conns line in:\n%s", log)
		}
		n, byMem, nofile, open, reserve := atoi(t, m[2]), atoi(t, m[3]), atoi(t, m[4]), atoi(t, m[5]), atoi(t, m[6])
		if m[4] != limit[1] {
			t.Errorf("the max_conns line's open-files limit %s is not the one raised to, %s", m[4], limit[1])
		}
		if open < 3 {
			t.Errorf("files_open=%d: stdin, stdout, stderr and the listener at least", open)
		}
		fileBound := strings.HasPrefix(m[1], "is bound")
		switch {
		case fileBound && (n != nofile-open-reserve || n >= byMem):
			t.Errorf("bound by the open-files limit: max_conns=%d, want %d-%d-%d, below by_memory=%d", n, nofile, open, reserve, byMem)
		case !fileBound && (n != byMem || n > nofile-open-reserve):
			t.Errorf("sized by memory: max_conns=%d, want by_memory=%d, within %d-%d-%d", n, byMem, nofile, open, reserve)
		}
	})
	t.Run("configured", func(t *testing.T) {
		t.Parallel()
		dir, cfg := siteDir(t, goodConfig+"[limits]\nmax_conns = 500\n")
		_, _, stderr, exited := startProgram(t, dir, "-config", cfg, "-addr", "127.0.0.1:0")
		servingAddr(t, stderr, exited)
		if log := stderr.String(); strings.Contains(log, "max_conns") {
			t.Errorf("max_conns configured, yet a sizing line:\n%s", log)
		}
	})
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
