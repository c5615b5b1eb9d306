package devstack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Where the pinned Temporal CLI comes from.
const (
	repoModule        = "github.com/crmconvert/crmconvert"
	temporalCLIPkg    = "github.com/temporalio/cli/cmd/temporal"
	temporalToolsDir  = "tools/temporal" // a Go module of its own, pinning the CLI with a tool line
	temporalBinaryOut = "bin/temporal"
)

// TemporalBinary returns the path to the Temporal CLI pinned by the
// repository: $TEMPORAL_CLI if set; else <repo>/bin/temporal if it is newer
// than <repo>/tools/temporal/go.mod; else it builds it there first, which
// takes about 3 minutes the first time. The repository is found by walking up
// from the current folder.
func TemporalBinary(ctx context.Context) (string, error) {
	if path := os.Getenv("TEMPORAL_CLI"); path != "" {
		found, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("TEMPORAL_CLI: %w", err)
		}
		return found, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", fmt.Errorf("find the Temporal CLI: %w (or set TEMPORAL_CLI to a temporal binary)", err)
	}
	binary := filepath.Join(root, temporalBinaryOut)
	modFile := filepath.Join(root, temporalToolsDir, "go.mod")
	if isNewer(binary, modFile) {
		return binary, nil
	}

	// Several test binaries may get here at once: build once, under a lock.
	if err := os.MkdirAll(filepath.Dir(binary), 0o755); err != nil {
		return "", fmt.Errorf("build the Temporal CLI: %w", err)
	}
	unlock, err := lockFile(ctx, binary+".lock")
	if err != nil {
		return "", fmt.Errorf("build the Temporal CLI: %w", err)
	}
	defer unlock()
	if isNewer(binary, modFile) { // built while we waited for the lock
		return binary, nil
	}
	if err := buildTemporal(ctx, filepath.Dir(modFile), binary); err != nil {
		return "", err
	}
	return binary, nil
}

// buildTemporal builds the CLI pinned by the module in toolsDir into binary.
func buildTemporal(ctx context.Context, toolsDir, binary string) error {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("build the Temporal CLI: %w (or set TEMPORAL_CLI to a temporal binary)", err)
	}
	slog.InfoContext(ctx, "building the pinned Temporal CLI; the first build takes about 3 minutes", "output", binary)
	start := time.Now()
	tmp := binary + ".tmp"
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", tmp, temporalCLIPkg)
	cmd.Dir = toolsDir
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("build the Temporal CLI in %s: %w\n%s", toolsDir, err, out)
	}
	if err := os.Rename(tmp, binary); err != nil {
		return fmt.Errorf("build the Temporal CLI: %w", err)
	}
	slog.InfoContext(ctx, "built the Temporal CLI", "output", binary, "took", time.Since(start).Round(time.Second))
	return nil
}

// lockFile takes an exclusive lock on path, waiting for it while ctx allows,
// and returns the function that releases it.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("wait for lock %s: %w", path, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// isNewer reports whether path exists and was modified after other.
func isNewer(path, other string) bool {
	info, err := os.Stat(path)
	if err != nil {
		return false
	}
	otherInfo, err := os.Stat(other)
	if err != nil {
		return false
	}
	return info.ModTime().After(otherInfo.ModTime())
}

// repoRoot walks up from the current folder to the one whose go.mod declares
// the crmconvert module.
func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if modulePath(filepath.Join(dir, "go.mod")) == repoModule {
			return dir, nil
		}
		if dir == filepath.Dir(dir) {
			return "", fmt.Errorf("no go.mod of module %s in %s or above", repoModule, wd)
		}
	}
}

// modulePath returns the module path declared by the go.mod file at path, or
// "" if there is none.
func modulePath(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`+"`")
		}
	}
	return ""
}
