package e2e

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

// outsideFixture is the module built outside the checkout, as templates:
// its go.mod is go.mod.txt, whose replace directive points at
// checkoutPlaceholder (a go.mod there would make the folder a module of
// its own, which the go command leaves out of this one).
const (
	outsideFixture      = "testdata/outside"
	checkoutPlaceholder = "CHECKOUT"
)

// goEnv is the environment of the go commands run on the outside module:
// the test's, with the module cache as the only source of modules (no
// network, no toolchain download, no go.work), and GOFLAGS replaced, so
// that flags given to this test run (-mod=vendor, -race, tags) do not
// change how the module resolves: -mod=mod lets the go command add the
// indirect requirements to go.mod from the module cache, which go mod
// tidy would instead look up for the tests of dependencies (stock
// pongo2's gopkg.in/check.v1 was one, not in the cache) and fail without
// the network.
func goEnv(extra ...string) []string {
	return append(os.Environ(), append([]string{
		"GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local",
	}, extra...)...) // exec keeps the last value of a name
}

// A module outside the checkout imports miniweb by its module path (a
// replace directive points at the checkout), builds a site of its own on
// the framework, with its own templates embedded, serves it with the
// engine, and tests it with frameworktest's client: what a developer
// starting a project from the README does. The module's folder has a
// space in its path.
func TestOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a module with the go command; skipped with -short")
	}
	t.Parallel()
	goTool, err := exec.LookPath("go") // go test puts GOROOT/bin first on PATH
	if err != nil {
		t.Fatal(err)
	}
	checkout, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if mod, err := os.ReadFile(filepath.Join(checkout, "go.mod")); err != nil ||
		!strings.HasPrefix(string(mod), "module github.com/miniweb/miniweb\n") {
		t.Fatalf("%s is not the checkout's root (go.mod: %v)", checkout, err)
	}
	dir := filepath.Join(t.TempDir(), "outside module")
	writeOutsideModule(t, dir, checkout)

	bin := filepath.Join(t.TempDir(), "hello bin", "hello")
	runGo(t, dir, goTool, "build", "-o", bin, ".")
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mod), "github.com/miniweb/miniweb => ") {
		t.Fatalf("go build dropped the replace directive from go.mod:\n%s", mod)
	}

	t.Run("serve", func(t *testing.T) {
		t.Parallel()
		serveOutsideSite(t, bin)
	})
	t.Run("test", func(t *testing.T) {
		t.Parallel()
		out := runGo(t, dir, goTool, "test", "-count=1", "-v", "./...")
		for _, want := range []string{"--- PASS: TestSignIn ", "--- PASS: TestSignInRefused ", "ok  \texample.com/hello/hello"} {
			if !strings.Contains(out, want) {
				t.Errorf("go test in the outside module: the output lacks %q:\n%s", want, out)
			}
		}
	})
}

// writeOutsideModule copies the fixture into dir and writes its go.mod,
// requiring miniweb from checkout, with the checkout's go.sum: the
// checkout built, so its dependencies are in the module cache.
func writeOutsideModule(t *testing.T, dir, checkout string) {
	t.Helper()
	if err := os.CopyFS(dir, os.DirFS(outsideFixture)); err != nil {
		t.Fatal(err)
	}
	tmpl := filepath.Join(dir, "go.mod.txt")
	mod, err := os.ReadFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mod), "=> "+checkoutPlaceholder+"\n") {
		t.Fatalf("%s/go.mod.txt: no replace directive to %s", outsideFixture, checkoutPlaceholder)
	}
	// go.mod quotes a path as a Go string: a space in it needs quotes.
	mod = []byte(strings.Replace(string(mod), checkoutPlaceholder, strconv.Quote(checkout), 1))
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), mod, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(tmpl); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(checkout, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runGo runs the go command with args in dir, with goEnv, and returns its
// output; a failure fails the test with it. Only go test's -timeout
// bounds it: a first build of the dependencies on a busy machine takes
// minutes.
func runGo(t *testing.T, dir, goTool string, args ...string) string {
	t.Helper()
	cmd := exec.Command(goTool, args...)
	cmd.Dir = dir
	cmd.Env = goEnv()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	t.Logf("go %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return string(out)
}

// serveOutsideSite starts the outside module's binary in an empty folder,
// so that the templates embedded in it are the ones served, reads the
// address it prints, and visits the site over a real socket: its page,
// and its form with the flash shown after the redirect. Then it ends the
// binary by its PID with SIGTERM, which must stop it with status 0.
func serveOutsideSite(t *testing.T, bin string) {
	var stdout, stderr syncBuffer
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "MINIWEB_SESSION_SECRET="+testSessionSecret)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = patience // for the output's last bytes, on a busy machine
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped { // the test failed before SIGTERM
			cmd.Process.Kill()
			<-exited
		}
	})

	if !testnet.WaitFor(patience, func() bool {
		return strings.Contains(stdout.String(), "\n") || len(exited) > 0
	}) || !strings.Contains(stdout.String(), "\n") {
		t.Fatalf("the outside binary printed no address; stdout %q, stderr:\n%s", stdout.String(), stderr.String())
	}
	page := strings.TrimSpace(stdout.String())
	u, err := url.Parse(page)
	if err != nil || u.Scheme != "http" || u.Path != "/index.py" {
		t.Fatalf("the outside binary printed %q; want http://127.0.0.1:PORT/index.py", page)
	}

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: patience}
	defer client.CloseIdleConnections()
	get := func(req *http.Request) string {
		t.Helper()
		req.Header.Set("Sec-Fetch-Site", "same-origin") // as a browser sends on its own site's form
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v; stderr:\n%s", req.Method, req.URL, err, stderr.String())
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("%s %s: %s %q; want 200 text/html; charset=utf-8\n%s", req.Method, req.URL, resp.Status,
				resp.Header.Get("Content-Type"), body)
		}
		return string(body)
	}

	req, _ := http.NewRequest("GET", page, nil)
	body := get(req)
	for _, want := range []string{
		"<title>Hello - a site from outside</title>",
		`<p id="greeting">A site built outside miniweb's repository greets stranger.</p>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("GET %s: the page lacks %q:\n%s", page, want, body)
		}
	}
	if strings.Contains(body, "Welcome") { // the demo's home page
		t.Errorf("GET %s: the demo's page, not the outside site's:\n%s", page, body)
	}

	sign := u.ResolveReference(&url.URL{Path: "/sign.py"}).String()
	req, _ = http.NewRequest("POST", sign, strings.NewReader(url.Values{"name": {"Ada"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body = get(req) // the 303 followed to the page
	for _, want := range []string{`<p class="flash info">Signed in as Ada.</p>`, "greets Ada."} {
		if !strings.Contains(body, want) {
			t.Errorf("POST %s, then its redirect: the page lacks %q:\n%s", sign, want, body)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	stopped = true
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the outside binary after SIGTERM: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(patience):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("the outside binary still running %v after SIGTERM; stderr:\n%s", patience, stderr.String())
	}
}
