package e2e

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/workflows"
)

// The fault tests run PostgreSQL, a Temporal dev server, the API and the
// worker as separate processes, break one of them in the middle of a
// conversion, and check that the conversion still ends with exactly one
// order, its change-log entries and nothing lost. The worker that has to
// fail at an exact point of the save is testdata/faultworker.

// answer is the outcome of a request sent in the background.
type answer struct {
	r   reply
	err error
}

func sendAsync(c *client, method, path string, body any, header map[string]string) <-chan answer {
	ch := make(chan answer, 1)
	go func() {
		r, err := c.send(method, path, body, header)
		ch <- answer{r, err}
	}()
	return ch
}

// untilAnswered waits for the request sent in the background and, while it
// answers 503 (the API's deadline passed, or a server is still coming back)
// or fails to connect, sends it again with the same Idempotency-Key, as a
// client following Retry-After would: the key makes the repeat attach to
// the step already under way, or answer what it answered. It returns the
// first other answer.
func untilAnswered(t *testing.T, c *client, first <-chan answer, method, path string, body any, key string, timeout time.Duration) reply {
	t.Helper()
	deadline := time.After(timeout)
	pending := first
	for {
		var a answer
		select {
		case a = <-pending:
		case <-deadline:
			t.Fatalf("%s %s: no answer within %s", method, path, timeout)
		}
		if a.err == nil && a.r.status != http.StatusServiceUnavailable {
			return a.r
		}
		t.Logf("%s %s: %v %v; sending it again with Idempotency-Key %s", method, path, a.r.status, a.err, key)
		if a.err == nil {
			require.NotEmpty(t, a.r.header.Get("Retry-After"), "503 without Retry-After: %v", a.r.body)
		}
		time.Sleep(time.Second)
		pending = sendAsync(c, method, path, body, map[string]string{"Idempotency-Key": key})
	}
}

// orderIDs are the orders made from the opportunity, oldest first, read in PostgreSQL.
func (s *stack) orderIDs(opp string) []string {
	s.t.Helper()
	rows, err := s.sql().Query(`SELECT id::text FROM orders WHERE opportunity_id = $1 ORDER BY created_at, number`, opp)
	require.NoError(s.t, err)
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		require.NoError(s.t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(s.t, rows.Err())
	return ids
}

// saveResults are the results of the conversion's save as its history
// records them: an activity's result, or a local activity's marker.
func (s *stack) saveResults(workflowID string) []crm.SavedOrder {
	s.t.Helper()
	ctx := context.Background()
	dc := converter.GetDefaultDataConverter()
	it := s.temporal().GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	saves := map[int64]bool{}
	var results []crm.SavedOrder
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(s.t, err)
		var result *commonpb.Payloads
		switch a := e.GetAttributes().(type) {
		case *historypb.HistoryEvent_ActivityTaskScheduledEventAttributes:
			saves[e.GetEventId()] = a.ActivityTaskScheduledEventAttributes.GetActivityType().GetName() == "SaveOrder"
		case *historypb.HistoryEvent_ActivityTaskCompletedEventAttributes:
			if saves[a.ActivityTaskCompletedEventAttributes.GetScheduledEventId()] {
				result = a.ActivityTaskCompletedEventAttributes.GetResult()
			}
		case *historypb.HistoryEvent_MarkerRecordedEventAttributes:
			m := a.MarkerRecordedEventAttributes
			var data struct{ ActivityType string }
			if m.GetMarkerName() == "LocalActivity" && dc.FromPayloads(m.GetDetails()["data"], &data) == nil &&
				data.ActivityType == "SaveOrder" {
				result = m.GetDetails()["result"]
			}
		}
		if result != nil {
			var saved crm.SavedOrder
			require.NoError(s.t, dc.FromPayloads(result, &saved))
			results = append(results, saved)
		}
	}
	return results
}

