package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// recorder collects step latencies and counts of one mode at one level.
type recorder struct {
	mu          sync.Mutex
	steps       []time.Duration
	byStep      map[string][]time.Duration
	conversions int
	errors      int
	firstErr    error
}

func (r *recorder) step(d time.Duration) { r.named("", d) }

// named records a step's latency under its name too, for the per-step table.
func (r *recorder) named(name string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps = append(r.steps, d)
	if name != "" {
		if r.byStep == nil {
			r.byStep = map[string][]time.Duration{}
		}
		r.byStep[name] = append(r.byStep[name], d)
	}
}

// perStep is each named step's p50, in the order given.
func (r *recorder) perStep(names []string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, n := range names {
		s := slices.Clone(r.byStep[n])
		slices.Sort(s)
		fmt.Fprintf(&b, " %s %s", n, ms(percentile(s, 50)))
	}
	return b.String()
}

func (r *recorder) done(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errors++
		if r.firstErr == nil {
			r.firstErr = err
		}
		return
	}
	r.conversions++
}

// result is what one mode measured at one level.
type result struct {
	mode        string
	users       int
	p50         time.Duration
	p95         time.Duration
	p99         time.Duration
	max         time.Duration // the slowest step: one stall lowers conv/s more than any percentile shows
	perSecond   float64
	conversions int
	errors      int
	firstErr    error
	steps       int    // steps measured
	cpu         cpuUse // CPU spent by each party during the mode
	stepP50s    string // each named step's p50, for the modes that name their steps
}

func (r *recorder) result(mode string, users int, took time.Duration) result {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := slices.Clone(r.steps)
	slices.Sort(s)
	return result{
		mode: mode, users: users,
		p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: percentile(s, 100),
		perSecond:   float64(r.conversions) / took.Seconds(),
		conversions: r.conversions, errors: r.errors, firstErr: r.firstErr,
		steps: len(s),
	}
}

// stepsOf names a mode's steps for the per-step p50s, if it names them.
func stepsOf(mode string) []string {
	switch mode {
	case modeOurs, modeOursSDK, modePoll:
		return ourSteps
	case modeFloor, modeFloorUpsert:
		return floorSteps
	}
	return nil
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(i-1, len(sorted)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

// printTable prints the results and, per level, the ratios of ours to the others.
func printTable(w io.Writer, results []result) {
	fmt.Fprintf(w, "\n%-18s %6s %9s %9s %9s %9s %10s %6s %7s %12s\n", "mode", "users", "p50 ms", "p95 ms", "p99 ms", "max ms", "conv/s", "conv", "errors", "CPU ms/step")
	for _, r := range results {
		fmt.Fprintf(w, "%-18s %6d %9s %9s %9s %9s %10.2f %6d %7d %12s\n", r.mode, r.users, ms(r.p50), ms(r.p95), ms(r.p99), ms(r.max), r.perSecond, r.conversions, r.errors, r.cpuPerStep())
	}
	byKey := map[string]result{}
	var levels []int
	for _, r := range results {
		byKey[fmt.Sprint(r.mode, r.users)] = r
		if !slices.Contains(levels, r.users) {
			levels = append(levels, r.users)
		}
	}
	fmt.Fprintf(w, "\n%6s %16s %16s %16s %16s\n", "users", "ours/floor p50", "ours/floor cps", "ours/poll p50", "ours/poll cps")
	for _, u := range levels {
		ours, floor, poll := byKey[fmt.Sprint(modeOurs, u)], byKey[fmt.Sprint(modeFloor, u)], byKey[fmt.Sprint(modePoll, u)]
		fmt.Fprintf(w, "%6d %16s %16s %16s %16s\n", u, ratio(float64(ours.p50), float64(floor.p50)),
			ratio(ours.perSecond, floor.perSecond), ratio(float64(ours.p50), float64(poll.p50)), ratio(ours.perSecond, poll.perSecond))
	}
	for _, r := range results {
		if r.firstErr != nil {
			fmt.Fprintf(w, "first error of %s at %d users: %v\n", r.mode, r.users, r.firstErr)
		}
	}
}

// cpuPerStep is the CPU all parties spent per step, in milliseconds.
func (r result) cpuPerStep() string {
	if r.steps == 0 {
		return "-"
	}
	return msPerStep(r.cpu.total(), r.steps)
}

// ratio is a/b, or "-" when a mode was not run.
func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}
