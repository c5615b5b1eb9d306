package main

import (
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
)

// cpuMeter reads the CPU time used so far by the three parties of a run: the
// Temporal dev server, PostgreSQL (server and backends) and this process
// (workers, API and the simulated users). Two readings around a mode say
// where its CPU went, which latencies alone cannot on a machine whose cores
// all three share.
type cpuMeter struct {
	temporal, postgres int // process ids; PostgreSQL's backends are children of its server
}

// cpuUse is CPU time (user and system) per party.
type cpuUse struct {
	temporal, postgres, bench time.Duration
}

func (m cpuMeter) read() (cpuUse, error) {
	var u cpuUse
	procs, err := procfs.AllProcs()
	if err != nil {
		return u, fmt.Errorf("list processes: %w", err)
	}
	for _, p := range procs {
		st, err := p.Stat()
		if err != nil {
			continue // exited meanwhile
		}
		d := time.Duration(st.CPUTime() * float64(time.Second))
		switch {
		case st.PID == m.temporal || st.PPID == m.temporal:
			u.temporal += d
		case st.PID == m.postgres || st.PPID == m.postgres:
			u.postgres += d
		}
	}
	var self syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		return u, fmt.Errorf("read this process's CPU time: %w", err)
	}
	u.bench = time.Duration(self.Utime.Nano() + self.Stime.Nano())
	return u, nil
}

func (u cpuUse) minus(v cpuUse) cpuUse {
	return cpuUse{temporal: u.temporal - v.temporal, postgres: u.postgres - v.postgres, bench: u.bench - v.bench}
}

func (u cpuUse) plus(v cpuUse) cpuUse {
	return cpuUse{temporal: u.temporal + v.temporal, postgres: u.postgres + v.postgres, bench: u.bench + v.bench}
}

func (u cpuUse) total() time.Duration { return u.temporal + u.postgres + u.bench }

// msPerStep is d spread over steps, in milliseconds.
func msPerStep(d time.Duration, steps int) string {
	return fmt.Sprintf("%.2f", d.Seconds()*1000/float64(steps))
}

// perStep is the CPU each party spent per step, in milliseconds.
func (u cpuUse) perStep(steps int) string {
	if steps == 0 {
		return "-"
	}
	per := func(d time.Duration) string { return msPerStep(d, steps) }
	return fmt.Sprintf("temporal %s, postgres %s, bench process %s, total %s",
		per(u.temporal), per(u.postgres), per(u.bench), per(u.total()))
}

// idleWindow is how long printIdleCPU watches the stack doing nothing.
const idleWindow = 2 * time.Second

// settle waits, up to a limit, until the dev server has finished what it
// does after its start (about two seconds of creating its system
// workflows and records), so that no mode pays for it: measured first, the
// floor would.
func settle(m cpuMeter) error {
	const window, quiet, limit = 500 * time.Millisecond, 25 * time.Millisecond, 15 * time.Second
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); {
		before, err := m.read()
		if err != nil {
			return err
		}
		time.Sleep(window)
		after, err := m.read()
		if err != nil {
			return err
		}
		if after.minus(before).temporal <= quiet {
			return nil
		}
	}
	return nil // a busy machine: go on, the idle figure will say so
}

// printIdleCPU prints what the stack uses per second when no one works, to
// set against the CPU per step of a mode.
func printIdleCPU(m cpuMeter, out io.Writer) error {
	if err := settle(m); err != nil {
		return err
	}
	before, err := m.read()
	if err != nil {
		return err
	}
	time.Sleep(idleWindow)
	after, err := m.read()
	if err != nil {
		return err
	}
	idle := after.minus(before)
	per := func(d time.Duration) string { return fmt.Sprintf("%.0f", d.Seconds()*1000/idleWindow.Seconds()) }
	fmt.Fprintf(out, "idle CPU ms per second: temporal %s, postgres %s, bench process %s\n",
		per(idle.temporal), per(idle.postgres), per(idle.bench))
	return nil
}
