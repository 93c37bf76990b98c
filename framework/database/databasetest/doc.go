// Package databasetest runs throwaway PostgreSQL servers for tests, as
// net/http/httptest runs HTTP servers: a cluster is initialized by the
// tests themselves (initdb, pg_ctl of Debian's postgresql package, or on
// PATH) in a temporary folder, listens on 127.0.0.1 on a free port, and
// is stopped and removed afterwards. As root (CI), its programs run as the
// unprivileged user postgres, since PostgreSQL refuses to run as root.
//
// Most tests share one cluster per test binary and take a fresh database
// each; the package's TestMain calls Main, which stops the cluster:
//
//	func TestMain(m *testing.M) { databasetest.Main(m) }
//
//	func TestStore(t *testing.T) {
//		url := databasetest.NewDatabase(t) // postgres://miniweb:miniweb@127.0.0.1:PORT/teststore_1?sslmode=disable
//		db, err := database.Open(t.Context(), url, "", database.Options{})
//		...
//	}
//
// A test that stops the server (to see what a lost database does) takes a
// cluster of its own with Private, and calls its Stop and Start.
//
// Without PostgreSQL installed, these tests are skipped; with
// MINIWEB_POSTGRES=1 (see Env) they fail instead. Install it with
// bash .ci/setup-postgres.
package databasetest
