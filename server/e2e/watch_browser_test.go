package e2e

import (
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

// watchingLine is the -watch supervisor's first line: where it listens.
var watchingLine = regexp.MustCompile(`msg="miniweb watching: each good build serves here" addr=http://(127\.0\.0\.1:\d+)/`)

// TestWatchBrowser is go run ./server -dev -watch as a developer uses it,
// in Chromium, on a copy of the module serving the demo: a .go file saved
// with a compile error shows the compiler's message in the page's
// overlay, with the file; saved fixed, it is rebuilt and the open page
// reloads by itself with the new code's output. Ctrl-C (SIGINT to the
// process group) then stops everything.
func TestWatchBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command in a copy of the module; skipped with -short")
	}
	t.Parallel()
	driverPath := findBrowser(t)
	root := testnet.CopyModule(t, repoDir(""))
	bin := filepath.Join(t.TempDir(), "server")
	runGo(t, root, "go", "build", "-o", bin, "./server")

	logPath := filepath.Join(t.TempDir(), "stderr")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "-dev", "-watch", "-site", "demo", "-addr", "127.0.0.1:0")
	cmd.Dir, cmd.Env = root, goEnv("MINIWEB_SESSION_SECRET=")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a group of its own, as a terminal's job
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	logText := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the group we made
			<-exited
		}
		if t.Failed() {
			t.Logf("the session's stderr:\n%s", logText())
		}
	})
	// A build takes a while on a busy machine: three times the patience.
	var addr string
	for deadline := time.Now().Add(3 * patience); addr == ""; time.Sleep(20 * time.Millisecond) {
		if m := watchingLine.FindStringSubmatch(logText()); m != nil {
			addr = m[1]
		}
		select {
		case <-exited:
			t.Fatal("the supervisor exited before it listened")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no watching line")
		}
	}
	for deadline := time.Now().Add(3 * patience); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/about.py")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/about.py not served: %v", err)
		}
	}

	wd := startBrowser(t, driverPath)
	wd.navigate("http://" + addr + "/about.py")
	liveConnected(t, wd)

	// The menu's label of the about page, in the demo's Go code.
	demoGo := filepath.Join(root, "sites", "demo", "demo.go")
	src, err := os.ReadFile(demoGo)
	if err != nil {
		t.Fatal(err)
	}
	const label = `"label": "About"}`
	if !strings.Contains(string(src), label) {
		t.Fatalf("%s has no %s", demoGo, label)
	}
	save := func(code string) {
		t.Helper()
		if err := os.WriteFile(demoGo, []byte(strings.Replace(string(src), label, code, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A compile error: the overlay shows it, naming the file.
	save(`"label": "About" +}`)
	liveWait(t, wd, "the compile error in the overlay",
		`const o = document.getElementById("miniweb-live-error"); return !!o && o.textContent.includes("demo.go")`, 3*patience)
	var text string
	wd.script(`return document.getElementById("miniweb-live-error").textContent`, &text)
	if !strings.Contains(text, "sites/demo/demo.go") {
		t.Errorf("the overlay says %q; want the file sites/demo/demo.go", text)
	}
	var marked bool
	wd.script(`window.__beforeFix = true; return true`, &marked)

	// Fixed, with a new label: rebuilt, and the page reloads by itself.
	save(`"label": "About us"}`)
	liveWait(t, wd, "the page reloaded with the fixed build's menu",
		`return !window.__beforeFix && !document.getElementById("miniweb-live-error") &&
			Array.from(document.querySelectorAll("nav a")).some(a => a.textContent.trim() === "About us")`, 3*patience)

	// Ctrl-C: the whole group gets SIGINT; the supervisor exits 0.
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(3 * patience):
		t.Fatal("the supervisor did not exit on SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("the supervisor exited with status %d; want 0", code)
	}
	if err := syscall.Kill(-cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("a process of the supervisor's group is left (kill 0: %v)", err)
	}
}
