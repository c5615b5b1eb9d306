package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/crmtest"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/devstack"
	"github.com/crmconvert/crmconvert/workflows"
)

// TestInFlightUpdateLimitAnswers429 fills a conversion's in-flight Updates
// (the limit made 2 on a dev server of its own; a workflow no worker runs,
// so Updates stay in flight) and checks that one more step answers 429 with
// Retry-After at once when the client is dialled with TemporalDialOptions,
// and that without them the SDK would retry until the request's deadline (503).
func TestInFlightUpdateLimitAnswers429(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal dev server of its own")
	}
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	srv, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{UIPort: -1, Logger: quiet,
		DynamicConfig: map[string]string{"history.maxInFlightUpdates": "2"}})
	require.NoError(t, err)
	defer srv.Stop(context.Background())
	dial := func(withLimits bool) client.Client {
		opts := client.Options{HostPort: srv.Address(), Logger: sdklog.NewStructuredLogger(quiet)}
		if withLimits {
			opts.ConnectionOptions.DialOptions = TemporalDialOptions()
		}
		c, err := client.Dial(opts)
		require.NoError(t, err)
		t.Cleanup(c.Close)
		return c
	}
	final, plain := dial(true), dial(false)

	db, _ := crmtest.Seeded(t)
	serve := func(tc client.Client, timeout time.Duration) string {
		s := New(Config{JWTSecret: testSecret, TaskQueue: "unused", RequestTimeout: timeout},
			Deps{Store: crm.NewStore(db), Temporal: tc, Logger: quiet})
		hs := httptest.NewServer(s.Handler())
		t.Cleanup(hs.Close)
		return hs.URL
	}
	withLimits, withoutLimits := serve(final, 4*time.Second), serve(plain, 2*time.Second)

	wid := workflows.WorkflowID(demo.Acme, demo.InitechRenewal)
	_, err = final.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wid, TaskQueue: "nobody-" + uuid.NewString()},
		workflows.WorkflowName, workflows.Input{})
	require.NoError(t, err)
	defer func() { _ = final.TerminateWorkflow(context.Background(), wid, "", "test over") }()

	back := func(base string) (*http.Response, time.Duration) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+conversionPath(demo.InitechRenewal, "back"), nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token(t, demo.Sam))
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp, time.Since(start)
	}
	var wg sync.WaitGroup
	held := make([]int, 2)
	for i := range held {
		wg.Go(func() {
			resp, _ := back(withLimits)
			held[i] = resp.StatusCode
		})
	}
	time.Sleep(time.Second) // both admitted: the conversion's in-flight limit is reached

	resp, took := back(withLimits)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Less(t, took, time.Second, "answered at once, not after the request timeout")

	resp, took = back(withoutLimits)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "without TemporalDialOptions the SDK retries until the deadline")
	assert.GreaterOrEqual(t, took, 2*time.Second)

	wg.Wait()
	for _, status := range held {
		assert.Contains(t, []int{http.StatusServiceUnavailable, http.StatusTooManyRequests}, status,
			"a held step times out (or found the limit reached already)")
	}
	assert.Contains(t, held, http.StatusServiceUnavailable, "at least one step was held in flight")
}
