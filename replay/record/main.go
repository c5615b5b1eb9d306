// Command record drives every path of the conversion workflow against a
// real Temporal dev server and PostgreSQL and writes each run's history as
// JSON, for the replay tests. Run it when the workflow changes:
//
//	go run ./replay/record -out replay/testdata/histories/<version>
//
// HISTORIES.md in package replay says when and how.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/devstack"
	"github.com/crmconvert/crmconvert/replay"
	"github.com/crmconvert/crmconvert/worker"
)

func main() {
	out := flag.String("out", "", "the folder to write the histories to (required)")
	flag.Parse()
	if *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := record(context.Background(), *out); err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		os.Exit(1)
	}
}

// stack is the servers and the worker the paths run on.
type stack struct {
	temporal *devstack.Temporal
	client   client.Client
	worker   sdkworker.Worker
}

func record(ctx context.Context, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	store, stopDB, err := database(ctx)
	if err != nil {
		return err
	}
	defer stopDB()

	main, err := startStack(ctx, store, nil)
	if err != nil {
		return err
	}
	defer main.stop()
	d := &replay.Driver{Client: main.client, TaskQueue: "record", Store: store}
	for _, p := range replay.Paths() {
		if err := recordPath(ctx, d, p.Name, p.Drive, out); err != nil {
			return err
		}
	}

	// Continue-as-new needs a server that suggests it early.
	long, err := startStack(ctx, store, map[string]string{"limit.historyCount.suggestContinueAsNew": "40"})
	if err != nil {
		return err
	}
	defer long.stop()
	return recordPath(ctx, &replay.Driver{Client: long.client, TaskQueue: "record", Store: store}, "continue-as-new", replay.LongSession, out)
}

// database starts a throwaway PostgreSQL with the demo data.
func database(ctx context.Context) (*crm.Store, func(), error) {
	dir, err := devstack.TempDir("record-*")
	if err != nil {
		return nil, nil, err
	}
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: filepath.Join(dir, "pg")})
	if err != nil {
		return nil, nil, err
	}
	stop := func() { _ = pg.Stop(context.Background()); _ = os.RemoveAll(dir) }
	db, err := crm.Open(ctx, pg.URL())
	if err != nil {
		stop()
		return nil, nil, err
	}
	data, err := crm.LoadSeed(bytes.NewReader(demo.JSON))
	if err == nil {
		err = crm.Migrate(ctx, db)
	}
	store := crm.NewStore(db)
	if err == nil {
		err = store.Seed(ctx, data)
	}
	if err != nil {
		stop()
		return nil, nil, err
	}
	return store, func() { db.Close(); stop() }, nil
}

func startStack(ctx context.Context, store *crm.Store, dynamic map[string]string) (*stack, error) {
	t, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{UIPort: -1, DynamicConfig: dynamic})
	if err != nil {
		return nil, err
	}
	s := &stack{temporal: t}
	if s.client, err = client.Dial(client.Options{HostPort: t.Address(), Logger: quietLogger()}); err != nil {
		s.stop()
		return nil, err
	}
	if err := worker.EnsureSearchAttributes(ctx, s.client, "default"); err != nil {
		s.stop()
		return nil, err
	}
	s.worker = worker.New(s.client, "record", store, sdkworker.Options{})
	if err := s.worker.Start(); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *stack) stop() {
	if s.worker != nil {
		s.worker.Stop()
	}
	if s.client != nil {
		s.client.Close()
	}
	_ = s.temporal.Stop(context.Background())
}

// recordPath drives the path, then writes the history of each of its runs,
// following continue-as-new from the first run to the last.
func recordPath(ctx context.Context, d *replay.Driver, name string, drive func(context.Context, *replay.Driver) (replay.Conversion, error), out string) error {
	c, err := drive(ctx, d)
	if err != nil {
		return fmt.Errorf("path %s: %w", name, err)
	}
	runID, err := firstRun(ctx, d.Client, c.WorkflowID)
	if err != nil {
		return err
	}
	for n := 1; runID != ""; n++ {
		history, err := fetch(ctx, d.Client, c.WorkflowID, runID)
		if err != nil {
			return err
		}
		file := name + ".json"
		if n > 1 || continued(history) != "" {
			file = fmt.Sprintf("%s-run%d.json", name, n)
		}
		raw, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(history)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, file), raw, 0o644); err != nil {
			return err
		}
		fmt.Printf("%-40s %3d events\n", file, len(history.GetEvents()))
		runID = continued(history)
	}
	return nil
}

// firstRun is the first run of the latest chain of runs of the workflow id.
func firstRun(ctx context.Context, c client.Client, workflowID string) (string, error) {
	desc, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		return "", fmt.Errorf("describe %s: %w", workflowID, err)
	}
	if first := desc.GetWorkflowExecutionInfo().GetFirstRunId(); first != "" {
		return first, nil
	}
	return desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(), nil
}

func fetch(ctx context.Context, c client.Client, workflowID, runID string) (*historypb.History, error) {
	iter := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s/%s: %w", workflowID, runID, err)
		}
		h.Events = append(h.Events, e)
	}
	if len(h.Events) == 0 {
		return nil, errors.New("empty history")
	}
	return h, nil
}

// continued is the run a history continued as new into, "" if none.
func continued(h *historypb.History) string {
	last := h.Events[len(h.Events)-1]
	return last.GetWorkflowExecutionContinuedAsNewEventAttributes().GetNewExecutionRunId()
}

func quietLogger() tlog.Logger {
	return tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}
