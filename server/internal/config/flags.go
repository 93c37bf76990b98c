package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// DefaultFile is the config file Parse reads when -config is not given,
// relative to the current folder.
const DefaultFile = "miniweb.toml"

const usageHeader = `Usage: miniweb [flags]

miniweb serves the site named in its config file (default %s).
Flags override the file's values; relative paths given as flags are
relative to the current folder, those in the file to the file's folder.

Flags:
`

// Parse parses command-line flags, args without the program name, into a
// Config: it reads the file named by -config (default "miniweb.toml"; when
// that default file does not exist, Default stands in, relative to the
// current folder, with File ""),
// applies the flags given on the command line over it and validates the
// result (see Validate). The flags are
//
//	-config file       the config file
//	-addr host:port    overrides addr
//	-site name         overrides site
//	-static dir        overrides static
//	-templates dir     overrides templates
//	-dev               overrides dev (-dev=false turns it off)
//	-access-log        overrides access_log.enabled (-access-log=false)
//	-log-format fmt    overrides access_log.format
//	-check             only check the configuration
//	-migrate           only apply the database migrations
//	-watch             rebuild and restart on each .go save (dev only; cfg.Watch)
//
// mode says what the command line asked for: Serve, or Check (-check: the
// caller should stop after its own checks, such as whether the site
// builds, exiting 0 if all passed), or Migrate (-migrate: apply the site's
// database migrations and exit). Parse writes to out only for -h or -help, printing the usage with
// every flag and returning flag.ErrHelp. Other errors are *Error values for
// the caller to print: a file fault names the file and line, a bad flag
// value names the flag ("flag -static: static: folder ... does not
// exist"). On error cfg is the zero Config, and mode is Serve if the
// flags themselves could not be parsed.
//
// When sites is given, the site must be one of them: an unknown name is an
// error located like any other bad value.
func Parse(args []string, out io.Writer, sites ...string) (cfg Config, mode Mode, err error) {
	fs := flag.NewFlagSet("miniweb", flag.ContinueOnError)
	// The flag package would print parse errors and the usage itself; we
	// return errors for the caller to print once, and print usage on -h only.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	configFile := fs.String("config", DefaultFile, "read the configuration from `file`")
	check := fs.Bool("check", false, "check the configuration and the site, say where everything comes from, and exit: status 0 if all is well")
	migrate := fs.Bool("migrate", false, "apply the site's database migrations and exit")
	watch := fs.Bool("watch", false, "development: on each save of a .go file, rebuild the server and hand its socket to the new build; needs dev mode")
	values := make(map[string]any) // flag name -> *string or *bool
	for _, f := range fields {
		if f.flag == "" {
			continue
		}
		switch f.ptr(&cfg).(type) {
		case *string:
			values[f.flag] = fs.String(f.flag, "", f.usage)
		case *bool:
			values[f.flag] = fs.Bool(f.flag, false, f.usage)
		default:
			panic("config: flag -" + f.flag + " has an unsupported type")
		}
	}

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(out, usageHeader, DefaultFile)
			fs.SetOutput(out)
			fs.PrintDefaults()
			return Config{}, Serve, flag.ErrHelp
		}
		return Config{}, Serve, &Error{Msg: err.Error() + " (run with -h for the flags)", Err: err}
	}
	switch {
	case *check && *migrate:
		return Config{}, Serve, &Error{Msg: "-check and -migrate exclude each other: give one"}
	case *check:
		mode = Check
	case *migrate:
		mode = Migrate
	}
	if *watch && mode != Serve {
		return Config{}, mode, &Error{Msg: "-watch rebuilds a serving server: it excludes -check and -migrate"}
	}
	if fs.NArg() > 0 {
		return Config{}, mode, &Error{Msg: fmt.Sprintf("unexpected argument %s: miniweb takes only flags (run with -h for the flags)", strconv.Quote(fs.Arg(0)))}
	}

	file := *configFile
	if !given(fs, "config") {
		if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
			file = "" // no miniweb.toml: the built-in defaults (an explicit -config must exist)
		}
	}
	cfg, src, err := load(file)
	if err != nil {
		return Config{}, mode, err
	}
	src.flags = make(map[string]string)
	src.sites = sites
	fs.Visit(func(fl *flag.Flag) {
		for _, f := range fields {
			if f.flag != fl.Name {
				continue
			}
			switch p := f.ptr(&cfg).(type) {
			case *string:
				v := *values[f.flag].(*string)
				if f.path && v != "" {
					if abs, err := filepath.Abs(v); err == nil {
						v = abs
					}
				}
				*p = v
			case *bool:
				*p = *values[f.flag].(*bool)
			}
			src.flags[f.key] = "-" + f.flag
		}
	})
	if *watch && !cfg.Dev {
		// A rebuild on save is for the developer's machine, never production.
		where := "the config file"
		if file != "" {
			where = file
		}
		return Config{}, mode, &Error{Msg: "-watch needs dev mode: add -dev, or set dev = true in " + where}
	}
	if err := cfg.validate(src); err != nil {
		return Config{}, mode, err
	}
	cfg.Watch = *watch
	return cfg, mode, nil
}

// given reports whether the flag called name was on the command line.
func given(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// Mode is what a command line asks the server to do.
type Mode int

// The modes of Parse.
const (
	// Serve is the default: serve the site.
	Serve Mode = iota
	// Check is -check: check the configuration and the site, then exit.
	Check
	// Migrate is -migrate: apply the site's database migrations, then exit.
	Migrate
)
