package databasetest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
)

// The superuser initdb creates, and the password in URLs. The cluster
// trusts every connection from 127.0.0.1, so the password is not checked;
// it is there for code that wants one in its URL.
const (
	superuser = "miniweb"
	password  = "miniweb"
)

// settings are the cluster's own settings, in miniweb.conf, which
// postgresql.conf includes: TCP on 127.0.0.1 only, no unix socket (its path
// would have to fit in 107 bytes), room for 3 instances of 64 clients and
// more, and durability traded for speed: the data is thrown away anyway.
const settings = `# Written by miniweb's databasetest: a throwaway cluster for tests.
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = ''
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
`

// retries is how many more free ports StartCluster tries when the one it
// picked was taken before the server could bind it.
const retries = 3

// Timeouts of the server's start (until it accepts connections) and of its
// fast shutdown, after which it is shut down the immediate way.
const (
	startTimeout = 60 * time.Second
	stopTimeout  = 60 * time.Second
)

// Cluster is a throwaway PostgreSQL server in a folder of its own, on
// 127.0.0.1, run by the unprivileged user postgres when the tests run as
// root. Its superuser is "miniweb", password "miniweb", and every
// connection from 127.0.0.1 is trusted. The folder holds:
//
//	data/          the data folder (data/postmaster.pid: the server's PID)
//	postgres.log   the server's log
//
// The server is a child process of the test binary (not a daemon, as
// pg_ctl would make it), whose death it follows: a test binary killed
// hard, by -timeout or SIGKILL, takes its servers along, and Ctrl-C, sent
// to the whole process group, shuts them down too. Its methods are safe
// for concurrent use.
type Cluster struct {
	dir   string
	port  int
	tools *tools

	mu     sync.Mutex
	server *exec.Cmd     // the running postmaster; nil when stopped
	exited chan struct{} // closed when server has exited
	admin  *sql.DB       // on database "postgres", for Create/DropDatabase; nil when stopped
}

// StartCluster initializes a cluster in dir (created if missing; it must
// not hold one yet) and starts it on a free port of 127.0.0.1, waiting
// until it accepts connections. It takes about a second. When the tests
// run as root, dir is given to user postgres, and every folder above it
// must let that user in: os.TempDir() and folders made there do. Errors
// from initdb end with the tail of its output, those of the server with
// the tail of its log; without PostgreSQL installed the error is
// ErrNotInstalled. The caller stops the cluster and removes dir.
func StartCluster(dir string) (*Cluster, error) {
	t, err := findTools()
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("databasetest: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("databasetest: cannot create the cluster's folder: %w", err)
	}
	if err := t.chown(dir); err != nil {
		return nil, err
	}
	if err := t.reachable(dir); err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, tools: t}
	if err := c.initdb(); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		if c.port, err = freePort(); err != nil {
			return nil, err
		}
		conf := filepath.Join(c.dataDir(), "miniweb.conf")
		if err := os.WriteFile(conf, fmt.Appendf(nil, settings, c.port), 0o600); err != nil {
			return nil, fmt.Errorf("databasetest: cannot write the cluster's settings: %w", err)
		}
		if err := t.chown(conf); err != nil {
			return nil, err
		}
		err = c.Start()
		if err == nil {
			return c, nil
		}
		if attempt == retries || !strings.Contains(err.Error(), "Address already in use") {
			return nil, err
		}
	}
}

// initdb creates the data folder and has postgresql.conf include
// miniweb.conf.
func (c *Cluster) initdb() error {
	// initdb reads the superuser's password from a file, never a flag.
	pwfile := filepath.Join(c.dir, "password")
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o600); err != nil {
		return fmt.Errorf("databasetest: cannot write initdb's password file: %w", err)
	}
	defer os.Remove(pwfile)
	if err := c.tools.chown(pwfile); err != nil {
		return err
	}
	err := c.tools.run(c.dir, c.tools.initdb, "-D", c.dataDir(), "-U", superuser, "--pwfile", pwfile,
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	if err != nil {
		return err
	}
	conf := filepath.Join(c.dataDir(), "postgresql.conf")
	f, err := os.OpenFile(conf, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("databasetest: cannot open the cluster's settings: %w", err)
	}
	_, err = f.WriteString("\ninclude 'miniweb.conf'\n")
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err != nil {
		return fmt.Errorf("databasetest: cannot write %s: %w", conf, err)
	}
	return nil
}

