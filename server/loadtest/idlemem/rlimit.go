package main

import (
	"fmt"
	"syscall"
)

// raiseFileLimit raises the open-files soft limit to the hard one: the
// tool holds a descriptor per connection.
func raiseFileLimit() error {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return fmt.Errorf("getrlimit: %w", err)
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			return fmt.Errorf("setrlimit RLIMIT_NOFILE to %d: %w", rl.Max, err)
		}
	}
	return nil
}
