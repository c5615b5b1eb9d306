package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	sdkclient "go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/devstack"
	"github.com/crmconvert/crmconvert/workflows"
)

// stack is the servers of one test, PostgreSQL and a Temporal dev server, on
// ports of their own, with the database migrated and the demo data loaded.
// The test runs crmconvert's api and worker on it as processes, and stops
// and restarts the servers on the same data and ports.
type stack struct {
	t        *testing.T
	dir      string
	pgOpts   devstack.PostgresOptions
	pg       *devstack.Postgres
	tmpOpts  devstack.TemporalOptions
	tmp      *devstack.Temporal
	env      []string
	tc       sdkclient.Client
	db       *sql.DB
	pgMu     sync.Mutex // guards pg and tmp against the cleanup
	stopOnce sync.Once
	began    time.Time
}

type stackOptions struct {
	// temporalFile keeps the dev server's state in a file, so that it
	// survives a restart of the server; else it is in memory.
	temporalFile bool
	// seeds are data files loaded after the demo data.
	seeds [][]byte
}

// quiet discards the Temporal client's and devstack's logs.
var quiet = slog.New(slog.DiscardHandler)

func newStack(t *testing.T, opts stackOptions) *stack {
	t.Helper()
	dir := dataDir(t)
	s := &stack{
		t:       t,
		began:   time.Now(),
		dir:     dir,
		pgOpts:  devstack.PostgresOptions{Dir: filepath.Join(dir, "pg"), Port: freePort(t), Logger: quiet},
		tmpOpts: devstack.TemporalOptions{Port: freePort(t), UIPort: -1, Logger: quiet},
	}
	if opts.temporalFile {
		s.tmpOpts.DBFile = filepath.Join(dir, "temporal.db")
	}
	ctx := context.Background()
	bin, err := devstack.TemporalBinary(ctx)
	require.NoError(t, err)
	s.tmpOpts.Binary = bin
	t.Cleanup(s.stop)
	s.startPostgres()
	s.startTemporal()
	s.env = []string{
		"DATABASE_URL=" + s.pg.URL(), "TEMPORAL_ADDRESS=" + s.tmp.Address(), "AUTH_JWT_SECRET=" + secret,
		"LOG_LEVEL=info",
	}
	s.run("migrate")
	for i, data := range append([][]byte{demo.JSON}, opts.seeds...) {
		file := filepath.Join(dir, fmt.Sprintf("seed-%d.json", i))
		require.NoError(t, os.WriteFile(file, data, 0o644))
		s.run("seed", "--file", file)
	}
	s.logf("PostgreSQL and Temporal up, migrated and seeded")
	return s
}

// logf logs a step of the test with the time since the stack started, so
// that a slow run shows where its time went.
func (s *stack) logf(format string, args ...any) {
	s.t.Helper()
	s.t.Logf("%6.1fs %s", time.Since(s.began).Seconds(), fmt.Sprintf(format, args...))
}

// timed runs f and logs how long it took.
func (s *stack) timed(what string, f func()) {
	s.t.Helper()
	start := time.Now()
	f()
	s.logf("%s (%.1fs)", what, time.Since(start).Seconds())
}

// run runs a crmconvert command to its end.
func (s *stack) run(args ...string) {
	s.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), s.env...)
	out, err := cmd.CombinedOutput()
	require.NoError(s.t, err, "crmconvert %v: %s", args, out)
}

func (s *stack) stop() {
	s.stopOnce.Do(func() {
		if s.tc != nil {
			s.tc.Close()
		}
		if s.db != nil {
			s.db.Close()
		}
		s.pgMu.Lock()
		defer s.pgMu.Unlock()
		ctx := context.Background()
		if s.tmp != nil {
			_ = s.tmp.Stop(ctx)
		}
		if s.pg != nil {
			_ = s.pg.Stop(ctx)
		}
	})
}

// startPostgres starts PostgreSQL on the stack's data folder and port.
func (s *stack) startPostgres() {
	s.t.Helper()
	start, again := time.Now(), s.pg != nil
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg, err := devstack.StartPostgres(ctx, s.pgOpts)
	require.NoError(s.t, err)
	s.pgMu.Lock()
	s.pg = pg
	s.pgMu.Unlock()
	if again {
		s.logf("PostgreSQL started again (%.1fs)", time.Since(start).Seconds())
	}
}

// stopPostgres shuts PostgreSQL down (fast mode: it disconnects its clients).
func (s *stack) stopPostgres() {
	s.t.Helper()
	s.timed("PostgreSQL stopped", func() { require.NoError(s.t, s.pg.Stop(context.Background())) })
}

// startTemporal starts the dev server on the stack's port (and file).
func (s *stack) startTemporal() {
	s.t.Helper()
	start, again := time.Now(), s.tmp != nil
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tmp, err := devstack.StartTemporal(ctx, s.tmpOpts)
	require.NoError(s.t, err)
	s.pgMu.Lock()
	s.tmp = tmp
	s.pgMu.Unlock()
	if again {
		s.logf("Temporal started again (%.1fs)", time.Since(start).Seconds())
	}
}

