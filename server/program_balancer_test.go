package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework/database/databasetest"
)

// Several instances behind nginx (issue 17): three programs on one
// PostgreSQL database and one session secret, behind Debian's nginx run
// with deploy/nginx.conf (its addresses and paths rewritten).

// startNginx runs nginx with deploy/nginx.conf in front of upstreams, in
// the foreground, and returns the address it listens on. The test stops
// it (the process it started) at its end.
func startNginx(t *testing.T, nginx string, upstreams []string) string {
	t.Helper()
	dir := t.TempDir()
	// A free port: nginx cannot be told to pick one.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(nginxConfig(t, dir, addr, upstreams)), 0o644); err != nil {
		t.Fatal(err)
	}
	errLog := filepath.Join(dir, "error.log")
	cmd := exec.Command(nginx, "-p", dir, "-e", errLog, "-c", conf, "-g", "daemon off;")
	out, err := os.Create(filepath.Join(dir, "output"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT) // nginx's graceful stop; its workers follow their master
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			b, _ := os.ReadFile(errLog)
			t.Logf("nginx's error log:\n%s", b)
		}
	})
	if !waitFor(patience, func() bool {
		c, err := net.DialTimeout("tcp", addr, patience)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		b, _ := os.ReadFile(errLog)
		t.Fatalf("nginx does not listen on %s:\n%s", addr, b)
	}
	return addr
}

// TestProgramBehindNginx: a visitor signed in through nginx stays signed
// in whichever instance answers, every instance answers some of the
// requests and logs the visitor's own address (nginx's forwarded one: the
// instances trust it); kill -9 of one instance under load costs no
// request. With MINIWEB_FIGURES=1 it also logs the requests per second
// through nginx with one instance and with three, in the same run.
func TestProgramBehindNginx(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs PostgreSQL, nginx, three instances and wrk")
	}
	nginx := findTool(t, "nginx")
	wrk := lookTool(t, "wrk", "MINIWEB_TOOLS")
	pg := databasetest.Private(t)
	dbURL, err := pg.CreateDatabase(context.Background(), "site")
	if err != nil {
		t.Fatal(err)
	}
	env := programEnv("MINIWEB_DATABASE_URL=" + dbURL) // and the one session secret
	dir, cfg := siteDir(t, demoConfig(t)+`
[access_log]
enabled = true
format = "combined"

[proxy]
trusted = ["127.0.0.1/32"]

[health]
path = "/healthz"
`)
	var instances []*family
	var upstreams []string
	for range 3 {
		f := startFamily(t, dir, env, nil, "", "-config", cfg, "-addr", "127.0.0.1:0")
		instances = append(instances, f)
	}
	for _, f := range instances {
		addr, _ := f.serving()
		upstreams = append(upstreams, addr)
	}
	front := startNginx(t, nginx, upstreams)
	base := "http://" + front

	// The visitor comes from 127.0.0.2, nginx from 127.0.0.1: the access
	// logs tell them apart.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: patience, Transport: &http.Transport{
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext,
	}}
	defer client.CloseIdleConnections()
	const name = "alice"
	signedIn := "Signed in as <strong>" + name + "</strong>"
	resp, err := client.PostForm(base+"/register.py", url.Values{"name": {name}, "password": {"correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), signedIn) {
		t.Fatalf("register through nginx: %d, signed in %v:\n%.500s", resp.StatusCode, strings.Contains(string(b), signedIn), b)
	}
	const visits = 30
	for i := range visits {
		resp, err := client.Get(base + "/watchlist.py")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), signedIn) {
			t.Fatalf("visit %d of the watch list: %d, signed in %v", i, resp.StatusCode, strings.Contains(string(b), signedIn))
		}
	}
	// Each instance served some, and logged the visitor's address
	// (127.0.0.2), not nginx's.
	visit := regexp.MustCompile(`(?m)^(\S+) - - \[[^]]*\] "GET /watchlist\.py HTTP/1\.1" 200 `)
	count := func(f *family) [][]string { return visit.FindAllStringSubmatch(readAll(t, f.outPath), -1) }
	total := 0
	waitFor(patience, func() bool { // the access logs are written every 100 ms
		total = 0
		for _, f := range instances {
			total += len(count(f))
		}
		return total >= visits
	})
	for i, f := range instances {
		lines := count(f)
		if len(lines) == 0 {
			t.Errorf("instance %d served none of the %d visits", i, visits)
		}
		for _, l := range lines {
			if l[1] != "127.0.0.2" {
				t.Errorf("instance %d logged the visitor as %s; want 127.0.0.2 (forwarded by the trusted nginx)", i, l[1])
				break
			}
		}
		t.Logf("instance %d (%s) served %d of the %d visits", i, upstreams[i], len(lines), visits)
	}
	if total != visits {
		t.Errorf("the access logs hold %d visits; want %d", total, visits)
	}

	// Requests per second through nginx, with three instances, then with
	// one (a second nginx in front of the first instance alone): figures,
	// for a quiet machine.
	if figures() {
		const conns, dur = 64, 5 * time.Second
		measure := func(url string) wrkResult {
			w := startWrk(t, wrk, conns, url)
			time.Sleep(dur)
			return w.stop()
		}
		r3 := measure(base + "/about.py")
		one := startNginx(t, nginx, upstreams[:1])
		r1 := measure("http://" + one + "/about.py")
		t.Logf("wrk -t2 -c%d -d%v /about.py through nginx: 1 instance %.0f req/s (%d errors, %d non-2xx), 3 instances %.0f req/s (%d errors, %d non-2xx)",
			conns, dur, r1.PerSec, r1.Errors, r1.Non2xx, r3.PerSec, r3.Errors, r3.Non2xx)
		for _, r := range []wrkResult{r1, r3} {
			if r.Errors != 0 || r.Non2xx != 0 {
				t.Errorf("wrk through nginx: %d socket errors, %d non-2xx:\n%s", r.Errors, r.Non2xx, r.Out)
			}
		}
	}

	// kill -9 of one instance under load: nginx sends the requests that
	// fail on it (refused, or cut off unanswered) to another instance.
	// The instance is killed once it is busy with the load, and wrk
	// stopped once the two left have been busy with it since.
	const busy = 50 * time.Millisecond
	w := startWrk(t, wrk, 32, base+"/center.py")
	victim := instances[1].first.Process
	waitBusy(t, victim.Pid, busy)
	if err := victim.Kill(); err != nil { // SIGKILL, to the process we started
		t.Fatal(err)
	}
	for _, i := range []int{0, 2} {
		waitBusy(t, instances[i].first.Process.Pid, busy)
	}
	r := w.stop()
	t.Logf("wrk -t2 -c32 /center.py through nginx, instance 1 (pid %d) killed with SIGKILL under it: %d requests (%.0f/s), %d socket errors, %d non-2xx",
		victim.Pid, r.Requests, r.PerSec, r.Errors, r.Non2xx)
	if r.Errors != 0 || r.Non2xx != 0 {
		t.Errorf("kill -9 of an instance cost %d socket errors and %d non-2xx responses; want 0:\n%s", r.Errors, r.Non2xx, r.Out)
	}
	if r.Requests == 0 {
		t.Errorf("no request: the load did not run:\n%s", r.Out)
	}
	// Still signed in, on the instances left.
	resp, err = client.Get(base + "/watchlist.py")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), signedIn) {
		t.Errorf("the watch list after the kill: %d, signed in %v", resp.StatusCode, strings.Contains(string(b), signedIn))
	}
}

