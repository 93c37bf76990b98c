package livereload

// Attribute keys of the package's log lines, spelled as the framework and
// the server spell them.
const (
	keyErr   = "err"
	keyDir   = "dir"
	keyEvent = "event"
	keyPath  = "path"
	keyWhere = "where"
	keyGen   = "gen"
)
