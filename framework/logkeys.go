package framework

// Attribute keys of the framework's log lines, in one place so that every
// line spells them the same (the server uses the same spellings).
const (
	keyErr         = "err"
	keyDir         = "dir"
	keyMethod      = "method"
	keyPath        = "path"
	keyStatus      = "status"
	keyPanic       = "panic"
	keyStack       = "stack"
	keyTemplate    = "template"
	keyPlaceholder = "placeholder"
	keyWhere       = "where"
)
