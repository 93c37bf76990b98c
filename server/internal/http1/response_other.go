//go:build !linux

package http1

// moreState is empty where flushMore is a plain Flush.
type moreState struct{}

// flushMore is Flush: MSG_MORE is Linux's.
func (w *Writer) flushMore() error { return w.Flush() }
