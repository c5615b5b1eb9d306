package web_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/crmconvert/crmconvert/api"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/crmtest"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/worker"
	"github.com/crmconvert/crmconvert/worker/workertest"
	"github.com/crmconvert/crmconvert/workflows"
)

// temporalClient talks to the Temporal dev server the package's tests share.
var temporalClient client.Client

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	gin.SetMode(gin.ReleaseMode)
	return workertest.Run(m, func(c client.Client) { temporalClient = c })
}

// testSecret signs the tests' tokens.
var testSecret = []byte("web-test-secret")

// stack is one test's real service: a database of its own with the demo
// data, a worker on a task queue of its own, and the API (pages included,
// with the development sign-in) over HTTP.
type stack struct {
	t     *testing.T
	url   string
	store *crm.Store
	queue string

	mu     sync.Mutex
	worker sdkworker.Worker
}

// newStack starts a stack as `crmconvert dev` serves it, with the
// development sign-in; configure changes its API's configuration.
func newStack(t *testing.T, configure ...func(*api.Config)) *stack {
	t.Helper()
	db, _ := crmtest.Seeded(t)
	s := &stack{t: t, store: crm.NewStore(db), queue: "web-test-" + uuid.NewString()}
	s.startWorker()
	t.Cleanup(s.stopWorker)
	cfg := api.Config{
		JWTSecret: testSecret, TaskQueue: s.queue, RequestTimeout: 30 * time.Second,
		RateLimit: -1, DevSignIn: true,
	}
	for _, f := range configure {
		f(&cfg)
	}
	srv := api.New(cfg, api.Deps{Store: s.store, Temporal: temporalClient, Logger: slog.New(slog.DiscardHandler)})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(endConversions) // runs first, while the worker still runs
	s.url = hs.URL
	return s
}

func (s *stack) startWorker() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	w := worker.New(temporalClient, s.queue, s.store, sdkworker.Options{})
	if err := w.Start(); err != nil {
		s.t.Fatalf("start worker: %v", err)
	}
	s.worker = w
}

func (s *stack) stopWorker() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.worker != nil {
		s.worker.Stop()
		s.worker = nil
	}
}

// restartWorker stops the worker and starts a new one on the same task
// queue, as a deploy does: the conversions wait meanwhile.
func (s *stack) restartWorker() {
	s.t.Helper()
	s.stopWorker()
	s.startWorker()
}

// endConversions terminates the demo opportunities' conversions, so that
// the next test, whose database is new, starts new ones: workflow ids come
// from the demo's fixed ids.
func endConversions() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, opp := range []string{demo.InitechRenewal, demo.UmbrellaLab, demo.StarkPilot, demo.InitechRefresh, demo.StarkSupport} {
		_ = temporalClient.TerminateWorkflow(ctx, workflows.WorkflowID(demo.Acme, opp), "", "test over")
	}
}
