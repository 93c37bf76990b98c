//go:build !linux

package main

import "time"

// nice does nothing here.
func nice(n int) error { return nil }

// preciseSleeps does nothing here.
func preciseSleeps() {}

// sleepUntil sleeps until t, with the runtime's timers.
func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }
