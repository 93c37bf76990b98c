package http2

import (
	"os"
	"testing"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

func TestMain(m *testing.M) {
	os.Exit(testnet.RunLeakChecked(m, "github.com/miniweb/miniweb/server/internal/http2."))
}
