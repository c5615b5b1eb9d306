package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/uptrace/bun"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/crmconvert/crmconvert/api"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/devstack"
	"github.com/crmconvert/crmconvert/replay"
	"github.com/crmconvert/crmconvert/worker"
	"github.com/crmconvert/crmconvert/workflows"
)

// Task queues of the benchmark's workers.
const (
	queueOurs      = "bench-conversion"
	queueBaselines = "bench-baselines"
)

var benchSecret = []byte("bench-secret")

// stack is everything a benchmark runs against, in this process but for the
// two servers: PostgreSQL and the Temporal dev server (in memory).
type stack struct {
	db       *bun.DB
	data     *crm.SeedData
	temporal client.Client
	apiURL   string
	cpu      cpuMeter
	driver   *replay.Driver // ours-sdk's way to the conversion workflow
	stop     []func()
}

func (s *stack) close() {
	for i := len(s.stop) - 1; i >= 0; i-- {
		s.stop[i]()
	}
}

func startStack(ctx context.Context, data *crm.SeedData, o options) (*stack, error) {
	s := &stack{data: data}
	dir, err := devstack.TempDir("bench-*")
	if err != nil {
		return nil, err
	}
	s.stop = append(s.stop, func() { _ = os.RemoveAll(dir) })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// What goes wrong is worth reading: the API's and the SDK's errors go
	// to standard error (a dependency unavailable is a warning), the rest nowhere.
	problems := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: filepath.Join(dir, "pg"), Logger: quiet})
	if err != nil {
		s.close()
		return nil, err
	}
	s.stop = append(s.stop, func() { _ = pg.Stop(context.Background()) })
	s.cpu.postgres = pg.Pid()
	if s.db, err = crm.Open(ctx, pg.URL()); err != nil {
		s.close()
		return nil, err
	}
	s.stop = append(s.stop, func() { s.db.Close() })
	store := crm.NewStore(s.db)
	if err := crm.Migrate(ctx, s.db); err != nil {
		s.close()
		return nil, err
	}
	if err := store.Seed(ctx, data); err != nil {
		s.close()
		return nil, fmt.Errorf("seed: %w", err)
	}

	topts := devstack.TemporalOptions{UIPort: -1, Logger: quiet}
	if o.dbFile {
		topts.DBFile = filepath.Join(dir, "temporal.db")
	}
	srv, err := devstack.StartTemporal(ctx, topts)
	if err != nil {
		s.close()
		return nil, err
	}
	s.stop = append(s.stop, func() { _ = srv.Stop(context.Background()) })
	s.cpu.temporal = srv.Pid()
	opts := client.Options{HostPort: srv.Address(), Logger: tlog.NewStructuredLogger(problems)}
	if !o.gzip {
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	if s.temporal, err = client.Dial(opts); err != nil {
		s.close()
		return nil, err
	}
	s.stop = append(s.stop, s.temporal.Close)
	if err := worker.EnsureSearchAttributes(ctx, s.temporal, "default"); err != nil {
		s.close()
		return nil, err
	}

	// Both workers get the same options, so that tuning cannot favour ours.
	wopts := sdkworker.Options{
		WorkflowTaskPollerBehavior: worker.Pollers(o.pollers),
		ActivityTaskPollerBehavior: worker.Pollers(o.pollers),
	}
	if o.fixedPolls {
		fixed := sdkworker.NewPollerBehaviorSimpleMaximum(sdkworker.PollerBehaviorSimpleMaximumOptions{MaximumNumberOfPollers: o.pollers})
		wopts = sdkworker.Options{WorkflowTaskPollerBehavior: fixed, ActivityTaskPollerBehavior: fixed}
	}
	ours := worker.New(s.temporal, queueOurs, store, wopts)
	baselines := sdkworker.New(s.temporal, queueBaselines, wopts)
	baselines.RegisterWorkflowWithOptions(floorWorkflow, workflow.RegisterOptions{Name: "Floor"})
	baselines.RegisterWorkflowWithOptions(floorUpsertWorkflow, workflow.RegisterOptions{Name: "FloorUpsert"})
	baselines.RegisterWorkflowWithOptions(emptyPollWorkflow, workflow.RegisterOptions{Name: "EmptySignalPoll"})
	ours.RegisterWorkflowWithOptions(workflows.SignalledConversion, workflow.RegisterOptions{Name: workflows.SignalledWorkflowName})
	for _, w := range []sdkworker.Worker{ours, baselines} {
		if err := w.Start(); err != nil {
			s.close()
			return nil, err
		}
		s.stop = append(s.stop, w.Stop)
	}

	// A simulated user sends its next request as soon as the answer comes,
	// far faster than a person: the per-user limit is raised out of the way,
	// not turned off, so that its cost stays in the measure.
	handler := api.New(api.Config{JWTSecret: benchSecret, TaskQueue: queueOurs, RequestTimeout: time.Minute,
		RateLimit: 1e6, RateBurst: 1e6},
		api.Deps{Store: store, Temporal: s.temporal, Logger: problems}).Handler()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.close()
		return nil, err
	}
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	s.stop = append(s.stop, func() { _ = hs.Close() })
	s.apiURL = "http://" + ln.Addr().String()
	s.driver = &replay.Driver{Client: s.temporal, TaskQueue: queueOurs, Store: store}
	return s, nil
}

// users are the generated users, with their opportunities in order.
func (s *stack) opportunitiesOf(userID string) []crm.SeedOpportunity {
	var out []crm.SeedOpportunity
	for _, o := range s.data.Opportunities {
		if o.OwnerID == userID {
			out = append(out, o)
		}
	}
	return out
}

func benchData(users, opportunitiesPerUser int) *crm.SeedData {
	return demo.Generate(demo.Generated{Organization: "Bench", Users: users, OpportunitiesPerUser: opportunitiesPerUser})
}
