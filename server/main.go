// Command server is miniweb's web server: it reads miniweb.toml, serves the
// static folder and hands paths ending in the dynamic suffix (".py") to the
// configured site through the gateway contract.
//
//	go run ./server                 # serve with ./miniweb.toml
//	go run ./server -addr :9000     # flags override the file
//	go run ./server -check          # validate the config and the site, and exit
//	go run ./server -migrate        # apply the site's database migrations and exit
//	go run ./server new shop        # write a new site, sites/shop, and register it
//	go run ./server -h              # list the flags
//	kill -HUP <pid>                 # restart: the binary on disk, the config anew, no request lost
//	go run ./server -dev -watch     # rebuild and restart on each .go save; errors on the pages
//
// This file is the only place that knows every part: the config, the
// logger, the site registry and the server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/server/compress"
	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/httpserver"
	"github.com/miniweb/miniweb/server/internal/config"
	"github.com/miniweb/miniweb/server/internal/handoff"
	"github.com/miniweb/miniweb/server/internal/metrics"
	"github.com/miniweb/miniweb/server/internal/scaffold"
	"github.com/miniweb/miniweb/server/internal/supervise"
	"github.com/miniweb/miniweb/server/static"
	"github.com/miniweb/miniweb/sites"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, nil))
}

// run is main without the process: it returns the exit status. When ready
// is not nil it receives the listening address once the server accepts
// (tests use it); the server stops on SIGINT or SIGTERM, and on SIGHUP
// restarts with no connection refused: a new process of the binary on disk
// takes over the listening socket (handoff.Restarter). With -watch the
// process supervises instead, running each good build as a child that
// serves (package supervise).
func run(args []string, stdout, stderr io.Writer, ready chan<- net.Addr) int {
	if len(args) > 0 && args[0] == "new" { // go run ./server new NAME: write a site (package scaffold)
		return scaffold.Main(args[1:], stdout, stderr)
	}
	cfg, mode, err := config.Parse(args, stderr, sites.Names()...)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "miniweb:", err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	fileLimit := raiseFileLimit() // before anything opens: the cap is sized from what is left
	// Production with no secret configured: its own, kept beside the database.
	if mode != config.Migrate {
		made, err := cfg.UseKeyFile(mode == config.Serve)
		if err != nil {
			fmt.Fprintln(stderr, "miniweb:", err)
			return 2
		}
		if made {
			logger.Info("no session secret configured: made one and kept it for the next starts; several instances need one: give each the same "+config.EnvSessionSecret, keyFile, cfg.KeyFile())
		}
	}
	opts := sites.Options{
		Templates: cfg.Templates,
		Static:    cfg.Static,
		Dev:       cfg.Dev,
		Log:       logger,
		Session: sites.SessionOptions{
			Secret:     cfg.Session.Secret,
			OldSecrets: cfg.Session.OldSecrets,
			MaxAge:     cfg.Session.MaxAge,
		},
		Suffix:         cfg.DynamicSuffix,
		TrustedOrigins: cfg.CSRF.TrustedOrigins,
		Check:          mode == config.Check,
		Database:       sites.DatabaseOptions{URL: cfg.Database.URL, MaxConns: cfg.Database.MaxConns},
		// "" folders are the site's own, beside the config: see embedded.go.
		Dir: configDir(cfg.File),
	}
	if mode == config.Migrate {
		return migrate(cfg, opts, stdout, stderr)
	}
	sup := supervise.Child()     // a child of -watch's supervisor: serves, never watches
	if cfg.Watch && sup == nil { // -watch: this process supervises the builds, which serve
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := supervise.Run(ctx, supervise.Options{Addr: cfg.Addr, Stdout: stdout, Stderr: stderr,
			Ready: cfg.Timeouts.Ready, Grace: cfg.Health.Drain + cfg.Timeouts.Shutdown, Log: logger}); err != nil {
			logger.Error("-watch stopped", keyErr, err)
			return 1
		}
		return 0
	}
	site, err := sites.Build(context.Background(), cfg.Site, opts)
	if err != nil {
		fmt.Fprintf(stderr, "miniweb: site %q: %v\n", cfg.Site, err)
		return 2
	}
	defer site.Close() // a site's watchers, its database
	for _, m := range site.Migrated {
		logger.Info("database migrated", keyDatabase, site.DB.URL, keyVersion, m.Version, keyName, m.Name)
	}
	app := site.App
	st, err := static.NewOverlay(diskFolder(site.Static), site.StaticFS)
	if err != nil {
		fmt.Fprintf(stderr, "miniweb: %s: static: %v\n", configName(cfg.File), err)
		return 2
	}
	defer st.Close()
	if cfg.Dev {
		st.Revalidate() // a saved file shows on the next request, as a saved template does
	}
	var tlsConfig *httpserver.TLSConfig
	if t := cfg.TLS; t.Cert != "" {
		tlsConfig = &httpserver.TLSConfig{CertFile: t.Cert, KeyFile: t.Key}
		if err := tlsConfig.Check(); err != nil {
			fmt.Fprintf(stderr, "miniweb: %s: tls: %v\n", configName(cfg.File), err)
			return 2
		}
	}
	if mode == config.Check {
		return check(cfg, site, stdout, stderr)
	}

	srv := &httpserver.Server{
		App:               app,
		Static:            st,
		Suffix:            cfg.DynamicSuffix,
		ServerHeader:      cfg.ServerHeader,
		ReadHeaderTimeout: cfg.Timeouts.ReadHeader,
		ReadBodyTimeout:   cfg.Timeouts.ReadBody,
		WriteTimeout:      cfg.Timeouts.Write,
		IdleTimeout:       cfg.Timeouts.Idle,
		MaxRequestLine:    cfg.Limits.RequestLine,
		MaxHeaderBytes:    cfg.Limits.HeaderBytes,
		MaxHeaders:        cfg.Limits.HeaderCount,
		MaxBodyBytes:      cfg.Limits.BodyBytes,
		MaxConns:          cfg.Limits.MaxConns, // 0: sized below, once the listeners are open
		MaxConnsPerAddr:   cfg.Limits.MaxConnsPerAddr,
		MinRate:           cfg.Limits.MinRateBytes,
		MinRateGrace:      cfg.Limits.MinRateGrace,
		H2C:               cfg.H2C,
		Log:               logger,
	}
	if o, ok := app.(interface{ OwnsPath(path string) bool }); ok {
		// The site says which paths it answers: those ending in the
		// suffix, and "/" from a handler or live reload's in dev mode
		// (framework.App.OwnsPath decides, once); else the suffix alone.
		srv.AppPath = o.OwnsPath
	}
	srv.Proxies = httpserver.ProxyTrust{Trusted: cfg.Proxy.Prefixes(), Header: cfg.Proxy.Header,
		ForwardedHost: cfg.Proxy.ForwardedHost, Protocol: cfg.Proxy.Protocol}
	srv.Health = httpserver.HealthCheck{Path: cfg.Health.Path, DrainDelay: cfg.Health.Drain, Log: cfg.Health.Log}
	if tlsConfig != nil {
		srv.TLS, srv.RedirectHTTP = tlsConfig, cfg.TLS.RedirectHTTP
	}
	if z := cfg.Compress; z.Enabled {
		srv.Compress = &compress.Options{MinBytes: z.MinBytes, GzipLevel: z.GzipLevel, ZstdLevel: z.ZstdLevel,
			StaticMaxBytes: z.StaticMaxBytes, StaticCacheBytes: z.StaticCacheBytes}
	}
	if cfg.AccessLog.Enabled {
		srv.AccessLog, srv.AccessLogFormat = stdout, cfg.AccessLog.Format
	}

	var restarts *handoff.Restarter // read by the metrics when scraped, set below
	mo := metrics.Options{Figures: siteFigures(app), Process: true,
		Restarts: func() (int64, int64) { return handoff.Restarts(), restarts.Failures() }}
	if site.DB != nil {
		mo.DB = site.DB.Stats
	}
	metricsURL, stopMetrics, err := metrics.Start(cfg.Metrics, srv, mo)
	if err != nil {
		logger.Error("cannot listen", keyAddr, cfg.Metrics.Listen, keyErr, err)
		return 1
	}
	if metricsURL != "" {
		logger.Info("metrics serving", keyAddr, metricsURL)
	}
	ln, inherited, err := handoff.Listen(cfg.Addr, logger)
	if err != nil {
		logger.Error("cannot listen", keyAddr, cfg.Addr, keyErr, err)
		return 1
	}
	if sup == nil { // a supervisor's child leaves restarts to it
		restarts = handoff.CatchRestarts(ln, stdout, stderr, cfg.Timeouts.Ready, logger) // SIGHUP, before we say we serve
		defer restarts.Close()
	}
	fileLimit.log(logger)
	if srv.MaxConns == 0 {
		srv.MaxConns = defaultMaxConns(logger)
	}
	scheme := "http://"
	if srv.TLS != nil {
		scheme = "https://"
	}
	attrs := []any{keyAddr, scheme + ln.Addr().String() + "/", keyPid, os.Getpid(), keySite, cfg.Site,
		keyStatic, site.Static, keyTmpl, site.Templates, keyConfig, cfg.File, keySecretFrom, cfg.Session.Source}
	if site.DB != nil {
		attrs = append(attrs, keyDatabase, site.DB.URL)
	}
	logger.Info("miniweb serving", attrs...)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if ready != nil {
		ready <- ln.Addr()
	}
	if err := handoff.Ready(inherited); err != nil {
		logger.Warn("cannot say we are ready", keyErr, err)
	}
	var successor int
	handedOff := false
	if sup != nil {
		handedOff, err = sup.Serve(ctx, app, served)
	} else {
		successor, err = restarts.Serve(ctx, served)
		handedOff = successor != 0
	}
	if err != nil {
		logger.Error("server stopped", keyErr, err)
		return 1
	}
	stop() // a second signal kills the process at once
	shutdown := srv.Shutdown
	if handedOff {
		// The socket lives on in the successor: no drain, and each
		// keep-alive connection gets one more answer (Server.Handoff).
		shutdown = srv.Handoff
		logger.Info("handing off: finishing the requests in flight", keyPid, successor, "grace", cfg.Timeouts.Shutdown)
	} else {
		handoff.Notify("STOPPING=1")
		logger.Info("shutting down", "grace", cfg.Timeouts.Shutdown)
	}
	// The health drain comes first, then the grace for requests in flight.
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Health.Drain+cfg.Timeouts.Shutdown)
	defer cancel()
	if c, ok := app.(interface{ CloseStreams() }); ok {
		c.CloseStreams() // an open tab's live-reload stream would hold shutdown for the whole grace period
	}
	if err := shutdown(sctx); err != nil {
		logger.Warn("grace period over; connections closed", keyErr, err)
	}
	stopMetrics(sctx)
	<-served
	logger.Info("stopped")
	return 0
}

