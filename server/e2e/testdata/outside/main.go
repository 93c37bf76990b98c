// Command hello serves the hello site with miniweb's engine: it listens on
// -addr (127.0.0.1:0, a free port, by default), prints the address it
// serves on to stdout, "http://127.0.0.1:PORT/index.py", and on SIGTERM or
// an interrupt stops gracefully.
//
// MINIWEB_SESSION_SECRET, at least 32 bytes, keys the session cookies; unset,
// a random one is made per start (sessions end at every restart).
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"example.com/hello/hello"
	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/server/httpserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "the TCP address to listen on")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}

// run serves the site on addr until SIGTERM or an interrupt.
func run(addr string) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	secret := os.Getenv("MINIWEB_SESSION_SECRET")
	if secret == "" {
		secret = rand.Text() + rand.Text() // 52 random base32 characters
	}
	app, err := hello.New(framework.Options{
		Log:     log,
		Session: &framework.SessionOptions{Secret: secret},
	})
	if err != nil {
		return err
	}
	defer app.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &httpserver.Server{App: app, Suffix: ".py", AppPath: app.OwnsPath, Log: log}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("http://%s/index.py\n", ln.Addr())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, httpserver.ErrServerClosed) {
		return err
	}
	return nil
}
