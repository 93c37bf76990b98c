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
)