// migrate is server -migrate: it applies the site's migrations and says
// which, then exits.
func migrate(cfg config.Config, o sites.Options, stdout, stderr io.Writer) int {
	applied, url, err := sites.Migrate(context.Background(), cfg.Site, o)
	if err != nil {
		fmt.Fprintf(stderr, "miniweb: site %q: %v\n", cfg.Site, err)
		return 1
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "%s: up to date\n", url)
	}
	for _, m := range applied {
		fmt.Fprintf(stdout, "%s: applied %s\n", url, m.File)
	}
	return 0
}

// check is server -check, once the config, the site, the static folder
// and the TLS files have passed: it says where each part comes from.
func check(cfg config.Config, site *sites.Site, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "%s: ok\n", configName(cfg.File))
	fmt.Fprintf(stdout, "  site       %s\n", cfg.Site)
	fmt.Fprintf(stdout, "  static     %s\n", origin(site.Static, "static", cfg.Static != "", site.StaticFS != nil))
	fmt.Fprintf(stdout, "  templates  %s\n", origin(site.Templates, "templates", cfg.Templates != "", site.TemplatesFS != nil))
	fmt.Fprintf(stdout, "  secret     %s\n", cfg.Session.Source) // where from, never the secret
	fmt.Fprintf(stdout, "  metrics    %s\n", cfg.Metrics.Describe())
	fmt.Fprintf(stdout, "  max_conns  %s\n", describeMaxConns(cfg.Limits))
	current, latest, ok, err := site.Version(context.Background(), cfg.Site)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "miniweb: site %q: %v\n", cfg.Site, err)
		return 1
	case ok && site.DB == nil:
		fmt.Fprintf(stdout, "  database   %s (not created yet: made on first start, schema version %d)\n", database.Redact(cfg.Database.URL), latest)
	case ok:
		fmt.Fprintf(stdout, "  database   %s (schema version %d of %d)\n", site.DB.URL, current, latest)
	}
	return 0
}

// siteFigures returns the site's own figures for the metrics
// (framework.App.Figures), none for a site without.
func siteFigures(app gateway.App) []metrics.Figure {
	var out []metrics.Figure
	if a, ok := app.(interface{ Figures() []framework.Figure }); ok {
		for _, f := range a.Figures() {
			out = append(out, metrics.Figure(f))
		}
	}
	return out
}
