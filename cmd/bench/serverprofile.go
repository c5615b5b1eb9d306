package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

// startServerProfile samples the dev server's CPU, call stacks included,
// with Linux perf into file until stop is called. The dev server spends
// most of a step's CPU and serves no pprof of its own; its Go symbols are
// enough for perf. Read the profile with
//
//	perf report -i FILE --children --sort sym --stdio -g none
func startServerProfile(pid int, file string) (stop func() error, err error) {
	perf, err := exec.LookPath("perf")
	if err != nil {
		return nil, fmt.Errorf("-server-profile needs Linux perf (Debian's linux-perf): %w", err)
	}
	cmd := exec.Command(perf, "record", "--quiet", "-F", "499", "-g", "-p", strconv.Itoa(pid), "-o", file)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start perf: %w", err)
	}
	return func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return fmt.Errorf("stop perf: %w", err)
		}
		_ = cmd.Wait() // perf exits non-zero when interrupted; the file says whether it wrote
		if _, err := os.Stat(file); err != nil {
			return fmt.Errorf("perf wrote no profile: %w", err)
		}
		return nil
	}, nil
}