// readAll returns the content of the file at path.
func readAll(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestProgramBehindNginxOrigin: a form posted through nginx on a port that
// is not 80, by a browser that sends Origin and no Sec-Fetch-Site (Safari
// before 16.4, older Firefox), passes the site's CSRF check as it does
// straight to the instance: nginx passes Host, and X-Forwarded-Host, with
// the port. A browser behind a port mapping (80 outside, nginx on another
// port) sends neither Host nor Origin with a port: that passes too, which
// $host:$server_port would break. A cross-site Origin is still refused.
func TestProgramBehindNginxOrigin(t *testing.T) {
	t.Parallel()
	nginx := findTool(t, "nginx")
	for _, tt := range []struct {
		name  string
		proxy string // the instance's [proxy] table
	}{
		{"host", "trusted = [\"127.0.0.1/32\"]\n"},
		{"forwarded_host", "trusted = [\"127.0.0.1/32\"]\nforwarded_host = true\n"}, // the host from X-Forwarded-Host
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, cfg := siteDir(t, demoConfig(t)+"\n[proxy]\n"+tt.proxy)
			f := startFamily(t, dir, nil, nil, "", "-config", cfg, "-addr", "127.0.0.1:0")
			instance, _ := f.serving()
			front := startNginx(t, nginx, []string{instance})
			_, port, _ := net.SplitHostPort(front)
			client := &http.Client{Timeout: patience,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			defer client.CloseIdleConnections()
			post := func(addr, host, origin string) int {
				t.Helper()
				req, err := http.NewRequest("POST", "http://"+addr+"/logout.py", strings.NewReader(""))
				if err != nil {
					t.Fatal(err)
				}
				req.Host = host
				req.Header.Set("Origin", origin)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp.StatusCode
			}
			for _, c := range []struct {
				name         string
				addr         string // where the request goes
				host, origin string
				want         int
			}{
				{"instance", instance, instance, "http://" + instance, 303},
				{"nginx", front, front, "http://" + front, 303},
				{"nginx_name", front, "localhost:" + port, "http://localhost:" + port, 303},
				{"nginx_port_mapped", front, "example.test", "http://example.test", 303},
				{"nginx_cross_site", front, front, "http://evil.example", 403},
				{"nginx_other_port", front, front, "http://127.0.0.1:1", 403},
				{"instance_cross_site", instance, instance, "http://evil.example", 403},
			} {
				if got := post(c.addr, c.host, c.origin); got != c.want {
					t.Errorf("%s: POST /logout.py to %s, Host %s, Origin %s, no Sec-Fetch-Site: %d; want %d",
						c.name, c.addr, c.host, c.origin, got, c.want)
				}
			}
		})
	}
}
