package main

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A lone binary is production (issue 26): run in an empty folder with no
// miniweb.toml and no secret, it serves no live-reload script, keeps a
// session secret of its own in data/session.key (0600, in a 0700 folder),
// made on the first start, and a visitor signed in before a restart is
// still signed in after it. -check and the start log say where the secret
// comes from, never what it is.

// noSecretEnv is the environment of a program given no session secret.
func noSecretEnv() []string { return programEnv("MINIWEB_SESSION_SECRET=") }

// sessionCookie returns the session cookie of resp, or fails the test.
func sessionCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Value != "" && strings.Contains(strings.ToLower(c.Name), "session") {
			return c
		}
	}
	t.Fatalf("no session cookie in %q", resp.Header.Values("Set-Cookie"))
	return nil
}

// getWith GETs path from addr with the cookie and returns the status and
// body; redirects are not followed.
func getWith(t *testing.T, addr, path string, cookie *http.Cookie) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, string(b)
}

var noRedirects = &http.Client{Timeout: patience,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// stopProgram sends SIGTERM to the program the test started and waits for
// its exit.
func stopProgram(t *testing.T, p *os.Process, exited <-chan struct{}) {
	t.Helper()
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(2 * patience): // the defaults' grace (10s) is far below it
		t.Fatal("the program did not stop on SIGTERM")
	}
}

func TestLoneBinaryProduction(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := noSecretEnv()
	key := filepath.Join(dir, "data", "session.key")

	// -check says where the secret will come from, and makes nothing.
	status, stdout, stderr := runMiniwebEnv(t, dir, env, "-check")
	if want := "  secret     file " + key + " (not made yet: made on the first start)\n"; status != 0 || !strings.Contains(stdout, want) {
		t.Errorf("-check: status %d, stdout lacks %q:\n%s%s", status, want, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("-check made the data folder: %v", err)
	}

	cmd, _, errOut, exited := startProgramEnv(t, dir, env, "-addr", "127.0.0.1:0")
	addr := servingAddr(t, errOut, exited)
	log := errOut.String()
	for _, want := range []string{
		`msg="no session secret configured: made one and kept it for the next starts; several instances need one: give each the same MINIWEB_SESSION_SECRET" file=` + key + "\n",
		`secret_from="file ` + key + `"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	for p, want := range map[string]os.FileMode{key: 0o600, filepath.Dir(key): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v; want permissions %04o", p, err, want)
		}
	}
	secret, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}

	// Production: no live-reload script, no /_miniweb/.
	if status, body := getWith(t, addr, "/about.py", nil); status != 200 || strings.Contains(body, "/_miniweb/") {
		t.Errorf("GET /about.py: %d, live-reload script %v; want 200 and none:\n%.300s", status, strings.Contains(body, "/_miniweb/"), body)
	}
	if status, _ := getWith(t, addr, "/_miniweb/client.js", nil); status != 404 {
		t.Errorf("GET /_miniweb/client.js: %d; want 404 in production", status)
	}

	// Register: the answer signs the visitor in with a cookie.
	resp, err := noRedirects.PostForm("http://"+addr+"/register.py",
		url.Values{"name": {"alice"}, "password": {"correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Fatalf("POST /register.py: %d; want 303", resp.StatusCode)
	}
	cookie := sessionCookie(t, resp)
	const signedIn = "Signed in as <strong>alice</strong>"
	if status, body := getWith(t, addr, "/watchlist.py", cookie); status != 200 || !strings.Contains(body, signedIn) {
		t.Fatalf("GET /watchlist.py with the cookie: %d, signed in %v", status, strings.Contains(body, signedIn))
	}

	// A restart: a new process, the same cookie, still signed in.
	stopProgram(t, cmd.Process, exited)
	_, _, errOut, exited = startProgramEnv(t, dir, env, "-addr", "127.0.0.1:0")
	addr = servingAddr(t, errOut, exited)
	if log := errOut.String(); strings.Contains(log, "made one") || !strings.Contains(log, `secret_from="file `+key+`"`) {
		t.Errorf("second start: the log should name the file and make none:\n%s", log)
	}
	if status, body := getWith(t, addr, "/watchlist.py", cookie); status != 200 || !strings.Contains(body, signedIn) {
		t.Errorf("GET /watchlist.py with the cookie after a restart: %d, signed in %v; want 200, signed in", status, strings.Contains(body, signedIn))
	}
	if b, _ := os.ReadFile(key); string(b) != string(secret) {
		t.Errorf("the key file changed across the restart")
	}
	if strings.Contains(errOut.String()+stdout, strings.TrimSpace(string(secret))) {
		t.Errorf("the output shows the secret")
	}
}

// The same binary with -dev, or with a config that says dev = true, is in
// dev mode: the live-reload script, a new secret per start and no key
// file.
func TestLoneBinaryDevWhenAsked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, _, errOut, exited := startProgramEnv(t, dir, noSecretEnv(), "-addr", "127.0.0.1:0", "-dev")
	addr := servingAddr(t, errOut, exited)
	if status, body := getWith(t, addr, "/about.py", nil); status != 200 || !strings.Contains(body, `<script src="/_miniweb/client.js`) {
		t.Errorf("GET /about.py with -dev: %d; want 200 with the live-reload script:\n%.300s", status, body)
	}
	if want := `secret_from="none (dev: a new one per start)"`; !strings.Contains(errOut.String(), want) {
		t.Errorf("the log lacks %q:\n%s", want, errOut.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "session.key")); !os.IsNotExist(err) {
		t.Errorf("dev mode made a key file: %v", err)
	}
}

// A 500 shows its detail to a loopback client in dev mode only: the lone
// binary shows the plain page.
func TestLoneBinaryErrorPage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		args   []string
		detail bool // the page shows the error's detail, marked "(dev)"
	}{
		{"production", nil, false},
		{"dev", []string{"-dev"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			// A page whose template fails as it runs: static() of a
			// file that does not exist.
			if err := os.Mkdir(filepath.Join(dir, "templates"), 0o755); err != nil {
				t.Fatal(err)
			}
			page := `{% extends "base.html" %}{% block content %}<link href="{{ static("no-such-file.css") }}">{% endblock %}`
			if err := os.WriteFile(filepath.Join(dir, "templates", "contact.html"), []byte(page), 0o644); err != nil {
				t.Fatal(err)
			}
			_, _, errOut, exited := startProgramEnv(t, dir, noSecretEnv(), append([]string{"-addr", "127.0.0.1:0"}, tt.args...)...)
			addr := servingAddr(t, errOut, exited)
			status, body := getWith(t, addr, "/contact.py", nil)
			if status != 500 || strings.Contains(body, "(dev)") != tt.detail || strings.Contains(body, "no-such-file.css") != tt.detail {
				t.Errorf("GET /contact.py: %d, detail shown %v; want 500, detail %v:\n%.600s", status, strings.Contains(body, "(dev)"), tt.detail, body)
			}
			if !tt.detail && !strings.Contains(body, "Internal error") {
				t.Errorf("the production page does not say Internal error:\n%.600s", body)
			}
		})
	}
}

