//go:build unix

package testnet

import (
	"syscall"
	"testing"
	"time"
)

// CPUTime returns the CPU time, user and system, the process has used so
// far: every goroutine's, the collector's and a driver's too, as the load
// scripts count a request's cost. On a busy machine it is the figure a
// benchmark can trust: wall time counts the waits for a core as well.
func CPUTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ReportCPU reports the CPU time per operation since start (a CPUTime) as
// the benchmark metric cpu-ns/op.
func ReportCPU(b *testing.B, start time.Duration) {
	b.Helper()
	b.ReportMetric(float64(CPUTime(b)-start)/float64(b.N), "cpu-ns/op")
}
