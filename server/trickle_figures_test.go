package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/httpserver"
)

// TestTrickleFigures measures, with MINIWEB_FIGURES=1, how long a fresh
// request from 127.0.0.2 takes to be answered while 2,100 connections
// from 127.0.0.1 trickle request heads, a byte every 5 s (issue 28), at a
// cap of 2,048 connections: miniweb with its defaults ([limits]
// min_rate_bytes 240 after min_rate_grace 5 s, max_conns_per_addr a
// quarter of the cap, the header timeout 10 s), miniweb with the share
// per address lifted (the rate alone frees the slots), and nginx with
// worker_connections 2048, client_header_timeout 10s and limit_conn 512
// per address (which counts requests once their heads are read, so not
// these). The fresh client retries a refused connection every 50 ms.
// Figures, not checks; each server must answer in the end.
func TestTrickleFigures(t *testing.T) {
	if !figures() {
		t.Skip("figures: set MINIWEB_FIGURES=1, on a quiet machine")
	}
	const maxConns, tricklers = 2048, 2100
	raiseNoFile(t, 3*tricklers)
	nginx := findTool(t, "nginx")
	for _, tt := range []struct {
		name  string
		start func(t *testing.T) string // returns the address
	}{
		{"miniweb", func(t *testing.T) string { return startTrickleTarget(t, maxConns, 0) }},
		{"miniweb_share_lifted", func(t *testing.T) string { return startTrickleTarget(t, maxConns, -1) }},
		{"nginx", func(t *testing.T) string { return startTrickleNginx(t, nginx, maxConns) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr := tt.start(t)
			conns := make([]net.Conn, 0, tricklers)
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			for range tricklers {
				c, err := net.DialTimeout("tcp", addr, patience)
				if err != nil {
					t.Fatal(err)
				}
				c.Write([]byte("G"))
				conns = append(conns, c)
			}
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				const head = "ET / HTTP/1.1\r\nHost: x\r\n"
				tick := time.NewTicker(5 * time.Second)
				defer tick.Stop()
				for n := range len(head) {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					for _, c := range conns {
						c.Write([]byte{head[n]})
					}
				}
			}()
			defer func() { close(stop); <-done }()
			start := time.Now()
			tries := 0
			for {
				tries++
				if ok := freshRequest(addr); ok {
					break
				}
				if time.Since(start) > patience {
					t.Fatalf("no answer to a fresh request in %v (%d tries)", patience, tries)
				}
				time.Sleep(50 * time.Millisecond) // a client's retry, not a wait for an event
			}
			took := time.Since(start)
			// How many tricklers the server still holds: a read that
			// times out is a connection still open.
			open := 0
			buf := make([]byte, 1)
			for _, c := range conns {
				c.SetReadDeadline(time.Now().Add(time.Millisecond))
				if _, err := c.Read(buf); errors.Is(err, os.ErrDeadlineExceeded) {
					open++
				}
			}
			t.Logf("%s: fresh request from 127.0.0.2 answered after %v (%d connection tries); then %d of %d trickling connections open",
				tt.name, took.Round(10*time.Millisecond), tries, open, tricklers)
		})
	}
}

// freshRequest sends a GET from 127.0.0.2 to addr and reports whether a
// 200 came back.
func freshRequest(addr string) bool {
	d := net.Dialer{Timeout: patience, LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(patience))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		return false
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// startTrickleTarget serves "Hello, World!" on a Server with the
// defaults of miniweb.toml's [limits] at a cap of maxConns, the share per
// address perAddr (0: a quarter; -1: none), until the test's end.
func startTrickleTarget(t *testing.T, maxConns, perAddr int) string {
	app := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start("200 OK", gateway.Fields{{Name: "Content-Type", Value: "text/plain"}})
		return gateway.Bytes([]byte("Hello, World!"))
	})
	srv := &httpserver.Server{App: app, AppPath: func(string) bool { return true }, Log: slog.New(slog.DiscardHandler),
		MaxConns: maxConns, MaxConnsPerAddr: perAddr,
		MinRate: 240, MinRateGrace: 5 * time.Second, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		srv.Shutdown(ctx)
		<-served
	})
	return ln.Addr().String()
}

// startTrickleNginx runs nginx at a cap of maxConns (one worker) with
// client_header_timeout 10s and limit_conn 512 per address, answering
// "Hello, World!", until the test's end.
func startTrickleNginx(t *testing.T, nginx string, maxConns int) string {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	conf := fmt.Sprintf(`worker_processes 1;
worker_rlimit_nofile %d;
pid %s/nginx.pid;
events { worker_connections %d; }
http {
	access_log off;
	limit_conn_zone $binary_remote_addr zone=addr:1m;
	server {
		listen %s backlog=4096;
		client_header_timeout 10s;
		limit_conn addr 512;
		location / { return 200 "Hello, World!"; }
	}
}
`, 4*maxConns, dir, maxConns, addr)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", path, "-g", "daemon off;")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	if !waitFor(patience, func() bool { return freshRequest(addr) }) {
		b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		t.Fatalf("nginx does not answer on %s:\n%s", addr, b)
	}
	return addr
}
