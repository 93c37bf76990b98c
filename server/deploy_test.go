package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The example configs in deploy/ are checked by the tools that read them:
// nginx -t, haproxy -c and systemd-analyze verify, on copies whose paths
// point into a temporary folder. program_balancer_test.go runs the nginx
// one too.

// deployDir is the repository's deploy folder, seen from this package.
const deployDir = "../deploy"

// findTool is lookTool that also looks in /usr/sbin, where Debian puts
// nginx and haproxy and which a user's PATH may lack.
func findTool(t *testing.T, tool string) string {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if p := "/usr/sbin/" + tool; isExecutable(p) {
			return p
		}
	}
	return lookTool(t, tool, "MINIWEB_TOOLS")
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// rewrite applies each regexp -> replacement to s, failing the test when
// one matches nothing: the file and its test must not drift apart.
func rewrite(t *testing.T, name, s string, rules ...string) string {
	t.Helper()
	for i := 0; i < len(rules); i += 2 {
		re := regexp.MustCompile(rules[i])
		if !re.MatchString(s) {
			t.Fatalf("%s has no line matching %s", name, rules[i])
		}
		s = re.ReplaceAllString(s, rules[i+1])
	}
	return s
}

// nginxConfig returns deploy/nginx.conf made to run in dir: listening on
// listen, in front of the instances at upstreams, its pid, logs and
// temporary files in dir.
func nginxConfig(t *testing.T, dir, listen string, upstreams []string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir, "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	var servers strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&servers, "        server %s max_fails=3 fail_timeout=10s;\n", u)
	}
	// The paths are quoted, as dir may hold spaces (a TMPDIR of a user's);
	// a $ in a replacement is a literal one.
	quoted := func(name string) string {
		return `"` + strings.ReplaceAll(dir, "$", "$$") + "/" + name + `"`
	}
	temp := ""
	for _, k := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		temp += fmt.Sprintf("    %s_temp_path %s;\n", k, quoted(k))
	}
	conf := rewrite(t, "deploy/nginx.conf", string(b),
		`(?m)^pid .*;$`, "pid "+quoted("nginx.pid")+";",
		`/var/log/nginx/([^;\s]+)`, quoted("${1}"),
		`(?m)^worker_processes .*;$`, "worker_processes 2;",
		`(?m)^http \{\n`, "http {\n"+temp,
		`(?m)(^        server 127\.0\.0\.1:808\d .*\n)+`, servers.String(),
		`(?m)^        listen 80;$`, "        listen "+listen+";",
	)
	if os.Geteuid() == 0 {
		// Workers would run as nobody, who cannot enter the test's
		// folder.
		conf = "user root;\n" + conf
	}
	return conf
}

func TestDeployNginx(t *testing.T) {
	t.Parallel()
	nginx := findTool(t, "nginx")
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	content := nginxConfig(t, dir, "127.0.0.1:18080", []string{"127.0.0.1:18081", "127.0.0.1:18082", "127.0.0.1:18083"})
	if err := os.WriteFile(conf, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(nginx, "-t", "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "test is successful") || strings.Contains(string(out), "[warn]") {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
}

func TestDeployHAProxy(t *testing.T) {
	t.Parallel()
	haproxy := findTool(t, "haproxy")
	out, err := exec.Command(haproxy, "-c", "-f", filepath.Join(deployDir, "haproxy.cfg")).CombinedOutput()
	if err != nil || strings.Contains(string(out), "[WARNING]") {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
}

// systemd-analyze verify checks the units' syntax and that ExecStart's
// binary exists: on copies naming the built binary and a real
// environment file. It only warns (status 0) on a key it cannot parse, so
// any line naming a unit fails the test.
func TestDeploySystemd(t *testing.T) {
	t.Parallel()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze here: the units are not checked")
	}
	dir := t.TempDir()
	env := filepath.Join(dir, "env")
	if err := os.WriteFile(env, []byte("MINIWEB_SESSION_SECRET=x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, unit := range []string{"miniweb.service", "miniweb.socket"} {
		b, err := os.ReadFile(filepath.Join(deployDir, unit))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if unit == "miniweb.service" {
			s = rewrite(t, unit, s,
				`/opt/miniweb/miniweb `, strings.ReplaceAll(`"`+miniwebBinary(t)+`" `, "$", "$$"), // quoted: its path may hold spaces
				`(?m)^EnvironmentFile=.*$`, "EnvironmentFile="+env)
		}
		if err := os.WriteFile(filepath.Join(dir, unit), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(analyze, "verify", "--man=no", "./miniweb.socket", "./miniweb.service")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "miniweb.") {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	t.Logf("systemd-analyze verify: ok%s", strings.TrimRight("\n"+string(out), "\n"))
}
