//go:build unix && !linux

package handoff

import (
	"os"
	"syscall"
)

// redirectStderr makes f this process's stderr (fd 2).
func redirectStderr(f *os.File) error {
	return syscall.Dup2(int(f.Fd()), 2)
}
