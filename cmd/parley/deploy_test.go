package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testenv"
)

// dockerBuildLine returns the go build command of the Dockerfile's build
// stage, its RUN line's continuation joined.
func dockerBuildLine(t *testing.T, dockerfile string) string {
	t.Helper()
	joined := strings.ReplaceAll(dockerfile, "\\\n", " ")
	m := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 go build [^&\n]+)`).FindStringSubmatch(joined)
	if m == nil {
		t.Fatal("Dockerfile: no RUN CGO_ENABLED=0 go build line")
	}
	return strings.TrimSpace(m[1])
}

// The Dockerfile, checked without a Docker engine: its build command,
// run here as written, makes a static binary that reports the build's
// version and commit and answers its health check; the final stage is
// distroless, non-root, with a /data volume and a HEALTHCHECK that runs
// that command. The systemd unit's command lines start a real server.
func TestPackaging(t *testing.T) {
	root := testenv.ModuleRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	dockerfile := string(raw)
	for _, want := range []string{
		"\nFROM gcr.io/distroless/static-debian12:nonroot\n",
		"\nUSER 65532:65532\n",
		"\nVOLUME [\"/data\"]\n",
		"PARLEY_DB=/data/parley.db",
		`HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/usr/local/bin/parley", "healthcheck"]`,
		`ENTRYPOINT ["/usr/local/bin/parley"]`,
	} {
		if !strings.Contains(dockerfile, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if froms := regexp.MustCompile(`(?m)^FROM `).FindAllString(dockerfile, -1); len(froms) != 2 {
		t.Errorf("Dockerfile has %d stages, want 2", len(froms))
	}
	if m := regexp.MustCompile(`(?m)^FROM golang:(\d+\.\d+)`).FindStringSubmatch(dockerfile); m == nil {
		t.Error("build stage is not golang:X.Y")
	} else if gomod, _ := os.ReadFile(filepath.Join(root, "go.mod")); !regexp.MustCompile(`(?m)^go ` + regexp.QuoteMeta(m[1]) + `(\.\d+)?$`).Match(gomod) {
		t.Errorf("build stage golang:%s does not match go.mod's go version", m[1])
	}

	// The build stage's command, as written, with the build arguments set.
	dir := t.TempDir()
	bin := filepath.Join(dir, "parley")
	line := dockerBuildLine(t, dockerfile)
	// Without -trimpath, which changes only the file paths recorded in the
	// binary, so that the test reuses the build cache instead of compiling
	// every dependency again (minutes on a busy machine).
	line = strings.NewReplacer("${VERSION}", "1.2.3-test", "${COMMIT}", "0123abcd", "-o /out/parley", "-o "+bin, "./cmd/parley", ".", " -trimpath", "").Replace(line)
	fields := strings.Fields(strings.TrimPrefix(line, "CGO_ENABLED=0 "))
	// Unquote the -ldflags value the shell would have joined.
	var args []string
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if strings.HasPrefix(f, `"`) {
			j := i
			for !strings.HasSuffix(fields[j], `"`) {
				j++
			}
			f = strings.Trim(strings.Join(fields[i:j+1], " "), `"`)
			i = j
		}
		args = append(args, f)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary is dynamically linked: distroless/static has no libc")
		}
	}
	f.Close()
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "parley 1.2.3-test\ncommit 0123abcd\n") {
		t.Errorf("version of the image's binary: %v\n%s", err, out)
	}

	// The systemd unit: systemd-analyze verify, when present, and its two
	// command lines run for real (paths moved into a temporary directory).
	unitRaw, err := os.ReadFile(filepath.Join(root, "deploy", "parley.service"))
	if err != nil {
		t.Fatal(err)
	}
	unit := string(unitRaw)
	for _, want := range []string{"\nDynamicUser=yes\n", "\nProtectSystem=strict\n", "\nStateDirectory=parley\n", "\nNoNewPrivileges=yes\n", "\nCapabilityBoundingSet=\n"} {
		if !strings.Contains(unit, want) {
			t.Errorf("parley.service lacks %q", strings.TrimSpace(want))
		}
	}
	if analyze, err := exec.LookPath("systemd-analyze"); err == nil {
		tmpUnit := filepath.Join(dir, "parley.service")
		if err := os.WriteFile(tmpUnit, []byte(strings.ReplaceAll(unit, "/usr/local/bin/parley", bin)), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(analyze, "verify", tmpUnit).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
	} else {
		t.Log("systemd-analyze not found: the unit's syntax was not verified")
	}
	state := filepath.Join(dir, "state")
	if err := os.Mkdir(state, 0o700); err != nil {
		t.Fatal(err)
	}
	commandOf := func(key string) []string {
		m := regexp.MustCompile(`(?m)^` + key + `=(.+)$`).FindStringSubmatch(unit)
		if m == nil {
			t.Fatalf("parley.service: no %s", key)
		}
		s := strings.NewReplacer("/usr/local/bin/parley", bin, "/var/lib/parley", state, "127.0.0.1:8080", "127.0.0.1:0").Replace(m[1])
		return strings.Fields(s)
	}
	pre := commandOf("ExecStartPre")
	if out, err := exec.Command(pre[0], pre[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("ExecStartPre: %v\n%s", err, out)
	}
	if st, err := os.Stat(filepath.Join(state, "parley.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("ExecStartPre did not create the key 0600 in the state directory: %v", err)
	}
	start := commandOf("ExecStart")
	srv := exec.Command(start[0], start[1:]...)
	var srvOut syncBuffer
	srv.Stdout, srv.Stderr = &srvOut, &srvOut
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	started := regexp.MustCompile(`Parley listening on https://comments\.example\.org \(database`)
	for deadline := time.Now().Add(60 * time.Second); !started.MatchString(srvOut.String()) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !started.MatchString(srvOut.String()) {
		t.Fatalf("ExecStart did not start a server:\n%s", srvOut.String())
	}
	// --base-url hides the listener's address; find it from the process.
	addr := listenAddrOf(t, srv.Process.Pid)
	hc := exec.Command(bin, "healthcheck", "--url", "http://"+addr+"/readyz")
	if out, err := hc.CombinedOutput(); err != nil || !strings.Contains(string(out), "ready") {
		t.Errorf("healthcheck against the unit's server: %v\n%s", err, out)
	}
	hc = exec.Command(bin, "healthcheck")
	hc.Env = append(os.Environ(), "PARLEY_ADDR="+strings.Replace(addr, "127.0.0.1", "0.0.0.0", 1))
	if out, err := hc.CombinedOutput(); err != nil {
		t.Errorf("healthcheck from PARLEY_ADDR=0.0.0.0:port: %v\n%s", err, out)
	}
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Errorf("the unit's server on SIGTERM: %v\n%s", err, srvOut.String())
	}
	hc = exec.Command(bin, "healthcheck", "--url", "http://"+addr+"/readyz", "--timeout", "1s")
	if out, err := hc.CombinedOutput(); err == nil {
		t.Errorf("healthcheck of a stopped server succeeded:\n%s", out)
	} else if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("healthcheck of a stopped server: %v, want exit status 1", err)
	}
}