// A key file others could read, or not of the server's making, stops the
// start, and -check, with status 2 and a message naming the file and what
// to do; the file is left as it is.
func TestLoneBinaryBadKeyFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		perm    os.FileMode
		want    string // the whole stderr; @ stands for the key file
	}{
		{"readable", "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=\n", 0o644,
			"miniweb: @: the session key file has permissions 0644, which let other users read the secret; expected 0600: run chmod 600 @, or remove the file if others may have read it (a new secret is made on the next start, signing everyone out)\n"},
		{"short", "hunter2\n", 0o600,
			"miniweb: @: the session key file holds 8 bytes; expected 45, one line of 32 random bytes in base64 as this server writes it (openssl rand -base64 32): remove it, and a new one is made on the next start (signing everyone out), or set MINIWEB_SESSION_SECRET\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			key := filepath.Join(dir, "data", "session.key")
			if err := os.Mkdir(filepath.Dir(key), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(key, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(key, tt.perm); err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(tt.want, "@", key)
			for _, args := range [][]string{{"-addr", "127.0.0.1:0"}, {"-check"}} {
				status, stdout, stderr := runMiniwebEnv(t, dir, noSecretEnv(), args...)
				if status != 2 || stderr != want {
					t.Errorf("%q: status %d, stdout %q, stderr\n\t%q; want 2 and\n\t%q", args, status, stdout, stderr, want)
				}
			}
			if b, _ := os.ReadFile(key); string(b) != tt.content {
				t.Errorf("the key file was changed")
			}
			// The environment's secret wins: the file is not read.
			if status, _, stderr := runMiniwebEnv(t, dir, programEnv(), "-check"); status != 0 {
				t.Errorf("-check with MINIWEB_SESSION_SECRET: status %d; want 0 (the file unread):\n%s", status, stderr)
			}
		})
	}
}
