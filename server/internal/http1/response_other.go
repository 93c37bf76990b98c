//go:build !linux

package http1

// sendState is empty where the Writer writes through its io.Writer.
type sendState struct{}

// flush sends the buffered bytes (see Flush).
func (w *Writer) flush() error { return w.write() }

// flushMore is Flush: MSG_MORE is Linux's.
func (w *Writer) flushMore() error { return w.write() }