// listenAddrOf finds the TCP address a process listens on, from /proc.
func listenAddrOf(t *testing.T, pid int) string {
	t.Helper()
	inodes := map[string]bool{}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Skipf("cannot read the server's file descriptors: %v", err)
	}
	for _, fd := range fds {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	raw, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Skipf("no /proc/net/tcp: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] { // 0A: LISTEN
			continue
		}
		var port int
		fmt.Sscanf(strings.Split(f[1], ":")[1], "%X", &port)
		return fmt.Sprintf("127.0.0.1:%d", port)
	}
	t.Fatal("the server listens on no TCP port")
	return ""
}

// compose.yaml: two Parley instances on one PostgreSQL with one key made
// before they start, behind a proxy whose fixed address they trust.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseYAML(string(raw))
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	top, _ := doc.(map[string]any)
	services, _ := top["services"].(map[string]any)
	get := func(m any, path ...string) any {
		for _, p := range path {
			mm, ok := m.(map[string]any)
			if !ok {
				return nil
			}
			m = mm[p]
		}
		return m
	}
	for _, name := range []string{"postgres", "init", "parley1", "parley2", "proxy"} {
		if services[name] == nil {
			t.Fatalf("compose.yaml has no service %s", name)
		}
	}
	if get(services, "init", "command") != "migrate" {
		t.Errorf("init runs %v, want migrate (it creates the key)", get(services, "init", "command"))
	}
	proxyAddr := get(services, "proxy", "networks", "parley", "ipv4_address")
	dbURL := get(services, "init", "environment", "PARLEY_DB")
	if !strings.HasPrefix(fmt.Sprint(dbURL), "postgres://") || !strings.Contains(fmt.Sprint(dbURL), "@postgres:5432/") {
		t.Errorf("init's PARLEY_DB %v is not the postgres service", dbURL)
	}
	for _, name := range []string{"parley1", "parley2"} {
		if get(services, name, "command") != "serve" {
			t.Errorf("%s runs %v", name, get(services, name, "command"))
		}
		if got := get(services, name, "environment", "PARLEY_DB"); got != dbURL {
			t.Errorf("%s PARLEY_DB %v, init's %v", name, got, dbURL)
		}
		if got := get(services, name, "environment", "PARLEY_SECRET_FILE"); got != get(services, "init", "environment", "PARLEY_SECRET_FILE") {
			t.Errorf("%s reads its key from %v, not init's", name, got)
		}
		if got := get(services, name, "environment", "PARLEY_TRUSTED_PROXIES"); got == nil || got != proxyAddr {
			t.Errorf("%s trusts %v, the proxy is at %v", name, got, proxyAddr)
		}
		if got := get(services, name, "depends_on", "init", "condition"); got != "service_completed_successfully" {
			t.Errorf("%s starts before init completes: %v", name, got)
		}
		if vols := fmt.Sprint(get(services, name, "volumes")); vols != "[keys:/data:ro]" {
			t.Errorf("%s volumes %s, want the key volume read-only", name, vols)
		}
	}
	if vols := fmt.Sprint(get(services, "init", "volumes")); vols != "[keys:/data]" {
		t.Errorf("init volumes %s", vols)
	}
	caddy, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "deploy", "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(caddy), "reverse_proxy parley1:8080 parley2:8080") || !strings.Contains(string(caddy), "health_uri /readyz") {
		t.Errorf("deploy/Caddyfile does not balance the two instances on /readyz:\n%s", caddy)
	}
}