// Start starts the cluster again after Stop, on the same port, and waits
// until it accepts connections: a test can lose its database and get it
// back. Starting a running cluster does nothing.
func (c *Cluster) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.server != nil {
		return nil
	}
	logPath := c.LogPath()
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("databasetest: cannot open the server's log: %w", err)
	}
	cmd := c.tools.command(c.dir, c.tools.postgres, "-D", c.dataDir())
	cmd.Stdout, cmd.Stderr = log, log
	// SIGQUIT is the immediate shutdown: the server ends its backends and
	// exits at once when the test binary dies.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	err = cmd.Start()
	log.Close() // the server has its own copy
	if err != nil {
		return fmt.Errorf("databasetest: cannot run %s%s: %w", c.tools.postgres, c.tools.as(), err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	c.server, c.exited = cmd, exited
	admin, err := c.ready()
	if err != nil {
		c.stopLocked()
		return fmt.Errorf("%w\nserver log %s:\n%s", err, logPath, fileTail(logPath))
	}
	c.admin = admin
	return nil
}

// ready waits until the server accepts connections and returns a pool on
// its database "postgres". The server must say it runs in our data folder:
// when another took our port, it is another's that answers.
func (c *Cluster) ready() (*sql.DB, error) {
	admin, err := sql.Open("pgx", c.URL("postgres"))
	if err != nil {
		return nil, fmt.Errorf("databasetest: %w", err)
	}
	admin.SetMaxOpenConns(4)
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		var dataDir string
		err = admin.QueryRowContext(ctx, "SELECT current_setting('data_directory')").Scan(&dataDir)
		cancel()
		if err == nil && filepath.Clean(dataDir) == c.dataDir() {
			return admin, nil
		}
		if err == nil {
			err = fmt.Errorf("another server, of %s, answers on the port", dataDir)
		}
		select {
		case <-c.exited:
			admin.Close()
			return nil, fmt.Errorf("databasetest: postgres -D %s%s on 127.0.0.1:%d exited at its start: %v", c.dataDir(), c.tools.as(), c.port, c.server.ProcessState)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			admin.Close()
			return nil, fmt.Errorf("databasetest: postgres -D %s%s does not answer on 127.0.0.1:%d after %v: %w", c.dataDir(), c.tools.as(), c.port, startTimeout, err)
		}
	}
}

// Stop stops the cluster as "pg_ctl stop -m fast" does (open connections
// are cut) and waits until it is down. Stopping a stopped cluster does
// nothing.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopLocked()
}

func (c *Cluster) stopLocked() error {
	if c.server == nil {
		return nil
	}
	if c.admin != nil {
		c.admin.Close()
		c.admin = nil
	}
	cmd, exited := c.server, c.exited
	c.server, c.exited = nil, nil
	// SIGINT is the fast shutdown, SIGQUIT the immediate one.
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		cmd.Process.Signal(syscall.SIGQUIT)
		<-exited
		return fmt.Errorf("databasetest: postgres -D %s did not shut down within %v of SIGINT; SIGQUIT ended it", c.dataDir(), stopTimeout)
	}
	if !cmd.ProcessState.Success() {
		return fmt.Errorf("databasetest: postgres -D %s shut down with %v; server log %s:\n%s", c.dataDir(), cmd.ProcessState, c.LogPath(), fileTail(c.LogPath()))
	}
	return nil
}

// URL returns the URL of database db on the cluster, as
// "postgres://miniweb:miniweb@127.0.0.1:54321/db?sslmode=disable". The
// database "postgres" always exists.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", superuser, password, c.port, url.PathEscape(db))
}

// Port returns the cluster's TCP port on 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// Dir returns the cluster's folder, as given to StartCluster but absolute.
func (c *Cluster) Dir() string { return c.dir }

// LogPath returns the path of the server's log, in the cluster's folder.
func (c *Cluster) LogPath() string { return filepath.Join(c.dir, "postgres.log") }

func (c *Cluster) dataDir() string { return filepath.Join(c.dir, "data") }

// CreateDatabase creates the empty database name, owned by the superuser,
// and returns its URL. name is any identifier PostgreSQL takes (at most 63
// bytes); it is quoted, so case is kept.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) (string, error) {
	if err := c.exec(ctx, "CREATE DATABASE "+quoteIdent(name)); err != nil {
		return "", fmt.Errorf("databasetest: create database %q on 127.0.0.1:%d: %w", name, c.port, err)
	}
	return c.URL(name), nil
}

// DropDatabase drops database name, cutting its open connections, if it
// exists.
func (c *Cluster) DropDatabase(ctx context.Context, name string) error {
	if err := c.exec(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("databasetest: drop database %q on 127.0.0.1:%d: %w", name, c.port, err)
	}
	return nil
}

// exec runs query on database "postgres" as the superuser.
func (c *Cluster) exec(ctx context.Context, query string) error {
	c.mu.Lock()
	admin := c.admin
	c.mu.Unlock()
	if admin == nil {
		return fmt.Errorf("the cluster in %s is stopped", c.dir)
	}
	_, err := admin.ExecContext(ctx, query)
	return err
}

// quoteIdent quotes a PostgreSQL identifier: my"db becomes "my""db".
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("databasetest: cannot find a free port on 127.0.0.1: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
