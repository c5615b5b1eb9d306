package devstack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Files this package keeps in a PostgreSQL data folder, next to the cluster's.
const (
	pgPortFile = "port"         // the port of the last run, reused when no port is asked for
	pgLogFile  = "postgres.log" // the server's output
)

// prepareDataDir creates dir if missing, gives it to cred's user and
// restricts it to that user, as postgres requires of its data folder.
func prepareDataDir(dir string, cred *syscall.Credential) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("create parent of data folder: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create data folder: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("restrict data folder: %w", err)
	}
	return chownTree(dir, cred)
}

// hasCluster reports whether initdb has already run in dir.
func hasCluster(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "PG_VERSION"))
	return err == nil
}

// clearStalePID removes the postmaster.pid that a killed server left in dir,
// since postgres refuses to start if the pid in it now belongs to another of
// its user's processes. It fails if that server is in fact still running.
func clearStalePID(dir string) error {
	path := filepath.Join(dir, "postmaster.pid")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	firstLine, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(firstLine))
	if err == nil && pid < 0 { // a single-user server writes its pid negated
		pid = -pid
	}
	if err == nil && pid > 0 && isPostgresRunning(pid) {
		return fmt.Errorf("PostgreSQL is already running on %s (pid %d): stop it first (pg_ctl stop -D %s)", dir, pid, dir)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove stale %s: %w", path, err)
	}
	return nil
}

// touch creates the file at path if missing.
func touch(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return f.Close()
}

// isPostgresRunning reports whether process pid exists and, where /proc tells,
// is a postgres: after a reboot the pid may belong to an unrelated process.
func isPostgresRunning(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return true
	}
	return strings.TrimSpace(string(comm)) == "postgres"
}

// choosePort returns want if set, else the port of the last run on dir if it
// is still free, else a free port.
func choosePort(dir string, want int) (int, error) {
	if want != 0 {
		return want, nil
	}
	if data, err := os.ReadFile(filepath.Join(dir, pgPortFile)); err == nil {
		if port, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && isPortFree(port) {
			return port, nil
		}
	}
	return FreePort()
}

// savePort records port in dir for the next run.
func savePort(dir string, port int) error {
	path := filepath.Join(dir, pgPortFile)
	if err := os.WriteFile(path, []byte(strconv.Itoa(port)+"\n"), 0o600); err != nil {
		return fmt.Errorf("save port: %w", err)
	}
	return nil
}

// socketDir returns the folder for the server's unix socket: dir itself, or
// "" (no socket; clients use TCP) when the socket's path would be longer than
// the 107 bytes the kernel allows.
func socketDir(dir string, port int) string {
	const maxSocketPath = 107
	if len(filepath.Join(dir, ".s.PGSQL."+strconv.Itoa(port))) > maxSocketPath {
		return ""
	}
	return dir
}
