package main

import "github.com/miniweb/miniweb/server/internal/testnet"

// The helpers these tests share with the engine's (server/internal/testnet),
// under the names the tests use.
type (
	syncBuffer      = testnet.SyncBuffer
	stopLoadCounts  = testnet.StopLoadCounts
	stopLoadRequest = testnet.StopLoadRequest
)

// patience is how long a test waits for an event that must come (a line of
// the log, a process's end, an answer): so long that only a hang reaches
// it. The test waits on the event, so on a quiet machine it goes on at once.
const patience = testnet.Patience

var (
	figures         = testnet.Figures
	waitFor         = testnet.WaitFor
	isReset         = testnet.IsReset
	dialLatency     = testnet.DialLatency
	pct             = testnet.Pct
	runStopLoad     = testnet.RunStopLoad
	checkLatency    = testnet.CheckLatency
	raiseNoFile     = testnet.RaiseNoFile
	strictLatency   = testnet.StrictLatency
	starvationBound = testnet.StarvationBound
)