func (s *stack) stopTemporal() {
	s.t.Helper()
	s.timed("Temporal stopped", func() { require.NoError(s.t, s.tmp.Stop(context.Background())) })
}

// temporal is a client of the dev server, for what the API does not show:
// pending activities, the results of ended runs.
func (s *stack) temporal() sdkclient.Client {
	s.t.Helper()
	if s.tc == nil {
		c, err := sdkclient.Dial(sdkclient.Options{HostPort: s.tmp.Address(), Logger: tlog.NewStructuredLogger(quiet)})
		require.NoError(s.t, err)
		s.tc = c
	}
	return s.tc
}

// sql is the CRM's database, for the checks the API cannot make.
func (s *stack) sql() *sql.DB {
	s.t.Helper()
	if s.db == nil {
		cfg, err := pgx.ParseConfig(s.pg.URL())
		require.NoError(s.t, err)
		s.db = stdlib.OpenDB(*cfg)
	}
	return s.db
}

// apiProcess is `crmconvert api` on a port that stays the same across restarts.
type apiProcess struct {
	s    *stack
	env  []string
	base string
	proc *process
}

// startAPI starts `crmconvert api` with extra environment and waits until it is ready.
func (s *stack) startAPI(env ...string) *apiProcess {
	s.t.Helper()
	port := freePort(s.t)
	a := &apiProcess{
		s:    s,
		env:  append(append([]string{fmt.Sprintf("HTTP_ADDR=127.0.0.1:%d", port)}, s.env...), env...),
		base: fmt.Sprintf("http://127.0.0.1:%d", port),
	}
	a.start()
	return a
}

func (a *apiProcess) start() {
	a.s.t.Helper()
	a.proc = start(a.s.t, a.env, "api")
	waitReady(a.s.t, a.base, a.proc)
}

// restart stops the API, gracefully or with kill -9, and starts it again.
func (a *apiProcess) restart(kill bool) {
	a.s.t.Helper()
	start, how := time.Now(), "stopped"
	if kill {
		a.proc.kill()
		how = "killed"
	} else {
		a.proc.stop(a.s.t)
	}
	a.start()
	a.s.logf("API %s and ready again (%.1fs)", how, time.Since(start).Seconds())
}

// startWorker starts `crmconvert worker`.
func (s *stack) startWorker(env ...string) *process {
	s.t.Helper()
	return start(s.t, append(append([]string{}, s.env...), env...), "worker")
}

var faultWorker struct {
	once sync.Once
	path string
	err  error
}

// startFaultWorker starts the worker of testdata/faultworker, whose first
// save stops at the point mode names and says so in a file of dir.
func (s *stack) startFaultWorker(mode, dir string) *process {
	s.t.Helper()
	faultWorker.once.Do(func() {
		faultWorker.path = filepath.Join(filepath.Dir(binary), "faultworker")
		out, err := exec.Command("go", "build", "-o", faultWorker.path, "./testdata/faultworker").CombinedOutput()
		if err != nil {
			faultWorker.err = fmt.Errorf("build the fault worker: %w\n%s", err, out)
		}
	})
	require.NoError(s.t, faultWorker.err)
	env := append(append([]string{}, s.env...), "FAULT_MODE="+mode, "FAULT_DIR="+dir)
	return startProgram(s.t, faultWorker.path, env)
}

// state queries a conversion's state from Temporal directly.
func (s *stack) state(ctx context.Context, workflowID string) (conversion.State, error) {
	var st conversion.State
	v, err := s.temporal().QueryWorkflow(ctx, workflowID, "", workflows.QueryState)
	if err == nil {
		err = v.Get(&st)
	}
	return st, err
}

// eventually polls cond every interval until it holds, and fails the test
// with cond's last word if it does not within timeout.
func eventually(t *testing.T, timeout, interval time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", timeout, why)
		}
		time.Sleep(interval)
	}
}

// waitFile waits until the file exists and returns its content.
func waitFile(t *testing.T, path string, timeout time.Duration) string {
	t.Helper()
	var data []byte
	eventually(t, timeout, 20*time.Millisecond, func() (bool, string) {
		var err error
		data, err = os.ReadFile(path)
		return err == nil, fmt.Sprint(err)
	})
	return string(data)
}

// walkToDraft starts the conversion of opp as the client's user and takes it
// through mapping and products (one of each item that remains) to the draft.
func walkToDraft(t *testing.T, c *client, opp string) map[string]any {
	t.Helper()
	path := "/v1/opportunities/" + opp + "/conversion"
	conv := c.must(http.StatusCreated, http.MethodPost, path, nil)
	require.Equal(t, "mapping", conv["step"])
	conv = c.must(http.StatusOK, http.MethodPut, path+"/mapping", mapping)
	require.Equal(t, "products", conv["step"])
	conv = c.must(http.StatusOK, http.MethodPut, path+"/items", map[string]any{"items": picks(conv, "1")})
	require.Equal(t, "draft", conv["step"])
	return conv
}

// picks picks the given quantity of each item of the conversion that has some left.
func picks(conv map[string]any, quantity string) []map[string]string {
	var items []map[string]string
	for _, id := range itemIDs(conv) {
		items = append(items, map[string]string{"opportunity_item_id": id, "quantity": quantity})
	}
	return items
}