// saveUnderWay says how Temporal sees a save that has not reported back: a
// started activity, or (the save as a local activity) a started workflow task.
func (s *stack) saveUnderWay(workflowID string) string {
	s.t.Helper()
	desc, err := s.temporal().DescribeWorkflowExecution(context.Background(), workflowID, "")
	require.NoError(s.t, err)
	for _, pa := range desc.GetPendingActivities() {
		if pa.GetActivityType().GetName() == "SaveOrder" && pa.GetState() == enumspb.PENDING_ACTIVITY_STATE_STARTED {
			return fmt.Sprintf("activity SaveOrder started, attempt %d", pa.GetAttempt())
		}
	}
	if wt := desc.GetPendingWorkflowTask(); wt.GetState() == enumspb.PENDING_WORKFLOW_TASK_STATE_STARTED {
		return fmt.Sprintf("workflow task started at %s, attempt %d (the save runs in it as a local activity)",
			wt.GetStartedTime().AsTime().Format(time.RFC3339Nano), wt.GetAttempt())
	}
	return ""
}

// call is one CreateOrder call of the fault worker, from FAULT_DIR/calls.
type call struct {
	at     time.Time
	result string
}

func readCalls(t *testing.T, dir string) []call {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "calls"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	var calls []call
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		ns, result, _ := strings.Cut(line, " ")
		n, err := strconv.ParseInt(ns, 10, 64)
		require.NoError(t, err, line)
		calls = append(calls, call{at: time.Unix(0, n), result: result})
	}
	return calls
}

// kill -9 of the worker after the order's transaction committed and before
// the save activity reported back: the order exists, the conversion does not
// know it. A new worker runs the save again once Temporal gives up on the
// killed one (the activity's start-to-close timeout, or the workflow task's
// timeout when the save is a local activity); it finds the order under the
// conversion key and returns it. One order, one set of change-log entries.
func TestFaultWorkerKilledAfterTheOrderCommitted(t *testing.T) {
	since := time.Now()
	s := newStack(t, stackOptions{})
	api := s.startAPI()
	faults := t.TempDir()
	faulty := s.startFaultWorker("after-commit", faults)
	sam := newClient(t, api.base, demo.Sam)
	opp := demo.InitechRenewal
	path := "/v1/opportunities/" + opp + "/conversion"
	wid := workflows.WorkflowID(demo.Acme, opp)
	walkToDraft(t, sam, opp)

	saved := sendAsync(sam, http.MethodPost, path+"/save", nil, map[string]string{"Idempotency-Key": "save-1"})
	orderID := waitFile(t, filepath.Join(faults, "committed"), 3*time.Minute)
	s.logf("the order is committed and the save holds")

	require.Equal(t, []string{orderID}, s.orderIDs(opp), "the order is committed")
	select {
	case a := <-saved:
		t.Fatalf("the save answered before it reported back: %v %v", a.r.status, a.r.body)
	default:
	}
	underWay := s.saveUnderWay(wid)
	require.NotEmpty(t, underWay, "the save is under way")
	t.Logf("killing the worker; Temporal sees: %s", underWay)

	faulty.kill() // SIGKILL: no chance to report anything
	s.startWorker()
	s.logf("worker killed, a new one started")
	r := untilAnswered(t, sam, saved, http.MethodPost, path+"/save", nil, "save-1", 4*time.Minute)
	s.logf("the save answered %d", r.status)
	require.Equal(t, http.StatusOK, r.status, "%v", r.body)
	require.Equal(t, "close_prompt", r.body["step"])
	require.Equal(t, orderID, r.body["order"].(map[string]any)["id"], "the order the first attempt wrote")
	results := s.saveResults(wid)
	require.Len(t, results, 1, "one save recorded")
	require.Equal(t, orderID, results[0].ID)
	require.False(t, results[0].Created, "the save that reported back found the order the killed one wrote")
	require.Equal(t, []string{orderID}, s.orderIDs(opp), "exactly one order")

	conv := sam.must(http.StatusOK, http.MethodPost, path+"/close-decision", map[string]any{"close": true})
	require.Equal(t, "completed", conv["step"])
	got := sam.must(http.StatusOK, http.MethodGet, "/v1/opportunities/"+opp, nil)
	require.Equal(t, "won", got["status"])
	require.Len(t, got["orders"], 1)
	rep := s.checkInvariants(demo.Acme, 1, since)
	require.Equal(t, 1, rep.Orders)
}

