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

// Attribute keys of the open-files limit's and the connection cap's lines.
const (
	keyOpenFiles     = "open_files_limit"
	keyOpenFilesHard = "hard_limit"
	keyMaxConns      = "max_conns"
	keyByMemory      = "by_memory"
	keyMemory        = "memory"
	keyMemoryFrom    = "memory_from"
	keyFilesOpen     = "files_open"
	keyFilesReserve  = "files_reserve"
)
