package httpserver

// Attribute keys of the server's log lines, in one place so that every line
// spells them the same.
const (
	keyErr      = "err"
	keyDelay    = "delay"
	keyRemote   = "remote"
	keyMethod   = "method"
	keyTarget   = "target"
	keyStatus   = "status"
	keyBytes    = "bytes"
	keyDuration = "duration"
	keyStack    = "stack"
	keyPanic    = "panic"
	keyReferer  = "referer"
	keyAgent    = "user_agent"
	keyProto    = "proto"
)
