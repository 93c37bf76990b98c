package testnet

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// LeakDeadline bounds how long RunLeakChecked waits for the goroutines of
// the tests to end: only a goroutine that never ends reaches it.
const LeakDeadline = 30 * time.Second

// RunLeakChecked runs the tests of m and then, if they passed, checks
// that no goroutine running or created by code of the packages named by
// prefixes (such as "github.com/miniweb/miniweb/server/httpserver.") is left, polling until
// LeakDeadline: the check of a package whose tests run in parallel, where
// a goroutine count taken at one test's start means nothing. It returns
// the exit code for os.Exit: m.Run's, or 1 with the leaked stacks on
// stderr.
//
//	func TestMain(m *testing.M) { os.Exit(testnet.RunLeakChecked(m, "github.com/miniweb/miniweb/server/httpserver.")) }
func RunLeakChecked(m *testing.M, prefixes ...string) int {
	code := m.Run()
	if code != 0 {
		return code
	}
	var left []string
	for deadline := time.Now().Add(LeakDeadline); ; time.Sleep(10 * time.Millisecond) {
		if left = Goroutines(prefixes...); len(left) == 0 {
			return code
		}
		if time.Now().After(deadline) {
			break
		}
	}
	fmt.Fprintf(os.Stderr, "FAIL: %d goroutine(s) of %s left %v after the tests:\n\n%s\n",
		len(left), strings.Join(prefixes, ", "), LeakDeadline, strings.Join(left, "\n\n"))
	return 1
}

// Goroutines returns the stacks of the goroutines, other than the
// caller's, that run a function whose name starts with one of prefixes or
// were created by one.
func Goroutines(prefixes ...string) []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue // the caller's own goroutine comes first
		}
		for _, p := range prefixes {
			if strings.Contains(g, "\n"+p) || strings.Contains(g, "created by "+p) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}
