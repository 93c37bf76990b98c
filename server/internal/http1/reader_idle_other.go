//go:build !unix

package http1

import "syscall"

// idleState is empty where FillIdle is Fill.
type idleState struct{}

// FillIdle is Fill: waiting without a buffer needs unix read(2).
func (r *Reader) FillIdle(rc syscall.RawConn) error { return r.Fill() }
