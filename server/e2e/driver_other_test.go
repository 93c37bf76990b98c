//go:build !unix

package e2e

import (
	"errors"
	"os"
	"os/exec"
)

// driverCommand returns the command that runs chromedriver with args, and
// the function that stops it by its PID.
func driverCommand(driver string, args ...string) (cmd *exec.Cmd, stop func() error, err error) {
	cmd = exec.Command(driver, args...)
	stop = func() error {
		if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return err
		}
		return nil
	}
	return cmd, stop, nil
}
