package httpserver

import "github.com/miniweb/miniweb/server/internal/testnet"

// The helpers these tests share with the command's (server/internal/testnet),
// under the names the tests use.
type (
	syncBuffer      = testnet.SyncBuffer
	stopLoadCounts  = testnet.StopLoadCounts
	stopLoadRequest = testnet.StopLoadRequest
)

var (
	waitFor      = testnet.WaitFor
	isReset      = testnet.IsReset
	isClosed     = testnet.IsClosed
	latencies    = testnet.Latencies
	dialLatency  = testnet.DialLatency
	pct          = testnet.Pct
	runStopLoad  = testnet.RunStopLoad
	checkLatency = testnet.CheckLatency
	raiseNoFile  = testnet.RaiseNoFile
)
