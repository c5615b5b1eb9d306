package devstack

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestChildDiesWithCaller kills a program that started a child with
// startChild, and checks that the kernel killed the child too.
func TestChildDiesWithCaller(t *testing.T) {
	if os.Getenv("DEVSTACK_TEST_CALLER") == "1" {
		// The killed program: start a child, tell its pid, wait to be killed.
		proc, err := startChild("sleep", exec.Command("sleep", "300"), os.DevNull, nil)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("child=%d\n", proc.cmd.Process.Pid)
		time.Sleep(time.Minute)
		return
	}

	caller := exec.Command(os.Args[0], "-test.run=^TestChildDiesWithCaller$")
	caller.Env = append(os.Environ(), "DEVSTACK_TEST_CALLER=1")
	out, err := caller.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := caller.Start(); err != nil {
		t.Fatal(err)
	}
	childPID := 0
	for lines := bufio.NewScanner(out); childPID == 0 && lines.Scan(); {
		if pid, ok := strings.CutPrefix(lines.Text(), "child="); ok {
			childPID, _ = strconv.Atoi(pid)
		}
	}
	if childPID == 0 {
		caller.Process.Kill()
		caller.Wait()
		t.Fatal("the caller did not report its child")
	}
	caller.Process.Kill()
	caller.Wait()

	for deadline := time.Now().Add(5 * time.Second); isAlive(childPID); {
		if time.Now().After(deadline) {
			syscall.Kill(childPID, syscall.SIGKILL)
			t.Fatalf("child %d still runs after its caller was killed", childPID)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// isAlive reports whether process pid exists and is not a zombie, which it
// stays until reaped by a PID 1 that may never do it in a container.
func isAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}
