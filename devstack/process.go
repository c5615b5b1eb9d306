package devstack

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// child is a server process started by this package, with its output
// appended to a log file.
type child struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed once the process has exited
	err     error         // the result of cmd.Wait; read it only after done is closed
}

// startChild starts cmd as user cred (nil: the current user) with its
// output appended to logPath. The process runs until it exits or is stopped;
// it is not tied to any context.
func startChild(name string, cmd *exec.Cmd, logPath string, cred *syscall.Credential) (*child, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s log: %w", name, err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childAttr(cred)

	c := &child{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// The kernel sends the parent-death signal when the thread that
		// started the child ends, not the process (go.dev/issue/27505):
		// keep this goroutine, and so its thread, alive as long as the child.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()

		err := cmd.Start()
		logFile.Close() // the child has its own copy
		started <- err
		if err != nil {
			return
		}
		c.err = cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return c, nil
}

// errExited is what exitError wraps.
var errExited = errors.New("exited")

// exitError returns a non-nil error, quoting the log, if the process has
// already exited.
func (c *child) exitError() error {
	select {
	case <-c.done:
		return fmt.Errorf("%s %w (%v)%s", c.name, errExited, c.err, logTail(c.logPath))
	default:
		return nil
	}
}

// stop sends sig and waits for the process to exit. If it has not exited
// after grace, or when ctx is done, its whole process group is killed.
// Stopping a process that has already exited does nothing.
func (c *child) stop(ctx context.Context, sig syscall.Signal, grace time.Duration) error {
	if err := c.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal %s: %w", c.name, err)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-c.done:
		return nil
	case <-timer.C:
	case <-ctx.Done():
	}
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
	return fmt.Errorf("%s did not stop on %v within %s; killed it%s", c.name, sig, grace, logTail(c.logPath))
}

// logTail returns the last lines of the log at path, formatted to end an
// error message, or "" if there is nothing to show.
func logTail(path string) string {
	const maxBytes, maxLines = 4096, 20
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	seeked := false
	if info, err := f.Stat(); err == nil && info.Size() > maxBytes {
		if _, err := f.Seek(-maxBytes, io.SeekEnd); err != nil {
			return ""
		}
		seeked = true
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return ""
	}
	if seeked { // drop the partial first line
		_, data, _ = bytes.Cut(data, []byte("\n"))
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	text := strings.Join(lines, "\n\t")
	if strings.TrimSpace(text) == "" {
		return ""
	}
	return panicOf(path) + fmt.Sprintf("\nlast lines of %s:\n\t%s", path, text)
}

// panicOf returns the start of a Go panic in the log at path, or "": the
// panic's message and first frames, which the tail of a long stack leaves out.
func panicOf(path string) string {
	const maxLines = 8
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var lines []string
	for sc.Scan() && len(lines) < maxLines {
		line := sc.Text()
		if lines == nil && !strings.HasPrefix(line, "panic: ") && !strings.HasPrefix(line, "fatal error: ") {
			continue
		}
		lines = append(lines, line)
	}
	if lines == nil {
		return ""
	}
	return fmt.Sprintf("\nthe crash in %s:\n\t%s", path, strings.Join(lines, "\n\t"))
}

func (c *child) pid() int { return c.cmd.Process.Pid }
