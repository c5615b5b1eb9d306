package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/crmconvert/crmconvert/api"
	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
)

func run(ctx context.Context, o options, out io.Writer) (err error) {
	if o.scale > 0 {
		return runScale(ctx, o, out)
	}
	users := slices.Max(o.levels)
	// Each converting mode has opportunities of its own at each level, and
	// one more to warm up with.
	perLevel := o.opportunitiesPerLevel()
	s, err := startStack(ctx, benchData(users, perLevel*len(o.levels)+len(converting)), o)
	if err != nil {
		return err
	}
	defer s.close()
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(out, "bench: levels %v, %d conversions per user per level, %d steps each\n", o.levels, o.conversions, stepsPerConversion)
	if err := printIdleCPU(s.cpu, out); err != nil {
		return err
	}

	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: time.Minute}
	// Each simulated user signs in once, as a salesperson would.
	speakers := map[string]*httpUser{}
	for _, u := range s.data.Users[:users] {
		token, err := api.IssueToken(benchSecret, u.ID, time.Hour)
		if err != nil {
			return err
		}
		speakers[u.ID] = &httpUser{base: s.apiURL, token: token, client: httpClient}
	}
	// One conversion of each mode first, not measured: the first use of a
	// task queue and of a workflow type costs the server more than the rest.
	warm := s.data.Users[0]
	warmOpps := s.opportunitiesOf(warm.ID)[perLevel*len(o.levels):]
	for _, mode := range o.modes {
		opp := warmOpps[slot(mode)]
		if err := s.convert(ctx, mode, warm, opp, speakers[warm.ID], &recorder{}); err != nil {
			return fmt.Errorf("warm up %s: %w", mode, err)
		}
	}
	if o.serverProf != "" {
		stop, err := startServerProfile(s.cpu.temporal, o.serverProf)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, stop()) }()
	}
	var results []result
	for li, level := range o.levels {
		rs, err := s.runLevel(ctx, o, li, level, speakers)
		if err != nil {
			return err
		}
		for _, r := range rs {
			fmt.Fprintf(out, "  %-17s %3d users: p50 %s ms, %.1f conversions/s, %d errors\n", r.mode, level, ms(r.p50), r.perSecond, r.errors)
			fmt.Fprintf(out, "  %-17s %3d users: CPU ms per step: %s\n", "", level, r.cpu.perStep(r.steps))
			if r.stepP50s != "" {
				fmt.Fprintf(out, "  %-17s %3d users: step p50 (ms):%s\n", "", level, r.stepP50s)
			}
		}
		results = append(results, rs...)
	}
	printTable(out, results)
	for _, r := range results {
		if r.errors > 0 {
			return fmt.Errorf("%d errors in %s at %d users", r.errors, r.mode, r.users)
		}
	}
	return nil
}

// runLevel runs every mode with level simulated users, each converting
// o.conversions times, in rounds: each round runs every mode in turn for a
// share of the conversions, starting one mode later than the round before.
// The dev server slows down a little as its tables fill, and the first mode
// after another pays for the switch; rounds spread both over all modes
// instead of charging them to the last one or the first.
func (s *stack) runLevel(ctx context.Context, o options, li, level int, speakers map[string]*httpUser) ([]result, error) {
	rounds := max(1, min(o.rounds, o.conversions))
	recs := make([]recorder, len(o.modes))
	took := make([]time.Duration, len(o.modes))
	cpu := make([]cpuUse, len(o.modes))
	for round := range rounds {
		from, to := round*o.conversions/rounds, (round+1)*o.conversions/rounds
		for i := range o.modes {
			m := (i + round) % len(o.modes)
			mode, rec := o.modes[m], &recs[m]
			before, err := s.cpu.read()
			if err != nil {
				return nil, err
			}
			start := time.Now()
			var wg sync.WaitGroup
			for u := range level {
				user := s.data.Users[u]
				first := li*o.opportunitiesPerLevel() + slot(mode)*o.conversions
				opps := s.opportunitiesOf(user.ID)[first+from : first+to]
				wg.Go(func() {
					for _, opp := range opps {
						rec.done(s.convert(ctx, mode, user, opp, speakers[user.ID], rec))
					}
				})
			}
			wg.Wait()
			took[m] += time.Since(start)
			after, err := s.cpu.read()
			if err != nil {
				return nil, err
			}
			cpu[m] = cpu[m].plus(after.minus(before))
		}
	}
	results := make([]result, len(o.modes))
	for m, mode := range o.modes {
		results[m] = recs[m].result(mode, level, took[m])
		results[m].cpu = cpu[m]
		if names := stepsOf(mode); names != nil {
			results[m].stepP50s = recs[m].perStep(names)
		}
	}
	return results, nil
}

// opportunitiesPerLevel is how many opportunities each user needs per
// level: o.conversions for each converting mode.
func (o options) opportunitiesPerLevel() int { return len(converting) * o.conversions }

// slot is the place of mode's opportunities among the converting modes';
// a mode that converts none gets the first, and leaves it alone.
func slot(mode string) int { return max(0, slices.Index(converting, mode)) }

// convert runs one conversion of the mode as user, of opp where the mode
// converts an opportunity; hu is the user speaking to the API.
func (s *stack) convert(ctx context.Context, mode string, user crm.SeedUser, opp crm.SeedOpportunity, hu *httpUser, rec *recorder) error {
	switch mode {
	case modeFloor:
		return floorConversion(ctx, s.temporal, queueBaselines, floorWorkflow, rec)
	case modeFloorUpsert:
		return floorConversion(ctx, s.temporal, queueBaselines, floorUpsertWorkflow, rec)
	case modeEmptyPoll:
		return emptyPollConversion(ctx, s.temporal, queueBaselines, rec)
	case modePoll:
		actor := conversion.User{ID: user.ID, Name: user.Name}
		return signalledConversion(ctx, s.temporal, s.driver.Store, queueOurs, user.OrganizationID, actor, opp.ID, opp.Items[0].ID, rec)
	case modeOursSDK:
		actor := conversion.User{ID: user.ID, Name: user.Name}
		return sdkConversion(ctx, s.driver, user.OrganizationID, actor, opp.ID, opp.Items[0].ID, rec)
	case modeOurs:
		return hu.convert(ctx, opp.ID, opp.Items[0].ID, rec)
	}
	return fmt.Errorf("no mode %q", mode)
}
