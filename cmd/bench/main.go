// Command bench measures what a conversion step costs, side by side in one
// run on one machine: (a) the floor, a minimal workflow answering the same
// number of Updates straight through the SDK client; (b) the same
// conversion's steps as signals, each followed by polling a query until the
// state shows it; (c) ours, whole conversions through the HTTP API with JWT,
// PostgreSQL and the real workflow, ending with the order saved and the
// close prompt answered. BENCHMARKS.md gives the method and the figures.
//
//	go run ./cmd/bench                      levels 1, 8, 32
//	go run ./cmd/bench -smoke               a few seconds, as CI runs it
//	go run ./cmd/bench -scale 10000         memory and resume at scale
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// The modes, as the table names them.
const (
	modeFloor = "floor"
	modePoll  = "signal+poll"
	modeOurs  = "ours"
	// Three rungs, run only when asked for: the floor plus one
	// search-attribute upsert per step; the signal-and-poll pattern with
	// nothing behind its steps; our workflow driven through the SDK client
	// instead of the API.
	modeFloorUpsert = "floor+upsert"
	modeEmptyPoll   = "signal+poll-empty"
	modeOursSDK     = "ours-sdk"
)

// defaultModes are the three modes; allModes adds the rungs.
var (
	defaultModes = []string{modeFloor, modePoll, modeOurs}
	allModes     = []string{modeFloor, modeFloorUpsert, modeEmptyPoll, modePoll, modeOursSDK, modeOurs}
)

// converting are the modes that convert opportunities of the CRM, each
// its own: a converted opportunity is won and cannot be converted again.
var converting = []string{modeOurs, modeOursSDK, modePoll}

type options struct {
	levels      []int
	modes       []string
	conversions int // per user and level
	rounds      int // each level's conversions run in this many rounds of every mode
	scale       int
	cacheSize   int
	pollers     int
	fixedPolls  bool
	dbFile      bool
	cpuProfile  string
	serverProf  string
	gzip        bool
}

func main() {
	gin.SetMode(gin.ReleaseMode)
	var o options
	levels := flag.String("levels", "1,8,32", "concurrent users, comma-separated")
	modes := flag.String("modes", strings.Join(defaultModes, ","), "the modes to run, comma-separated (the ratios need all three)")
	flag.IntVar(&o.conversions, "conversions", 10, "conversions per user at each level")
	flag.IntVar(&o.rounds, "rounds", 5, "run each level's conversions in this many rounds of every mode in turn")
	smoke := flag.Bool("smoke", false, "a seconds-long run: levels 1,2 with 2 conversions each")
	flag.IntVar(&o.scale, "scale", 0, "instead: leave this many conversions half-finished and measure memory and resuming")
	flag.IntVar(&o.cacheSize, "cache", 0, "with -scale: the worker's sticky workflow cache size (0: the SDK's default)")
	flag.BoolVar(&o.dbFile, "db-file", false, "keep the dev server's state in a file, as crmconvert dev does, instead of in memory")
	flag.IntVar(&o.pollers, "pollers", 0, "the most pollers of each worker and task type, autoscaling (0: the SDK's maximum)")
	flag.BoolVar(&o.fixedPolls, "fixed-pollers", false, "poll as the SDK does by default instead (-pollers of each kind, 0: 2), for comparison")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run")
	flag.StringVar(&o.serverProf, "server-profile", "", "write a perf profile of the dev server while the modes run (needs Linux perf)")
	flag.BoolVar(&o.gzip, "gzip", false, "compress gRPC requests, as the SDK does by default (crmconvert dev does not, on loopback)")
	flag.Parse()
	if *smoke {
		*levels, o.conversions = "1,2", 2
	}
	for _, l := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "bench: -levels takes positive numbers")
			os.Exit(2)
		}
		o.levels = append(o.levels, n)
	}
	for _, m := range strings.Split(*modes, ",") {
		if !slices.Contains(allModes, m) {
			fmt.Fprintf(os.Stderr, "bench: no mode %q; the modes are %s\n", m, strings.Join(allModes, ", "))
			os.Exit(2)
		}
		o.modes = append(o.modes, m)
	}
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
