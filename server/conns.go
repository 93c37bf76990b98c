package main

import (
	"fmt"
	"log/slog"

	"github.com/miniweb/miniweb/server/internal/config"
)

// raiseFileLimit raises the process's open-files soft limit to its hard
// limit (config.RaiseFileLimit), as early as the process starts, so that
// the connection cap sized later may count on it. It logs nothing: a
// start that fails says one thing, its error; fileLimit.log says how it
// went once the server is about to serve.
func raiseFileLimit() fileLimit {
	var l fileLimit
	l.soft, l.hard, l.err = config.RaiseFileLimit()
	return l
}

// fileLimit is the open-files limit as raiseFileLimit left it.
type fileLimit struct {
	soft, hard uint64 // 0: this system has none
	err        error  // of a raise that failed
}

// log logs the open-files limit, once, at start.
func (l fileLimit) log(log *slog.Logger) {
	switch {
	case l.err != nil:
		log.Warn("cannot raise the open-files limit to its hard limit", keyOpenFiles, l.soft, keyOpenFilesHard, l.hard, keyErr, l.err)
	case l.soft != 0:
		log.Info("open-files limit", keyOpenFiles, l.soft, keyOpenFilesHard, l.hard)
	}
}

// defaultMaxConns sizes the connection cap when limits.max_conns is 0
// (config.SizeConns), once the listeners and the site's files are open so
// that they are counted, and logs how: when the open-files limit set it,
// the line says so, with the cap memory alone would give and how to raise
// the limit.
func defaultMaxConns(log *slog.Logger) int {
	s := config.SizeConns()
	attrs := []any{keyMaxConns, s.MaxConns, keyByMemory, s.ByMemory, keyMemory, mib(s.Memory), keyMemoryFrom, s.MemoryFrom,
		keyOpenFiles, s.FileLimit, keyFilesOpen, s.FilesOpen, keyFilesReserve, s.FilesReserve}
	if s.FileBound {
		log.Info("max_conns is bound by the open-files limit (each connection holds a descriptor): raise it for more, with LimitNOFILE= in deploy/miniweb.service or ulimit -n", attrs...)
		return s.MaxConns
	}
	log.Info("max_conns sized for the machine's memory", attrs...)
	return s.MaxConns
}

// describeMaxConns is -check's line on the connection cap: the configured
// one, or the default's rule and what it gives in this process.
func describeMaxConns(l config.Limits) string {
	if l.MaxConns > 0 {
		return fmt.Sprintf("%d (limits.max_conns)", l.MaxConns)
	}
	s := config.SizeConns()
	mem := "memory unknown, 2 GiB assumed"
	if s.MemoryFrom != "" {
		mem = fmt.Sprintf("%s of memory from %s", mib(s.Memory), s.MemoryFrom)
	}
	bound := "memory bounds it"
	if s.FileBound {
		bound = fmt.Sprintf("the open-files limit bounds it: %d, %d descriptors held, %d kept in reserve; raise LimitNOFILE= or ulimit -n for more", s.FileLimit, s.FilesOpen, s.FilesReserve)
	}
	return fmt.Sprintf("%d (0: sized for the machine: %s, a quarter at 64 KiB a connection gives %d; %s)", s.MaxConns, mem, s.ByMemory, bound)
}

// mib formats a byte count in MiB: "24105 MiB".
func mib(b uint64) string { return fmt.Sprintf("%d MiB", b>>20) }