// PostgreSQL stops while the save activity runs (the fault worker holds the
// first save until the server is down). The save fails and is retried with
// growing intervals; the step's Update stays in flight; the API's reads of
// the database answer 503 with Retry-After, from the first request after
// the stop; once PostgreSQL is back on the same data and port, the next
// attempt saves and the conversion goes on.
func TestFaultPostgresDownDuringSave(t *testing.T) {
	since := time.Now()
	s := newStack(t, stackOptions{})
	api := s.startAPI()
	faults := t.TempDir()
	s.startFaultWorker("before-save", faults)
	sam := newClient(t, api.base, demo.Sam)
	opp := demo.UmbrellaLab
	path := "/v1/opportunities/" + opp + "/conversion"
	wid := workflows.WorkflowID(demo.Acme, opp)
	walkToDraft(t, sam, opp)

	saved := sendAsync(sam, http.MethodPost, path+"/save", nil, map[string]string{"Idempotency-Key": "save-1"})
	waitFile(t, filepath.Join(faults, "entered"), 3*time.Minute)
	s.logf("the save holds before its transaction")
	// A read just before the stop leaves the API a pooled connection that
	// PostgreSQL is about to close.
	sam.must(http.StatusOK, http.MethodGet, "/v1/opportunities/"+opp, nil)
	s.stopPostgres()
	require.NoError(t, os.WriteFile(filepath.Join(faults, "release"), nil, 0o644))

	for _, read := range []string{
		"/v1/opportunities/" + opp,
		"/v1/orders/" + demo.SpareWidgetsOrder,
		path, // the conversion lives in Temporal, but its caller is read from PostgreSQL
	} {
		r, err := sam.send(http.MethodGet, read, nil, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusServiceUnavailable, r.status, "GET %s: %v", read, r.body)
		require.NotEmpty(t, r.header.Get("Retry-After"), "GET %s", read)
		require.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
	}
	resp, err := http.Get(api.base + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

	// The save fails and is retried, each time after a longer wait.
	var calls []call
	eventually(t, 2*time.Minute, 100*time.Millisecond, func() (bool, string) {
		calls = readCalls(t, faults)
		return len(calls) >= 4, fmt.Sprintf("%d calls of CreateOrder", len(calls))
	})
	var gaps []string
	for i, c := range calls {
		require.NotEqual(t, "ok", c.result, "call %d succeeded with PostgreSQL down", i+1)
		if i > 0 {
			gaps = append(gaps, c.at.Sub(calls[i-1].at).Round(10*time.Millisecond).String())
		}
	}
	t.Logf("save retried with PostgreSQL down: %d calls, intervals %s; last error: %s", len(calls), strings.Join(gaps, ", "), calls[len(calls)-1].result)
	first, last := calls[2].at.Sub(calls[1].at), calls[len(calls)-1].at.Sub(calls[len(calls)-2].at)
	require.Greater(t, last, first, "the interval grows: backoff")
	select {
	case a := <-saved:
		require.NoError(t, a.err)
		require.Equal(t, http.StatusServiceUnavailable, a.r.status, "the save can only wait: %v", a.r.body)
		saved = sendAsync(sam, http.MethodPost, path+"/save", nil, map[string]string{"Idempotency-Key": "save-1"})
	default: // still waiting
	}
	r, err := sam.send(http.MethodGet, "/v1/opportunities/"+opp, nil, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusServiceUnavailable, r.status, "still down: %v", r.body)
	qctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	st, err := s.state(qctx, wid)
	cancel()
	if err == nil {
		t.Logf("state during the outage: step %s, saving %t, order %v", st.Step, st.Saving, st.Order)
		require.Equal(t, "draft", string(st.Step))
		require.Nil(t, st.Order)
	} else {
		t.Logf("state during the outage: no answer to the query: %v", err)
	}

	s.startPostgres() // same data folder, same port
	r = untilAnswered(t, sam, saved, http.MethodPost, path+"/save", nil, "save-1", 4*time.Minute)
	s.logf("the save answered %d", r.status)
	require.Equal(t, http.StatusOK, r.status, "%v", r.body)
	require.Equal(t, "close_prompt", r.body["step"])
	orderID := r.body["order"].(map[string]any)["id"].(string)
	require.Equal(t, []string{orderID}, s.orderIDs(opp))
	got := sam.must(http.StatusOK, http.MethodGet, "/v1/opportunities/"+opp, nil)
	require.Len(t, got["orders"], 1)

	conv := sam.must(http.StatusOK, http.MethodPost, path+"/close-decision", map[string]any{"close": false})
	require.Equal(t, "completed", conv["step"])
	require.Equal(t, "open", sam.must(http.StatusOK, http.MethodGet, "/v1/opportunities/"+opp, nil)["status"])
	s.checkInvariants(demo.Acme, 1, since)
}

// The Temporal dev server, keeping its state in a file, is stopped and
// started again mid-conversion, twice: between two steps, and with a step
// sent while it is down. The API and the worker keep running and
// reconnect; the conversion is where it was, with what was entered, and the
// step sent during the restart is applied exactly once.
func TestFaultTemporalRestartedMidConversion(t *testing.T) {
	since := time.Now()
	s := newStack(t, stackOptions{temporalFile: true})
	api := s.startAPI()
	s.startWorker()
	sam := newClient(t, api.base, demo.Sam)
	opp := demo.InitechRenewal
	path := "/v1/opportunities/" + opp + "/conversion"
	walkToDraft(t, sam, opp)
	before := sam.must(http.StatusOK, http.MethodPatch, path+"/draft", map[string]any{"notes": "Deliver to dock 4"})

	s.stopTemporal()
	r, err := sam.send(http.MethodGet, path, nil, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusServiceUnavailable, r.status, "%v", r.body)
	require.NotEmpty(t, r.header.Get("Retry-After"))
	sam.must(http.StatusOK, http.MethodGet, "/v1/opportunities/"+opp, nil) // PostgreSQL still answers
	s.startTemporal()
	waitReady(t, api.base, api.proc)
	s.logf("the API is ready again")

	var conv map[string]any
	eventually(t, 2*time.Minute, 250*time.Millisecond, func() (bool, string) {
		r, err := sam.send(http.MethodGet, path, nil, nil)
		if err != nil || r.status != http.StatusOK {
			return false, fmt.Sprint(r.status, r.body, err)
		}
		conv = r.body
		return true, ""
	})
	s.logf("the conversion answers again")
	require.Equal(t, "draft", conv["step"], "resumed where it was")
	require.Equal(t, before["version"], conv["version"])
	require.Equal(t, before["draft"], conv["draft"], "the draft is kept, notes and lines")

	// A step sent while the server is down waits in the API (the client
	// retries unavailable calls) until the server is back, or until the
	// API's deadline, and then goes again with its Idempotency-Key.
	s.stopTemporal()
	edit := map[string]any{"delivery_date": "2027-02-01"}
	key := map[string]string{"Idempotency-Key": "edit-delivery"}
	inFlight := sendAsync(sam, http.MethodPatch, path+"/draft", edit, key)
	s.startTemporal()
	r = untilAnswered(t, sam, inFlight, http.MethodPatch, path+"/draft", edit, "edit-delivery", 3*time.Minute)
	s.logf("the step sent while Temporal was down answered %d", r.status)
	require.Equal(t, http.StatusOK, r.status, "%v", r.body)
	require.Equal(t, before["version"].(float64)+1, r.body["version"], "applied exactly once")
	header := r.body["draft"].(map[string]any)["header"].(map[string]any)
	require.Equal(t, "2027-02-01", header["delivery_date"])
	require.Equal(t, "Deliver to dock 4", header["notes"])

	conv = sam.must(http.StatusOK, http.MethodPost, path+"/save", nil)
	require.Equal(t, "close_prompt", conv["step"])
	conv = sam.must(http.StatusOK, http.MethodPost, path+"/close-decision", map[string]any{"close": true})
	require.Equal(t, "completed", conv["step"])
	require.Len(t, s.orderIDs(opp), 1)
	s.checkInvariants(demo.Acme, 1, since)
}

// The API process is restarted between the steps, gracefully and with
// kill -9: it keeps no state of its own, so the conversion is where it was,
// and an Idempotency-Key sent to the old process answers the same from the
// new one.
func TestFaultAPIRestartedBetweenSteps(t *testing.T) {
	since := time.Now()
	s := newStack(t, stackOptions{})
	api := s.startAPI()
	s.startWorker()
	sam := newClient(t, api.base, demo.Sam)
	opp := demo.InitechRenewal
	path := "/v1/opportunities/" + opp + "/conversion"
	withKey := func(want int, method, p, key string, body any) map[string]any {
		t.Helper()
		r, err := sam.send(method, p, body, map[string]string{"Idempotency-Key": key})
		require.NoError(t, err)
		require.Equal(t, want, r.status, "%s %s: %v", method, p, r.body)
		return r.body
	}

	withKey(http.StatusCreated, http.MethodPost, path, "open-1", nil)
	mapped := withKey(http.StatusOK, http.MethodPut, path+"/mapping", "map-1", mapping)
	require.Equal(t, "products", mapped["step"])

	api.restart(false)
	conv := sam.must(http.StatusOK, http.MethodGet, path, nil)
	require.Equal(t, "products", conv["step"])
	require.Equal(t, mapped["version"], conv["version"])
	require.Equal(t, mapped["mapping"], conv["mapping"], "the mapping is kept")
	again := withKey(http.StatusOK, http.MethodPut, path+"/mapping", "map-1", mapping)
	require.Equal(t, mapped["version"], again["version"], "the same key answers the same, not a second step")
	conv = sam.must(http.StatusOK, http.MethodPost, path, nil)
	require.Equal(t, "products", conv["step"], "starting again resumes")

	picked := withKey(http.StatusOK, http.MethodPut, path+"/items", "items-1", map[string]any{"items": picks(conv, "2")})
	require.Equal(t, "draft", picked["step"])
	api.restart(true)
	conv = sam.must(http.StatusOK, http.MethodGet, path, nil)
	require.Equal(t, "draft", conv["step"])
	require.Equal(t, picked["items"], conv["items"], "the picked quantities are kept")

	edited := withKey(http.StatusOK, http.MethodPatch, path+"/draft", "draft-1", map[string]any{"notes": "Call before delivery"})
	api.restart(true)
	conv = sam.must(http.StatusOK, http.MethodGet, path, nil)
	require.Equal(t, edited["draft"], conv["draft"])

	saved := withKey(http.StatusOK, http.MethodPost, path+"/save", "save-1", nil)
	require.Equal(t, "close_prompt", saved["step"])
	api.restart(false)
	again = withKey(http.StatusOK, http.MethodPost, path+"/save", "save-1", nil)
	require.Equal(t, saved["order"], again["order"], "the repeated save names the same order")
	require.Equal(t, saved["version"], again["version"])

	conv = sam.must(http.StatusOK, http.MethodPost, path+"/close-decision", map[string]any{"close": true})
	require.Equal(t, "completed", conv["step"])
	api.restart(true)
	got := sam.must(http.StatusOK, http.MethodGet, "/v1/opportunities/"+opp, nil)
	require.Equal(t, "won", got["status"])
	require.Len(t, got["orders"], 1)
	s.checkInvariants(demo.Acme, 1, since)
}
