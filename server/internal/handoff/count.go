package handoff

import (
	"os"
	"strconv"
	"sync/atomic"
)

// envRestarts carries the count of restarts to a successor: the
// predecessor's count plus one. It is read once, when the successor
// inherits its socket, and never passed on as it was.
const envRestarts = "MINIWEB_RESTARTS"

// restarts is the count this process inherited: see Restarts.
var restarts atomic.Int64

// Restarts returns how many restarts (hand-offs to a new process, by
// SIGHUP or by -watch's builds) led to this process since the first one
// started: 0 for a process nobody handed a socket to. The metrics show it
// as a counter that goes on across processes.
func Restarts() int64 { return restarts.Load() }

// inheritRestarts reads envRestarts, for a successor, and unsets it.
func inheritRestarts() {
	v, ok := os.LookupEnv(envRestarts)
	if !ok {
		return
	}
	os.Unsetenv(envRestarts)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
		restarts.Store(n)
	}
}

// nextRestarts is envRestarts for a successor of this process.
func nextRestarts() string {
	return envRestarts + "=" + strconv.FormatInt(Restarts()+1, 10)
}

// Failures returns how many restarts this Restarter tried that failed (the
// process served on); 0 for a nil Restarter.
func (r *Restarter) Failures() int64 {
	if r == nil {
		return 0
	}
	return r.failed.Load()
}
