package main

import (
	"context"
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
)

func run(ctx context.Context, o options, out io.Writer) error {
	if o.scale > 0 {
		return runScale(ctx, o, out)
	}
	users := slices.Max(o.levels)
	// Ours and ours-sdk each convert opportunities of their own: a
	// converted opportunity is won, and cannot be converted again.
	s, err := startStack(ctx, benchData(users, 2*o.conversions*len(o.levels)), o)
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
	var results []result
	for li, level := range o.levels {
		for _, mode := range o.modes {
			rec := &recorder{}
			cpuBefore, err := s.cpu.read()
			if err != nil {
				return err
			}
			start := time.Now()
			var wg sync.WaitGroup
			for u := range level {
				user := s.data.Users[u]
				first := 2 * li * o.conversions
				if mode == modeOursSDK {
					first += o.conversions
				}
				opps := s.opportunitiesOf(user.ID)[first : first+o.conversions]
				actor := conversion.User{ID: user.ID, Name: user.Name}
				token, err := api.IssueToken(benchSecret, user.ID, time.Hour)
				if err != nil {
					return err
				}
				hu := &httpUser{base: s.apiURL, token: token, client: httpClient}
				wg.Go(func() {
					for _, opp := range opps {
						var err error
						switch mode {
						case modeFloor:
							err = floorConversion(ctx, s.temporal, queueBaselines, floorWorkflow, rec)
						case modeFloorUpsert:
							err = floorConversion(ctx, s.temporal, queueBaselines, floorUpsertWorkflow, rec)
						case modePoll:
							err = pollConversion(ctx, s.temporal, queueBaselines, rec)
						case modeOursSDK:
							err = sdkConversion(ctx, s.driver, user.OrganizationID, actor, opp.ID, opp.Items[0].ID, rec)
						case modeOurs:
							err = hu.convert(ctx, opp.ID, opp.Items[0].ID, rec)
						}
						rec.done(err)
					}
				})
			}
			wg.Wait()
			r := rec.result(mode, level, time.Since(start))
			cpuAfter, err := s.cpu.read()
			if err != nil {
				return err
			}
			r.cpu = cpuAfter.minus(cpuBefore)
			fmt.Fprintf(out, "  %-12s %3d users: p50 %s ms, %.1f conversions/s, %d errors\n", mode, level, ms(r.p50), r.perSecond, r.errors)
			fmt.Fprintf(out, "  %-12s %3d users: CPU ms per step: %s\n", "", level, r.cpu.perStep(r.steps))
			switch mode {
			case modeOurs, modeOursSDK:
				fmt.Fprintf(out, "  %-12s %3d users: step p50 (ms):%s\n", "", level, rec.perStep(ourSteps))
			case modeFloor, modeFloorUpsert:
				fmt.Fprintf(out, "  %-12s %3d users: step p50 (ms):%s\n", "", level, rec.perStep(floorSteps))
			}
			results = append(results, r)
		}
	}
	printTable(out, results)
	for _, r := range results {
		if r.errors > 0 {
			return fmt.Errorf("%d errors in %s at %d users", r.errors, r.mode, r.users)
		}
	}
	return nil
}
