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
)

// Attribute keys of the session secret's log lines.
const (
	keyFile       = "file"        // the session key file
	keySecretFrom = "secret_from" // where the session secret comes from, never the secret
)
