package static

import (
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

// identityOf returns what tells one version of a file from another: device,
// inode, size, and the modification and change times (ctime moves on
// chmod, rename and every write, so a permission change is seen too).
func identityOf(fi fs.FileInfo) fileID {
	id := fileID{size: fi.Size(), mtime: fi.ModTime().UnixNano(), mode: fi.Mode()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.dev, id.ino = uint64(st.Dev), st.Ino
		id.ctime = st.Ctim.Nano()
	}
	return id
}

// realPathOf returns the path the kernel has for the open file f, read
// from /proc/self/fd: it names the very file we opened, so checking it is
// free of races. When /proc is not mounted it falls back to fallback
// (resolved by the caller with filepath.EvalSymlinks).
func realPathOf(f *os.File, fallback func() (string, error)) (string, error) {
	p, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
	if err == nil && len(p) > 0 && p[0] == '/' {
		return p, nil
	}
	return fallback()
}

// openFlags opens without blocking on a FIFO (it is refused after the
// fstat) and without making a terminal device our controlling terminal.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY
