//go:build !unix

package testnet

import (
	"testing"
	"time"
)

// CPUTime is 0 where getrusage is missing: ReportCPU then reports nothing.
func CPUTime(tb testing.TB) time.Duration { return 0 }

// ReportCPU reports nothing where getrusage is missing.
func ReportCPU(b *testing.B, start time.Duration) {}
