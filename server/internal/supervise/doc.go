// Package supervise runs the server's -watch mode (dev only): one process,
// the supervisor, stays in the foreground for the whole session, holding
// the listening socket and the .go watcher, and runs each good build of
// the command as a child serving on that socket. It knows nothing of HTTP:
// gowatch builds, handoff passes the socket, and the command
// (miniweb/server) wires both sides.
//
//	go run ./server -dev -watch
//	  supervisor (pid 100): listens, watches, builds; never serves
//	    child (pid 101): the command as go run built it, serving on fd 3
//	  ... a .go file is saved, go build succeeds:
//	    child (pid 102): the new build, started on the same socket
//	    pid 101: told to hand off once pid 102 is ready; finishes and exits
//
// # A session, step by step
//
//  1. Run starts the supervisor's own binary (os.Executable: what go run
//     or go build made) as the first child, with the same arguments, by
//     handoff.StartProgram: fd 3 the socket, fds 4 and 5 the ready pipe
//     and the supervisor's stderr, fd 6 (handoff.ExtraFD) the control pipe,
//     and MINIWEB_SUPERVISED=1, which makes the command a child (Child)
//     rather than a supervisor.
//  2. On each save, gowatch builds the command into a new file. A good
//     build starts as a new child in the same way; once it is ready, the
//     old child gets a hand-off message on its control pipe, then the
//     pipe's end: it finishes its requests in flight and exits, as after
//     a SIGHUP restart. A build that does not start (a bad config, a
//     crash, not ready within Options.Ready) is killed, and the old child
//     serves on.
//  3. A failed build, or a build that did not start, is sent to the
//     serving child on its control pipe, file, line, column and message,
//     which shows it on the site's open pages (ShowBuildError).
//  4. SIGHUP starts the serving build anew (the config is read again).
//  5. When Run's context ends (SIGINT or SIGTERM, to the supervisor alone
//     or to the whole process group, as Ctrl-C does), the supervisor
//     closes every control pipe: each child shuts down as on SIGTERM. It
//     waits for them (killing one still running past Options.Grace),
//     closes the socket and returns; nothing is left listening. If the
//     supervisor itself is killed, its children read the end of their
//     control pipes and stop too.
//
// # Why a supervisor
//
// A chain of restarts, each process handing off to a successor it
// started, gives the terminal back after the first rebuild: go run, or
// the shell, waits for the first process only, which exits once it has
// handed off, and Ctrl-C then reaches no one. The supervisor is the
// process the terminal waits on, from the first line of the log to the
// last.
package supervise
