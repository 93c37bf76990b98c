package metrics

import (
	"context"
	"time"

	"github.com/miniweb/miniweb/server/httpserver"
	"github.com/miniweb/miniweb/server/internal/config"
)

// Start serves the metrics as cfg says, with o's figures and srv's counts
// (it sets srv.Metrics): on a listener of their own at cfg.Listen, or on
// srv itself at cfg.Path, answered to cfg.Allow (it wraps srv.App and sends
// that path to it). It returns the URL of the own listener ("" without
// one) and the function that stops it (a no-op without one). With the
// metrics off it does nothing.
func Start(cfg config.Metrics, srv *httpserver.Server, o Options) (url string, stop func(context.Context) error, err error) {
	stop = func(context.Context) error { return nil }
	if !cfg.Enabled() {
		return "", stop, nil
	}
	if srv.Metrics == nil {
		srv.Metrics = &httpserver.Metrics{}
	}
	o.Engine = srv.Metrics
	e := New(o)
	path, allow := cfg.ServedPath(), cfg.Prefixes()
	if cfg.Listen == "" {
		srv.App = e.App(path, allow, srv.App)
		srv.SendToApp(path)
		return "", stop, nil
	}
	ln, err := Listen(cfg.Listen)
	if err != nil {
		return "", stop, err
	}
	ms := &httpserver.Server{
		App:          e.App(path, allow, nil),
		AppPath:      func(string) bool { return true },
		ServerHeader: srv.ServerHeader,
		Log:          srv.Log,
		MaxConns:     64, // a few scrapers; no one else
		IdleTimeout:  2 * time.Minute,
	}
	go ms.Serve(ln)
	return "http://" + ln.Addr().String() + path, ms.Shutdown, nil
}
