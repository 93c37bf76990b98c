// Package config reads miniweb.toml and the command-line flags into a
// Config.
//
// The file is TOML. Every key is optional: a missing key keeps its value
// from Default, which is the same as the shipped miniweb.toml but for dev
// mode: the shipped file asks for it, and the built-in defaults, which a
// lone binary with no miniweb.toml runs on, are production. Unknown keys,
// values of the wrong type and values that make no sense (see
// Config.Validate) are errors; durations are Go duration strings ("300ms",
// "5s", "1m30s"). Relative folders in the file are relative to the file's
// folder; those given as flags, to the current folder. Flags given on the
// command line override the file. The environment variable
// MINIWEB_SESSION_SECRET, when not empty, overrides session.secret: a
// secret is neither a flag (ps shows flags) nor best kept in the file.
// With neither, a production start keeps a secret of its own in a key file
// beside the database, made on the first start (Config.UseKeyFile).
//
// Errors are *Error values whose text starts with where the value came from
// and names the key and what was expected:
//
//	miniweb.toml:14: limits.body_bytes: expected an integer (bytes), got string "10MB"
//	miniweb.toml:3: unknown key "limits.bodybytes" (known keys in [limits]: request_line, ...); did you mean "limits.body_bytes"?
//	flag -static: static: folder "/srv/www" does not exist
//	environment MINIWEB_SESSION_SECRET: session.secret: expected a secret of at least 32 bytes, got 7 bytes (make a secret with: openssl rand -base64 32)
//
// A main function uses it so:
//
//	cfg, mode, err := config.Parse(os.Args[1:], os.Stderr)
//	if errors.Is(err, flag.ErrHelp) {
//		os.Exit(0)
//	}
//	if err != nil {
//		fmt.Fprintln(os.Stderr, "miniweb:", err)
//		os.Exit(2)
//	}
//	// ... check cfg.Site is registered ...
//	if mode == config.Check {
//		os.Exit(0)
//	}
package config
