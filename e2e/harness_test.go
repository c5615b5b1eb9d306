package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/api"
	"github.com/crmconvert/crmconvert/devstack"
)

const secret = "e2e-secret"

// binary is the crmconvert command built once for this package's tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "crmconvert-e2e-*")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "crmconvert")
	// The static binary of the container image, built and checked by the
	// same script as the Dockerfile's build stage.
	build := exec.Command("bash", "../scripts/build-static.sh", binary)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build crmconvert:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// process is a crmconvert subcommand running in the background.
type process struct {
	cmd *exec.Cmd
	out *bytes.Buffer
}

func start(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	return startProgram(t, binary, env, args...)
}

// startProgram runs the program at path in the background; it is killed
// when the test ends, and its output logged if the test failed.
func startProgram(t *testing.T, path string, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	p := &process{cmd: cmd, out: out}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("output of %s (pid %d):\n%s", strings.Join(cmd.Args, " "), cmd.Process.Pid, tail(out.String(), 16<<10))
		}
	})
	return p
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}

// stop asks the process to end, as Ctrl-C does, and waits for it.
func (p *process) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, p.out.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not stop:\n%s", p.cmd.Args[1], p.out.String())
	}
}

// kill ends the process at once, as a crash would.
func (p *process) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

// dataDir is a folder the postgres user can reach: run as root, the dev
// stack's PostgreSQL runs as that user, and t.TempDir() is private to root.
func dataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		require.NoError(t, os.Chmod(d, 0o711))
	}
	return dir
}

func freePort(t *testing.T) int {
	t.Helper()
	port, err := devstack.FreePort()
	require.NoError(t, err)
	return port
}

// client speaks to the API as one demo user.
type client struct {
	t     *testing.T
	base  string
	token string
	http  *http.Client // nil: http.DefaultClient
}

func newClient(t *testing.T, base, userID string) *client {
	token, err := api.IssueToken([]byte(secret), userID, time.Hour)
	require.NoError(t, err)
	return &client{t: t, base: base, token: token}
}

// do sends a request and decodes the JSON answer into a map.
func (c *client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	r, err := c.send(method, path, body, nil)
	require.NoError(c.t, err)
	return r.status, r.body
}

// reply is an answer of the API.
type reply struct {
	status int
	header http.Header
	body   map[string]any
}

// send sends a request with extra headers and decodes the JSON answer. It
// reports failures as errors, so goroutines other than the test's may call it.
func (c *client) send(method, path string, body any, header map[string]string) (reply, error) {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return reply{}, err
		}
		r = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	hc := c.http
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	out := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			return reply{}, fmt.Errorf("%s %s: %d %q: %w", method, path, resp.StatusCode, raw, err)
		}
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: out}, nil
}

// must sends a request that has to answer want.
func (c *client) must(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	status, out := c.do(method, path, body)
	require.Equal(c.t, want, status, "%s %s: %v", method, path, out)
	return out
}

// waitReady polls /readyz until the API answers 200.
func waitReady(t *testing.T, base string, p *process) {
	t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if p.cmd.ProcessState != nil {
			t.Fatalf("exited early:\n%s", p.out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s not ready:\n%s", base, p.out.String())
}

func itemIDs(conv map[string]any) []string {
	var ids []string
	for _, it := range conv["items"].([]any) {
		item := it.(map[string]any)
		if !strings.HasPrefix(item["remaining_quantity"].(string), "0") {
			ids = append(ids, item["id"].(string))
		}
	}
	return ids
}
