package config

import "math"

// The default connection cap (limits.max_conns = 0) comes from what a
// connection costs and what the machine has, not from its CPU count:
//
//	max_conns = min(memory × memFraction / connCost,
//	                open-files limit − descriptors held at start − fdReserve)
//
// connCost is a busy connection's share, not an idle one's: an idle
// keep-alive connection costs 8 KiB of resident memory (server/loadtest/
// idlemem, 10,000 connections: its goroutine's stack and its read buffer),
// but one in a request also holds a stack grown for the handler (a pongo2
// page waits under a 32 KiB stack, serveDeep), a header of up to 32 KiB
// (limits.header_bytes) and its response's buffers: 64 KiB covers it. A
// quarter of the memory leaves the rest to the site, its database and
// the page cache. So 4,096 connections per GiB: 98,304 on a 24 GiB
// machine, 2,048 in a 512 MiB container.
//
// Each connection holds one descriptor, so the open-files limit bounds the
// cap too: what the server holds when it starts (listeners, logs, the
// database, watchers: counted, not guessed) and fdReserve more for what it
// opens while serving (a static file being sent, a database connection
// the pool adds, a template read, a restart's hand-off, a connection
// accepted and closed at once over its address's share). With the hard
// limit of 20,000 of these machines that gives about 19,400.
const (
	memFraction = 4                 // the cap's share of memory: 1/memFraction
	connCost    = 64 << 10          // bytes budgeted a connection
	fdReserve   = 512               // descriptors kept for what the server opens while serving
	minConns    = 1024              // the least that memory alone gives
	guessMemory = 2 << 30           // the memory assumed where it cannot be read
	noFileLimit = math.MaxInt64 / 2 // an open-files limit past this is no limit (RLIM_INFINITY)
)

// ConnsSizing is how the default connection cap came out: the cap, and
// the figures it was derived from.
type ConnsSizing struct {
	// MaxConns is the cap: at least 1.
	MaxConns int
	// Memory is the memory available to the process in bytes (a cgroup's
	// memory limit when set, else the machine's); MemoryFrom says where
	// it was read ("" when it could not be: then guessMemory is used).
	Memory     uint64
	MemoryFrom string
	// FileLimit is the open-files limit (soft RLIMIT_NOFILE), 0 when it is
	// unknown or unlimited; FilesOpen the descriptors the process held
	// when sized, -1 when they could not be counted.
	FileLimit uint64
	FilesOpen int
	// FilesReserve is the descriptors kept for what the server opens
	// while serving.
	FilesReserve int
	// ByMemory is the cap memory alone gives.
	ByMemory int
	// FileBound reports that the open-files limit, not memory, set the
	// cap: raising the limit (LimitNOFILE= in systemd, ulimit -n) raises it.
	FileBound bool
}

// EffectiveMaxConns returns the most open connections the server should
// allow: MaxConns when it is positive, else SizeConns' cap for this
// process as it is now.
func (l Limits) EffectiveMaxConns() int {
	if l.MaxConns > 0 {
		return l.MaxConns
	}
	return SizeConns().MaxConns
}

// SizeConns sizes the default connection cap for this process now: from
// the memory available to it (machineMemory), its open-files limit and
// the descriptors it holds (openFiles). Call it once the listeners and
// the site's files are open, so that they are counted.
func SizeConns() ConnsSizing {
	mem, from := machineMemory()
	s := ConnsSizing{Memory: mem, MemoryFrom: from, FileLimit: openFileLimit(), FilesOpen: openFiles(), FilesReserve: fdReserve}
	if s.FileLimit >= noFileLimit {
		s.FileLimit = 0
	}
	if mem == 0 {
		mem = guessMemory
	}
	s.MaxConns, s.FileBound = autoMaxConns(mem, connCost, s.FileLimit, s.FilesOpen)
	s.ByMemory, _ = autoMaxConns(mem, connCost, 0, 0)
	return s
}

// autoMaxConns is the rule of SizeConns: mem bytes of memory at perConn
// bytes a connection, bounded by an open-files limit of nofile (0 meaning
// none) of which inUse are held (negative: unknown, counted as fdReserve
// more). It reports whether the open-files limit set the cap. For example:
// 24 GiB, 64 KiB and a limit of 19,999 with 20 held give 19,467, bound by
// the files; 512 MiB with the same limit give 2,048.
func autoMaxConns(mem, perConn, nofile uint64, inUse int) (n int, fileBound bool) {
	byMem := uint64(minConns)
	if perConn > 0 {
		byMem = max(byMem, mem/memFraction/perConn)
	}
	if nofile == 0 {
		return clampInt(byMem), false
	}
	if inUse < 0 {
		inUse = fdReserve
	}
	held := uint64(inUse) + fdReserve
	byFiles := uint64(1)
	if nofile > held+1 {
		byFiles = nofile - held
	}
	if byFiles < byMem {
		return clampInt(byFiles), true
	}
	return clampInt(byMem), false
}

// clampInt converts n to an int of at most 1<<30 connections.
func clampInt(n uint64) int {
	return int(min(n, 1<<30))
}
