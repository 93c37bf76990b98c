package config_test

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/miniweb/miniweb/server/internal/config"
)

// Errors name the file, the line and the key, and say what was expected.
func ExampleLoad() {
	_, err := config.Load("testdata/int_string.toml")
	fmt.Println(err)

	_, err = config.Load("testdata/unknown_key.toml")
	fmt.Println(err)
	// Output:
	// testdata/int_string.toml:4: limits.body_bytes: expected an integer (bytes), got string "10MB"
	// testdata/unknown_key.toml:4: unknown key "limits.bodybytes" (known keys in [limits]: request_line, header_bytes, header_count, body_bytes, max_conns, max_conns_per_addr, min_rate_bytes, min_rate_grace); did you mean "limits.body_bytes"?
}

// -h prints the usage with every flag and returns flag.ErrHelp.
func ExampleParse_help() {
	_, _, err := config.Parse([]string{"-h"}, os.Stdout)
	fmt.Println(errors.Is(err, flag.ErrHelp))
	// Output:
	// Usage: miniweb [flags]
	//
	// miniweb serves the site named in its config file (default miniweb.toml).
	// Flags override the file's values; relative paths given as flags are
	// relative to the current folder, those in the file to the file's folder.
	//
	// Flags:
	//   -access-log
	//     	write the access log; -access-log=false turns it off (overrides access_log.enabled)
	//   -addr host:port
	//     	listen on host:port (overrides addr)
	//   -check
	//     	check the configuration and the site, say where everything comes from, and exit: status 0 if all is well
	//   -config file
	//     	read the configuration from file (default "miniweb.toml")
	//   -dev
	//     	development mode: detailed error pages for loopback clients, live template reload; -dev=false turns it off (overrides dev)
	//   -log-format format
	//     	access log format: combined or json (overrides access_log.format)
	//   -migrate
	//     	apply the site's database migrations and exit
	//   -site name
	//     	serve the site name from sites/ (overrides site)
	//   -static dir
	//     	serve static files from dir over the site's embedded ones, relative to the current folder (overrides static; default: the site's own folder)
	//   -templates dir
	//     	read templates from dir over the site's embedded ones, relative to the current folder (overrides templates; default: the site's own folder)
	//   -watch
	//     	development: on each save of a .go file, rebuild the server and hand its socket to the new build; needs dev mode
	// true
}
