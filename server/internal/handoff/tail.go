package handoff

import (
	"bytes"
	"sync"
)

// tailBytes bounds what a tail keeps: enough for the few lines that say
// why a process failed, and no more however much it wrote.
const tailBytes = 4 << 10

// tailLines is how many of the last lines a tail shows.
const tailLines = 8

// tail is an io.Writer keeping the last bytes written to it, safe for
// concurrent use.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

// Write keeps the last tailBytes of what p adds.
func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailBytes; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// String returns the last tailLines whole lines kept, without the final
// newline: "miniweb: cfg.toml:3: unknown key ...". A line cut by the byte
// bound loses its beginning.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bytes.TrimRight(t.buf, "\n")
	start := len(b)
	for n := 0; n < tailLines && start > 0; n++ {
		start = bytes.LastIndexByte(b[:start], '\n')
		if start < 0 {
			start = 0
			break
		}
	}
	return string(bytes.TrimLeft(b[start:], "\n"))
}
