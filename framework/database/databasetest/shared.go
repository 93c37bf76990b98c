package databasetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Env is the environment variable that, set to 1, makes a missing
// PostgreSQL a test failure instead of a skip. CI sets it (.ci/run).
const Env = "MINIWEB_POSTGRES"

// shared is the process's shared cluster, which Postgres starts and Main
// stops.
var shared struct {
	mu      sync.Mutex
	main    bool // Main runs: someone will stop the cluster
	started bool // Postgres tried to start it; err says how that went
	dir     string
	c       *Cluster
	err     error
}

// Postgres returns the process's shared cluster, starting it on first use.
// It skips the test when PostgreSQL is not installed, and fails it instead
// when MINIWEB_POSTGRES=1. The cluster is shared by every test of the
// binary, in parallel too: take a database of your own with NewDatabase,
// and never stop it (use Private for that). The package's TestMain must
// call Main, which stops it; Postgres fails the test otherwise, rather than
// leave a server running.
func Postgres(t testing.TB) *Cluster {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.main {
		t.Fatal("databasetest: the shared cluster is stopped by databasetest.Main, which this package's TestMain does not call: add func TestMain(m *testing.M) { databasetest.Main(m) }")
	}
	if !shared.started {
		shared.started = true
		shared.dir, shared.c, shared.err = startOwned()
	}
	if shared.err != nil {
		unavailable(t, shared.err)
	}
	return shared.c
}

// Main runs the tests of m, then stops the shared cluster, if Postgres
// started one, and removes its folder, and exits with m's code (1 if the
// cluster did not stop). Call it from TestMain:
//
//	func TestMain(m *testing.M) { databasetest.Main(m) }
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.main = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.c != nil {
		if err := shared.c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = max(code, 1)
		} else {
			os.RemoveAll(shared.dir)
		}
	}
	os.Exit(code)
}

// dbSeq numbers the databases of NewDatabase.
var dbSeq atomic.Int64

// dropTimeout bounds the drop of a test's database at its cleanup.
const dropTimeout = 30 * time.Second

// NewDatabase creates a new empty database in the shared cluster, unique
// to this call, and returns its URL. Its name comes from the test's, as
// "testopen_fresh_3" for TestOpen/fresh. It is dropped at the test's
// cleanup, cutting connections still open. Like Postgres, it skips or
// fails the test when PostgreSQL is missing.
func NewDatabase(t testing.TB) string {
	t.Helper()
	c := Postgres(t)
	name := databaseName(t.Name(), dbSeq.Add(1))
	url, err := c.CreateDatabase(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
		defer cancel()
		if err := c.DropDatabase(ctx, name); err != nil {
			t.Logf("%v (left in the cluster, which goes at the end)", err)
		}
	})
	return url
}

// databaseName returns "testopen_fresh_3" for test "TestOpen/fresh" and
// seq 3: lower case, letters, digits and '_', within PostgreSQL's 63 bytes.
func databaseName(test string, seq int64) string {
	suffix := fmt.Sprintf("_%d", seq)
	var b strings.Builder
	for _, r := range strings.ToLower(test) {
		if b.Len()+len(suffix) >= 63 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String() + suffix
}

// Private starts a cluster for this test alone, in a new folder under
// os.TempDir(), and stops it and removes the folder at the test's cleanup:
// for tests that stop and start the server. Like Postgres, it skips or
// fails the test when PostgreSQL is missing.
func Private(t testing.TB) *Cluster {
	t.Helper()
	dir, c, err := startOwned()
	if err != nil {
		unavailable(t, err)
	}
	t.Cleanup(func() {
		// A cluster that did not stop keeps its folder, where a later run
		// finds it.
		if err := c.Stop(); err != nil {
			t.Error(err)
			return
		}
		os.RemoveAll(dir)
	})
	return c
}

// startOwned starts a cluster in a new folder of ours, after removing the
// clusters of dead test processes.
func startOwned() (string, *Cluster, error) {
	t, err := findTools()
	if err != nil {
		return "", nil, err
	}
	reapLeftovers(t)
	dir, err := newFolder("")
	if err != nil {
		return "", nil, err
	}
	c, err := StartCluster(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, c, nil
}

// unavailable skips the test for a missing PostgreSQL, unless Env is 1,
// and fails it for any other error.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNotInstalled) && os.Getenv(Env) != "1" {
		t.Skipf("%v (set %s=1 to fail instead)", err, Env)
	}
	t.Fatal(err)
}
