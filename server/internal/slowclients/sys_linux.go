package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// nice sets the nice value of every thread of this process to n (Linux's
// setpriority with PRIO_PROCESS sets one thread's); a thread made later
// inherits it from the thread that makes it.
func nice(n int) error {
	for range 3 { // a thread made while the others are set may have been missed
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("nice %d: %w", n, err)
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, n); err != nil && !errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("nice %d: thread %d: %w", n, tid, err)
			}
		}
	}
	return nil
}

// preciseSleeps asks the kernel to wake the calling thread within 1µs of
// the time it asks for, rather than the default 50µs (PR_SET_TIMERSLACK).
func preciseSleeps() {
	const prSetTimerslack = 29
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetTimerslack, 1000, 0)
}

// sleepUntil blocks the calling thread in nanosleep until t: a runtime
// timer (time.Sleep) would wake only at the next millisecond when the
// program is otherwise idle.
func sleepUntil(t time.Time) {
	for d := time.Until(t); d > 0; d = time.Until(t) {
		ts := syscall.NsecToTimespec(int64(d))
		syscall.Nanosleep(&ts, nil) // EINTR: sleep the rest
	}
}
