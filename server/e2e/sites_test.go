package e2e

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/sites"
)

// buildSite builds the registered site name with o for a test, on an SQLite
// database of its own in a temporary folder (unless o names one), and
// closes it when the test ends.
func buildSite(tb testing.TB, name string, o sites.Options) gateway.App {
	tb.Helper()
	if o.Database.URL == "" {
		o.Database.URL = "sqlite:" + filepath.Join(tb.TempDir(), "site.db")
	}
	s, err := sites.Build(context.Background(), name, o)
	if err != nil {
		tb.Fatalf("sites.Build(%q): %v", name, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s.App
}
