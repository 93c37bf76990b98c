// Package handoff passes miniweb's listening socket between processes: from
// systemd (socket activation) and from a running server to its successor
// (a restart with no refused connection and no failed request). It knows
// nothing of HTTP; the command (miniweb/server) wires it to the engine,
// and package supervise (-watch) starts each build through it.
//
//	inh, err := handoff.Inherit()   // a socket from systemd or a predecessor, or nil
//	ln := inh.Listener              // else net.Listen as usual
//	go srv.Serve(ln)
//	handoff.Ready(inh)              // tell whoever waits that we serve
//
// # Where things are
//
//   - inherit.go: Inherit, what a starting process finds in its
//     environment, and Ready, its answer.
//   - successor.go: Start, StartProgram and (*Successor).Wait, the
//     running process's side of a restart.
//   - restart.go: Listen, the socket to serve on, and Restarter, the
//     restarts SIGHUP asks for (the command's loop while it serves).
//   - systemd.go: the two systemd protocols: sd_listen_fds (LISTEN_FDS)
//     and sd_notify (NOTIFY_SOCKET).
//   - tail.go: the last lines a failed successor wrote.
//   - dup_unix.go, stderr_*.go, sys_other.go: the descriptor work, per
//     system (none on Windows, where Start fails).
//
// # A restart, step by step
//
// The old process gets SIGHUP and calls Start:
//
//  1. It starts os.Executable() anew (a binary replaced on disk by a rename
//     is the new one; StartProgram starts another, such as a -watch
//     build), with its own arguments, folder and environment, plus
//     MINIWEB_HANDOFF=<its own pid>, and three descriptors:
//     fd 3 the listening socket (a dup: both processes hold it now),
//     fd 4 the write end of the ready pipe, fd 5 the old process's stderr.
//     The successor's own stderr (fd 2) is a second pipe the old process
//     reads, copying each byte to its stderr and keeping the last lines.
//  2. The successor calls Inherit: MINIWEB_HANDOFF must name its parent
//     (as systemd's LISTEN_PID must name the process itself: a variable
//     left over in some shell names no one), and is unset so that its own
//     successors start clean. It reads the config anew, builds the site
//     (migrations included) and serves on fd 3: from now on both processes
//     accept from the one socket, whose queue the kernel keeps.
//  3. The successor calls Ready: it makes fd 5 its stderr (so its log no
//     longer goes through a process about to exit), then writes one byte
//     to fd 4 and closes it.
//  4. The old process's Wait returns on that byte. End of file on the pipe
//     instead means the successor died before it was ready (a bad config
//     exits 2); no byte within the timeout means it hangs, and Wait kills
//     it (by its pid: the process Start started). Either way Wait returns
//     a *Failure with the successor's last lines, and the old process goes
//     on serving as if nothing happened.
//  5. On success the old process tells systemd the new main pid
//     (MAINPID=, when NOTIFY_SOCKET is set), closes its copy of the
//     listening socket, finishes its requests in flight within the
//     shutdown grace (httpserver.Server.Handoff) and exits 0.
//
// A connection that arrives at any moment is queued by the kernel on the
// one socket and accepted by whichever process is accepting; none is
// refused, since the socket is never closed.
//
// # Why our own variable and not LISTEN_FDS
//
// systemd's protocol wants LISTEN_PID to be the pid of the process that
// reads it, which a parent cannot know before the child exists (the usual
// trick is a shell that sets LISTEN_PID=$$ and execs). MINIWEB_HANDOFF names
// the parent instead, which the parent knows, and carries the ready pipe
// and stderr too, which LISTEN_FDS has no room for. Both are read the same
// way: from fd 3, then unset.
//
// # Why not cloudflare/tableflip
//
// tableflip does the same dance with more generality (many named
// listeners, a PID file, an upgrade API in the process); the whole of what
// miniweb needs is one socket, one pipe and the stderr tail, a few hundred
// readable lines here, with the failure cases named in tests. tableflip
// also leaves the child writing to the parent's stderr from the start and
// says only "exited" on a failure, where a log of why is asked for.
package handoff
