// Package sites is the registry of the sites miniweb can serve: the config's
// site key names one of them. Each site is a package under sites/ that
// builds a gateway application; adding a site means adding its package and
// one line to the registry below.
package sites

import (
	"log/slog"
	"slices"
	"time"

	"miniweb/framework"
	"miniweb/server/gateway"
	"miniweb/sites/demo"
	"miniweb/sites/mount"
	"miniweb/sites/raw"
)

// Options is what a site may take from the config.
type Options struct {
	// Templates is the templates folder.
	Templates string
	// Dev is development mode: detailed errors for loopback clients, live
	// template reload.
	Dev bool
	// Log receives the site's errors; nil means slog.Default().
	Log *slog.Logger
	// Session configures the site's session cookies, from the config's
	// [session] table and MINIWEB_SESSION_SECRET.
	Session SessionOptions
	// Check says the site is built to be checked, not run (server -check):
	// a framework site then refuses broken templates in dev mode too.
	Check bool
	// Suffix is the dynamic suffix the server routes by (the config's
	// dynamic_suffix): a framework site refuses routes it cannot reach.
	Suffix string
	// TrustedOrigins are the other origins whose pages may send the site
	// unsafe requests (the config's [csrf] trusted_origins).
	TrustedOrigins []string
}

// SessionOptions configures a site's signed and encrypted session cookies.
// The config has checked it: a secret, when given, is at least 32 bytes.
type SessionOptions struct {
	// Secret signs and encrypts new session cookies, at least 32 bytes.
	// "" means none was configured, which the config allows only in dev
	// mode: the site then makes a random one per start and logs a warning
	// (sessions end at every restart).
	Secret string
	// OldSecrets are former secrets whose cookies still verify (rotation:
	// sign with Secret, accept these too); nil for none.
	OldSecrets []string
	// MaxAge is how long a session cookie stays valid; positive (default
	// 14 days).
	MaxAge time.Duration
}

// framework returns o as the framework takes it, for the sites built on
// the framework.
func (o Options) framework() framework.Options {
	return framework.Options{
		Templates: o.Templates,
		Dev:       o.Dev,
		Log:       o.Log,
		Suffix:    o.Suffix,
		Strict:    o.Check,
		Session: &framework.SessionOptions{
			Secret:     o.Session.Secret,
			OldSecrets: o.Session.OldSecrets,
			MaxAge:     o.Session.MaxAge,
		},
		CSRF: framework.CSRF{TrustedOrigins: o.TrustedOrigins},
	}
}

// Factory builds a site's application.
type Factory func(Options) (gateway.App, error)

var registry = map[string]Factory{
	// raw is the lesson's application written straight on the gateway
	// contract, without the framework.
	"raw": func(Options) (gateway.App, error) { return raw.App(), nil },
	// demo is the lesson's pages on the framework: templates, live reload.
	"demo": func(o Options) (gateway.App, error) { return demo.New(o.framework()) },
	// mount is a net/http ServeMux under /api/ next to the demo site.
	"mount": func(o Options) (gateway.App, error) { return mount.New(o.framework()) },
}

// Lookup returns the factory of the site called name.
func Lookup(name string) (Factory, bool) {
	f, ok := registry[name]
	return f, ok
}

// Names returns the names of the registered sites, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
