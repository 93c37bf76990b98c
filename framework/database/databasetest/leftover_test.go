package databasetest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// deadPID returns the PID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// isolated returns a new folder, removed at the test's end, for the
// cluster folders of a test that makes them look abandoned: outside
// os.TempDir()'s top level, where the reapLeftovers of the other tests (of
// this binary, run in parallel, and of the other packages' binaries, run
// at the same time) would reap them before the test looks. As root, user
// postgres may enter it.
func isolated(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "databasetest-isolated-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestReap leaves a running cluster whose owner is dead, as a test binary
// killed hard does, and checks that it is stopped and removed, and that
// the folders of live owners and of other PID namespaces stay.
func TestReap(t *testing.T) {
	t.Parallel()
	tl, err := findTools()
	if err != nil {
		unavailable(t, err)
	}
	dir, err := newFolder(isolated(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	c, err := StartCluster(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	pidFile := filepath.Join(dir, "data", "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	server, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	owner := filepath.Join(dir, ownerFile)

	if abandoned(dir, tl) {
		t.Fatal("a folder of this live process counts as abandoned")
	}
	for _, content := range []string{
		fmt.Sprintf("%d\n%s\n", os.Getppid(), pidNamespace()), // alive
		fmt.Sprintf("%d\npid:[1]\n", deadPID(t)),              // another namespace
		"garbage",
	} {
		if err := os.WriteFile(owner, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if abandoned(dir, tl) {
			t.Fatalf("owner file %q: counts as abandoned", content)
		}
	}

	if err := os.WriteFile(owner, fmt.Appendf(nil, "%d\n%s\n", deadPID(t), pidNamespace()), 0o644); err != nil {
		t.Fatal(err)
	}
	if !abandoned(dir, tl) {
		t.Fatal("a folder whose owner is dead does not count as abandoned")
	}
	reap(dir, tl)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("folder %s after reap: %v, want gone", dir, err)
	}
	if alive(server) {
		t.Errorf("server PID %d still runs after reap", server)
	}
}

// helperEnv makes the test binary, run again by TestKilledOwner, start a
// cluster, print its folder, and wait to be killed.
const helperEnv = "DATABASETEST_HELPER"

func TestHelperCluster(t *testing.T) {
	t.Parallel()
	if os.Getenv(helperEnv) != "1" {
		t.Skip("run by TestKilledOwner")
	}
	dir, err := newFolder("") // under the TMPDIR TestKilledOwner gives
	if err != nil {
		t.Fatal(err)
	}
	if _, err := StartCluster(dir); err != nil {
		t.Fatal(err)
	}
	fmt.Println(dir)
	select {}
}

// TestKilledOwner kills a test binary that runs a cluster with SIGKILL,
// and checks that its server exits too, and that its folder is then
// reaped.
func TestKilledOwner(t *testing.T) {
	t.Parallel()
	tl, err := findTools()
	if err != nil {
		unavailable(t, err)
	}
	parent := isolated(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCluster$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "TMPDIR="+parent)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var dir string
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if line := lines.Text(); strings.HasPrefix(line, filepath.Join(parent, folderPrefix)) {
			dir = line
			break
		}
	}
	if dir == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("the helper printed no cluster folder")
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	server, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	if !alive(server) {
		t.Fatalf("server PID %d is not running", server)
	}

	cmd.Process.Kill()
	cmd.Wait()
	for deadline := time.Now().Add(hang); alive(server); {
		if time.Now().After(deadline) {
			syscall.Kill(server, syscall.SIGQUIT)
			t.Fatalf("server PID %d still runs %v after its test binary was killed", server, hang)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !abandoned(dir, tl) {
		t.Fatal("the folder of a killed test binary does not count as abandoned")
	}
	reap(dir, tl)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("folder %s after reap: %v, want gone", dir, err)
	}
}
