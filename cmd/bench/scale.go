package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmconvert/crmconvert/api"
)

// scaleUsers is how many users share the half-finished conversions.
const scaleUsers = 100

// runScale leaves o.scale conversions half-finished (started, fields
// mapped), then reports the process's memory with the worker's sticky cache
// as configured, and what listing and resuming cost at 1,000 and at o.scale
// open conversions, for one resumed from the cache and for one evicted from
// it (which the worker must replay from its history).
func runScale(ctx context.Context, o options, out io.Writer) error {
	if o.cacheSize > 0 {
		setStickyCache(o.cacheSize)
	}
	perUser := (o.scale + scaleUsers - 1) / scaleUsers
	s, err := startStack(ctx, benchData(scaleUsers, perUser), o)
	if err != nil {
		return err
	}
	defer s.close()
	fmt.Fprintf(out, "scale: %d conversions, %d users, sticky cache %s\n", o.scale, scaleUsers, cacheName(o.cacheSize))
	fmt.Fprintf(out, "memory before: %s\n", memory())

	// Longer than the API's own request timeout (a minute), so that a
	// request the API gives up on shows the API's answer.
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 2 * time.Minute}
	users := make([]*httpUser, scaleUsers)
	for i := range users {
		token, err := api.IssueToken(benchSecret, s.data.Users[i].ID, 2*time.Hour)
		if err != nil {
			return err
		}
		users[i] = &httpUser{base: s.apiURL, token: token, client: httpClient}
	}
	// Conversion n is user n%scaleUsers's (n/scaleUsers)-th opportunity.
	opp := func(n int) (string, *httpUser) {
		u := n % scaleUsers
		return s.opportunitiesOf(s.data.Users[u].ID)[n/scaleUsers].ID, users[u]
	}

	started := 0
	for _, checkpoint := range []int{min(1000, o.scale), o.scale} {
		if checkpoint <= started {
			continue
		}
		t0 := time.Now()
		retried, err := startHalfFinished(ctx, started, checkpoint, opp)
		if err != nil {
			return err
		}
		took := time.Since(t0)
		fmt.Fprintf(out, "\n%d open conversions (%d started in %s, %.0f/s; %d starts answered 503 and were sent again)\n",
			checkpoint, checkpoint-started, took.Round(time.Second), float64(checkpoint-started)/took.Seconds(), retried)
		started = checkpoint
		runtime.GC()
		fmt.Fprintf(out, "  memory: %s\n", memory())
		list, err := timeIt(20, func() error {
			return users[0].call(ctx, http.MethodGet, "/v1/conversions", nil, http.StatusOK)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  list a user's conversions (%d of them): p50 %s ms\n", checkpoint/scaleUsers, ms(list))
		oldest, u0 := opp(0)
		newest, un := opp(checkpoint - 1)
		cold, err := timeIt(1, func() error {
			return u0.call(ctx, http.MethodGet, "/v1/opportunities/"+oldest+"/conversion", nil, http.StatusOK)
		})
		if err != nil {
			return err
		}
		warm, err := timeIt(5, func() error {
			return un.call(ctx, http.MethodGet, "/v1/opportunities/"+newest+"/conversion", nil, http.StatusOK)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  resume (GET state) the oldest conversion: %s ms; the newest: p50 %s ms\n", ms(cold), ms(warm))
		step, err := timeIt(1, func() error {
			return u0.call(ctx, http.MethodPut, "/v1/opportunities/"+oldest+"/conversion/mapping", benchMapping, http.StatusOK)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  a step on the oldest conversion: %s ms\n", ms(step))
	}
	return nil
}

// startRetries is how many times a simulated user sends a start again that
// was answered 503 (the API's "try again shortly"), as a client would.
const startRetries = 2

// startHalfFinished starts conversions [from, to) and maps their fields, 32
// at a time. It returns how many starts were sent again after a 503.
func startHalfFinished(ctx context.Context, from, to int, opp func(int) (string, *httpUser)) (int, error) {
	var retried atomic.Int64
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 32 {
		wg.Go(func() {
			for {
				n := int(next.Add(1) - 1)
				if n >= to {
					return
				}
				id, u := opp(n)
				path := "/v1/opportunities/" + id + "/conversion"
				err := u.call(ctx, http.MethodPost, path, nil, http.StatusCreated)
				for try := 0; try < startRetries && errors.Is(err, errUnavailable); try++ {
					retried.Add(1)
					err = u.call(ctx, http.MethodPost, path, nil, http.StatusCreated, http.StatusOK)
				}
				if err == nil {
					err = u.call(ctx, http.MethodPut, path+"/mapping", benchMapping, http.StatusOK)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return int(retried.Load()), firstErr
}

// timeIt runs f n times and returns the median duration.
func timeIt(n int, f func() error) (time.Duration, error) {
	var ds []time.Duration
	for range n {
		t := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(t))
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}

// memory is the process's resident memory and Go heap in use.
func memory() string {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return fmt.Sprintf("RSS %d MiB, Go heap in use %d MiB", rssKiB()/1024, m.HeapInuse>>20)
}

func rssKiB() int {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	return 0
}

func cacheName(n int) string {
	if n == 0 {
		return "default (10000)"
	}
	return strconv.Itoa(n)
}
