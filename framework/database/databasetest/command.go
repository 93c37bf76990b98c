package databasetest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// ErrNotInstalled is returned by StartCluster when no PostgreSQL server
// programs are found; Postgres and Private then skip the test (or fail it
// when MINIWEB_POSTGRES=1).
var ErrNotInstalled = errors.New("databasetest: PostgreSQL is not installed: no initdb, postgres and pg_ctl under /usr/lib/postgresql/*/bin nor on PATH (Debian: apt-get install postgresql, or bash .ci/setup-postgres)")

// serverUser is the unprivileged account the cluster's programs run as when
// the tests run as root: initdb and postgres refuse to run as root, and
// Debian's package creates this system user.
const serverUser = "postgres"

// tools are the programs that run a cluster, and whom they run as.
type tools struct {
	// initdb creates a cluster, postgres runs it, pg_ctl stops the
	// clusters of dead test processes.
	initdb, postgres, pgCtl string
	// cred is the user and group to run them as; nil means as ourselves.
	cred *syscall.Credential
}

// findTools finds the programs in the highest version's folder under
// /usr/lib/postgresql/*/bin (Debian's layout), else in initdb's folder on
// PATH, and, when we are root, the user to run them as.
func findTools() (*tools, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return compareVersions(versionOf(b), versionOf(a)) })
	if initdb, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(initdb))
	}
	var t *tools
	for _, d := range dirs {
		c := &tools{initdb: filepath.Join(d, "initdb"), postgres: filepath.Join(d, "postgres"), pgCtl: filepath.Join(d, "pg_ctl")}
		if isExecutable(c.initdb) && isExecutable(c.postgres) && isExecutable(c.pgCtl) {
			t = c
			break
		}
	}
	if t == nil {
		return nil, ErrNotInstalled
	}
	if os.Geteuid() != 0 {
		return t, nil
	}
	u, err := user.Lookup(serverUser)
	if err != nil {
		return nil, fmt.Errorf("databasetest: running as root, the cluster must run as the unprivileged user %q, which is missing (Debian's postgresql package creates it): %w", serverUser, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("databasetest: user %q has a non-numeric uid %q or gid %q", serverUser, u.Uid, u.Gid)
	}
	// An empty Groups drops root's supplementary groups.
	t.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	return t, nil
}

// versionOf returns "15" for "/usr/lib/postgresql/15/bin".
func versionOf(binDir string) string { return filepath.Base(filepath.Dir(binDir)) }

// compareVersions compares "9.6" and "15" as numbers, part by part.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x - y
		}
	}
	return strings.Compare(a, b)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// command returns the command that runs program with args in dir as the
// cluster's user.
func (t *tools) command(dir, program string, args ...string) *exec.Cmd {
	cmd := exec.Command(program, args...)
	cmd.Dir = dir // the caller's working folder may be closed to the user
	// Messages in English, whatever the machine's locale; PG* variables
	// (PGDATA, PGPORT, ...) of the caller must not steer the cluster.
	cmd.Env = append(withoutPG(os.Environ()), "LC_ALL=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: t.cred}
	return cmd
}

// run runs program with args in dir as the cluster's user. An error names
// the command and ends with the tail of its output.
func (t *tools) run(dir, program string, args ...string) error {
	cmd := t.command(dir, program, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("databasetest: %s %s%s: %w:\n%s", filepath.Base(program), strings.Join(args, " "), t.as(), err, tail(out.Bytes()))
	}
	return nil
}

// as returns " (as user postgres)" when the programs run as another user.
func (t *tools) as() string {
	if t.cred == nil {
		return ""
	}
	return fmt.Sprintf(" (as user %s, uid %d)", serverUser, t.cred.Uid)
}

// chown gives path to the cluster's user, when that is not ourselves.
func (t *tools) chown(path string) error {
	if t.cred == nil {
		return nil
	}
	if err := os.Chown(path, int(t.cred.Uid), int(t.cred.Gid)); err != nil {
		return fmt.Errorf("databasetest: cannot give %s to user %s: %w", path, serverUser, err)
	}
	return nil
}

// reachable checks, when the programs run as another user, that it may
// enter every folder above dir: t.TempDir(), say, is inside a root-only
// folder, which initdb would only report as "Permission denied".
func (t *tools) reachable(dir string) error {
	if t.cred == nil {
		return nil
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("databasetest: %w", err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		perm := fi.Mode().Perm()
		var x os.FileMode = 0o001
		switch {
		case !ok:
		case st.Uid == t.cred.Uid:
			x = 0o100
		case st.Gid == t.cred.Gid:
			x = 0o010
		}
		if perm&x == 0 {
			return fmt.Errorf("databasetest: user %s cannot enter %s (mode %v), so the cluster cannot live in %s; use a folder under %s", serverUser, d, perm, dir, os.TempDir())
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// withoutPG returns env without the PG* variables libpq programs read.
func withoutPG(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "PG") })
}

// tailSize is how much of a program's output or log an error quotes.
const tailSize = 2048

// tail returns the last lines of out, at most tailSize bytes, indented.
func tail(out []byte) string {
	out = bytes.TrimSpace(out)
	if len(out) > tailSize {
		out = out[len(out)-tailSize:]
		if i := bytes.IndexByte(out, '\n'); i >= 0 {
			out = out[i+1:]
		}
	}
	if len(out) == 0 {
		return "\t(no output)"
	}
	return "\t" + strings.ReplaceAll(string(out), "\n", "\n\t")
}

// fileTail returns the tail of the file at path, for errors.
func fileTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "\t(" + err.Error() + ")"
	}
	return tail(b)
}
