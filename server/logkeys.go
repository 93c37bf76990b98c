package main

// Attribute keys of the command's log lines (the engine's are in
// httpserver/logkeys.go).
const (
	keyErr      = "err"
	keyAddr     = "addr"
	keySite     = "site"
	keyStatic   = "static"
	keyTmpl     = "templates"
	keyConfig   = "config"
	keyDatabase = "database"
	keyVersion  = "version"
	keyName     = "name"
	keyPid      = "pid"
	keyFrom     = "from"   // the pid of the process we succeed
	keyAfter    = "after"  // how long a successor took to be ready
	keyOutput   = "output" // a failed successor's last lines, a failed build's output
	keyWhere    = "where"  // file:line:col of a build error
	keyRoot     = "root"   // the module root -watch watches
)

// Attribute keys of the session secret's log lines.
const (
	keyFile       = "file"        // the session key file
	keySecretFrom = "secret_from" // where the session secret comes from, never the secret
)
