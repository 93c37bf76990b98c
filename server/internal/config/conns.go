package config

import "runtime"

// connsPerCPU and minAutoConns size the connection limit when
// limits.max_conns is 0. An idle keep-alive connection costs a goroutine
// (a few KiB of stack), its buffers and one file descriptor, so a thousand
// per CPU is cheap on any machine that serves real traffic.
const (
	connsPerCPU  = 1024
	minAutoConns = 1024
)

// EffectiveMaxConns returns the most open connections the server should
// allow: MaxConns when it is positive. When MaxConns is 0 it is 1024 per
// CPU (runtime.NumCPU), at least 1024, but at most half the process's
// open-file limit (RLIMIT_NOFILE on Unix; the Go runtime raises the soft
// limit to the hard one at start) so static files, logs and templates still
// get file descriptors. For example: 4 CPUs and a limit of 1048576 give
// 4096; 4 CPUs and a limit of 4096 give 2048. The result is at least 1.
func (l Limits) EffectiveMaxConns() int {
	if l.MaxConns > 0 {
		return l.MaxConns
	}
	return autoMaxConns(runtime.NumCPU(), openFileLimit())
}

// autoMaxConns is the rule of EffectiveMaxConns for cpus CPUs and an
// open-file limit of nofile descriptors, 0 meaning unknown or unlimited.
func autoMaxConns(cpus int, nofile uint64) int {
	n := max(minAutoConns, connsPerCPU*cpus)
	if nofile > 0 && nofile/2 < uint64(n) {
		n = max(int(nofile/2), 1)
	}
	return n
}
