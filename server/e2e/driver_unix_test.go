//go:build unix

package e2e

import (
	"os/exec"
	"syscall"
)

// driverCommand returns the command that runs chromedriver with args, and
// the function that stops it and the Chromium it started. They run in a
// process group of their own, under a shell that ends the whole group
// when its stdin closes: when stop closes it, or when this test process
// dies without running cleanups (killed, or -timeout's panic), which
// would otherwise leave the browser running. The group also ends when
// chromedriver exits by itself, so that a failed start is seen at once.
func driverCommand(driver string, args ...string) (cmd *exec.Cmd, stop func() error, err error) {
	cmd = exec.Command("/bin/sh", append([]string{"-c", `("$0" "$@"; kill -KILL 0) & read x; kill -KILL 0`, driver}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // kill 0 must not reach this process
	group, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	return cmd, group.Close, nil
}
