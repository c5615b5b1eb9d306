package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/devstack"
)

// The production shape: migrate, seed, then the API and the worker as two
// processes against PostgreSQL and Temporal. The worker is killed between
// two steps; the next step waits for a new worker and completes on it.
func TestSeparateProcessesSurviveAWorkerCrash(t *testing.T) {
	ctx := context.Background()
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: filepath.Join(dataDir(t), "pg")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	bin, err := devstack.TemporalBinary(ctx)
	require.NoError(t, err)
	tmp, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{Binary: bin, UIPort: -1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = tmp.Stop(context.Background()) })

	httpPort := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	env := []string{
		"DATABASE_URL=" + pg.URL(), "TEMPORAL_ADDRESS=" + tmp.Address(), "AUTH_JWT_SECRET=" + secret,
		fmt.Sprintf("HTTP_ADDR=127.0.0.1:%d", httpPort), "LOG_FORMAT=json",
	}
	seedFile := filepath.Join(t.TempDir(), "demo.json")
	require.NoError(t, os.WriteFile(seedFile, demo.JSON, 0o644))
	for _, args := range [][]string{{"migrate"}, {"seed", "--file", seedFile}, {"seed", "--file", seedFile}} {
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%v: %s", args, out)
	}

	apiProc := start(t, env, "api")
	worker := start(t, env, "worker")
	waitReady(t, base, apiProc)

	sam := newClient(t, base, demo.Sam)
	opp := demo.InitechRenewal
	path := "/v1/opportunities/" + opp + "/conversion"
	sam.must(http.StatusCreated, http.MethodPost, path, nil)
	conv := sam.must(http.StatusOK, http.MethodPut, path+"/mapping", mapping)

	worker.kill()
	items := []map[string]string{}
	for _, id := range itemIDs(conv) {
		items = append(items, map[string]string{"opportunity_item_id": id, "quantity": "1"})
	}
	answered := make(chan map[string]any, 1)
	go func() {
		status, body := sam.do(http.MethodPut, path+"/items", map[string]any{"items": items})
		body["_status"] = status
		answered <- body
	}()
	time.Sleep(2 * time.Second) // the step waits: no worker polls the task queue
	select {
	case got := <-answered:
		t.Fatalf("answered without a worker: %v", got)
	default:
	}
	healthPort := freePort(t)
	start(t, append(env, fmt.Sprintf("HEALTH_ADDR=127.0.0.1:%d", healthPort)), "worker")
	select {
	case got := <-answered:
		require.Equal(t, http.StatusOK, got["_status"], "%v", got)
		require.Equal(t, "draft", got["step"])
	case <-time.After(60 * time.Second):
		t.Fatal("the step did not complete on the new worker")
	}
	conv = sam.must(http.StatusOK, http.MethodPost, path+"/save", nil)
	require.Equal(t, "close_prompt", conv["step"])
	conv = sam.must(http.StatusOK, http.MethodPost, path+"/close-decision", map[string]any{"close": false})
	require.Equal(t, "completed", conv["step"])
	orders := sam.must(http.StatusOK, http.MethodGet, "/v1/opportunities/"+opp, nil)["orders"].([]any)
	require.Len(t, orders, 1, "exactly one order")

	// Both processes serve Prometheus metrics: the API's requests and the
	// SDK's client metrics on the API, the SDK's worker metrics on the worker.
	apiMetrics := get(t, base+"/metrics")
	require.Contains(t, apiMetrics, `crmconvert_api_requests_total{method="POST",route="/v1/opportunities/:id/conversion/save",status="200"} 1`)
	require.Contains(t, apiMetrics, "temporal_request_latency")
	workerMetrics := get(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", healthPort))
	require.Contains(t, workerMetrics, "temporal_worker_task_slots_available")
	require.Contains(t, workerMetrics, "temporal_workflow_task_execution_latency")
	apiProc.stop(t)
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(raw)
}
