package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// Time limits for the Temporal dev server to start and to stop.
const (
	temporalStartTimeout = 60 * time.Second
	temporalStopGrace    = 10 * time.Second
)

// TemporalOptions configure StartTemporal.
type TemporalOptions struct {
	// Binary is the path to the `temporal` CLI. Default: TemporalBinary.
	Binary string
	// DBFile is the SQLite file that keeps the server's state across runs.
	// "" keeps it in memory: it is lost when the server stops.
	DBFile string
	// Port is the gRPC port on 127.0.0.1. 0 picks a free port.
	Port int
	// UIPort is the Web UI's port on 127.0.0.1. 0 picks a free port;
	// -1 runs without the UI.
	UIPort int
	// Namespace is created at start. Default "default", which always exists.
	Namespace string
	// SearchAttributes are registered in the namespace: name to type, one of
	// Text, Keyword, Int, Double, Bool, Datetime, KeywordList.
	SearchAttributes map[string]string
	// DynamicConfig sets server settings by key, as --dynamic-config-value
	// does (values in YAML: 50, true, "text"); tests use it to make limits small.
	DynamicConfig map[string]string
	// LogLevel is the server's: debug, info, warn, error or never.
	// Default "error".
	LogLevel string
	// Logger receives progress messages. Default slog.Default().
	Logger *slog.Logger
}

// Temporal is a running Temporal dev server started by StartTemporal.
type Temporal struct {
	port    int
	uiPort  int // 0 when headless
	proc    *child
	tempLog bool // the log is a temporary file, removed by Stop
}

// devServerSettings are the dev server's settings that differ from the
// Temporal server's defaults, which suit a cluster rather than one process
// with one history shard.
//
// Queue reads: each shard reads its queues of internal tasks at most 20
// times a second by default (history.*ProcessorMaxPollRPS), which a
// cluster of hundreds of shards never notices; with one shard for
// everything, a new workflow's first workflow task and every signal's,
// which go out through the transfer queue, waited about 25 ms for its next
// read once the first few dozen workflows had used up the burst, and
// visibility writes about 30 ms.
//
// One write partition: a task queue has four partitions by default, to
// spread its matching over hosts. A task written to a partition where no
// poll waits must be forwarded to one where a poll does, and now and then
// that took two seconds: a new workflow's first workflow task scheduled and
// started 2.0 s later, in most benchmark runs at 8 users, none in eight
// with one partition. Tasks are written to one partition; polls still read
// all four, so that tasks an earlier run of the same data file left in the
// others are still taken (fewer read partitions would strand them).
func devServerSettings() map[string]string {
	return map[string]string{
		"history.transferProcessorMaxPollRPS":   "1000",
		"history.timerProcessorMaxPollRPS":      "1000",
		"history.visibilityProcessorMaxPollRPS": "1000",
		"matching.numTaskqueueWritePartitions":  "1",
	}
}

// dynamicConfig is the dev server's settings: devServerSettings, and
// those the caller sets, which win.
func dynamicConfig(set map[string]string) map[string]string {
	out := devServerSettings()
	maps.Copy(out, set)
	return out
}

// StartTemporal runs `temporal server start-dev` and waits until it answers
// health checks and has opts.SearchAttributes. Its output goes to
// DBFile+".log", or to a temporary file when the server runs in memory.
// ctx bounds the start only; the server runs until Stop.
func StartTemporal(ctx context.Context, opts TemporalOptions) (*Temporal, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	t, err := startTemporal(ctx, opts)
	if errors.Is(err, errExited) && opts.Port == 0 {
		// The dev server has been seen to die while it built itself (a
		// panic under temporal.NewServer, once in a CI run of many, not
		// reproduced since): one more start, on fresh ports, rather than a
		// failed caller; the log keeps the crash.
		opts.Logger.Warn("Temporal dev server died while starting; starting it again", "error", err)
		t, err = startTemporal(ctx, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("start Temporal: %w", err)
	}
	return t, nil
}

func startTemporal(ctx context.Context, opts TemporalOptions) (*Temporal, error) {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "error"
	}
	attrs, err := parseSearchAttributes(opts.SearchAttributes)
	if err != nil {
		return nil, err
	}
	if opts.Binary == "" {
		if opts.Binary, err = TemporalBinary(ctx); err != nil {
			return nil, err
		}
	}
	t := &Temporal{port: opts.Port, uiPort: opts.UIPort}
	if t.port == 0 {
		if t.port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	switch {
	case t.uiPort < 0:
		t.uiPort = 0
	case t.uiPort == 0:
		if t.uiPort, err = FreePort(); err != nil {
			return nil, err
		}
	}

	args := []string{"server", "start-dev",
		"--ip", "127.0.0.1",
		"--port", strconv.Itoa(t.port),
		"--log-level", opts.LogLevel,
	}
	if t.uiPort == 0 {
		args = append(args, "--headless")
	} else {
		args = append(args, "--ui-port", strconv.Itoa(t.uiPort))
	}
	if opts.Namespace != "default" { // the CLI always adds "default"; naming it twice fails
		args = append(args, "--namespace", opts.Namespace)
	}
	for _, name := range slices.Sorted(maps.Keys(opts.SearchAttributes)) {
		args = append(args, "--search-attribute", name+"="+opts.SearchAttributes[name])
	}
	dynamic := dynamicConfig(opts.DynamicConfig)
	for _, key := range slices.Sorted(maps.Keys(dynamic)) {
		args = append(args, "--dynamic-config-value", key+"="+dynamic[key])
	}
	storageArgs, logPath, tempLog, err := temporalStorage(opts.DBFile)
	if err != nil {
		return nil, err
	}
	args = append(args, storageArgs...)
	t.tempLog = tempLog

	if t.proc, err = startChild("Temporal dev server", exec.Command(opts.Binary, args...), logPath, nil); err != nil {
		if tempLog {
			os.Remove(logPath)
		}
		return nil, err
	}
	if err := t.setUp(ctx, opts.Namespace, attrs); err != nil {
		_ = t.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	opts.Logger.Info("Temporal dev server started", "address", t.Address(), "ui", t.UIURL(), "namespace", opts.Namespace, "log", logPath)
	return t, nil
}

// Address returns the server's gRPC address, 127.0.0.1:PORT, for
// client.Options.HostPort.
func (t *Temporal) Address() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(t.port))
}

// UIURL returns the Web UI's address, http://127.0.0.1:PORT, or "" when the
// server runs without it.
func (t *Temporal) UIURL() string {
	if t.uiPort == 0 {
		return ""
	}
	return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(t.uiPort))
}

// Stop sends the server SIGTERM and waits for it to exit. A server still
// running after 10 seconds, or when ctx is done, is killed. Stopping a
// stopped server does nothing.
func (t *Temporal) Stop(ctx context.Context) error {
	if err := t.proc.stop(ctx, syscall.SIGTERM, temporalStopGrace); err != nil {
		return fmt.Errorf("stop Temporal: %w", err)
	}
	if t.tempLog {
		os.Remove(t.proc.logPath)
	}
	return nil
}

// temporalStorage returns the arguments that make the server keep its state
// in dbFile, and the path of the log: dbFile+".log", or a new temporary file
// (temp) when the state is kept in memory.
func temporalStorage(dbFile string) (args []string, logPath string, temp bool, err error) {
	if dbFile == "" {
		f, err := os.CreateTemp("", "temporal-dev-*.log")
		if err != nil {
			return nil, "", false, fmt.Errorf("create log: %w", err)
		}
		f.Close()
		return nil, f.Name(), true, nil
	}
	dbFile, err = filepath.Abs(dbFile)
	if err != nil {
		return nil, "", false, err
	}
	if err := os.MkdirAll(filepath.Dir(dbFile), 0o755); err != nil {
		return nil, "", false, fmt.Errorf("create folder of database file: %w", err)
	}
	return []string{"--db-filename", dbFile}, dbFile + ".log", false, nil
}

// setUp waits until the server answers health checks, then registers the
// search attributes it lacks: a database file created by an earlier run has
// only the search attributes of that run.
func (t *Temporal) setUp(ctx context.Context, namespace string, attrs map[string]enumspb.IndexedValueType) error {
	ctx, cancel := context.WithTimeout(ctx, temporalStartTimeout)
	defer cancel()

	c, err := t.dial(ctx, namespace)
	if err != nil {
		return err
	}
	defer c.Close()

	ops := c.OperatorService()
	list, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of namespace %q: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, want := range attrs {
		got, ok := list.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = want
		case got != want:
			return fmt.Errorf("search attribute %s has type %v in the server's database, not %v", name, got, want)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: missing})
	if err != nil {
		return fmt.Errorf("add search attributes to namespace %q: %w", namespace, err)
	}
	return nil
}

// dial connects to the server as soon as it answers health checks, until
// ctx is done or the server exits.
func (t *Temporal) dial(ctx context.Context, namespace string) (client.Client, error) {
	quiet := sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	for {
		c, err := t.dialOnce(ctx, client.Options{HostPort: t.Address(), Namespace: namespace, Logger: quiet})
		if err == nil {
			return c, nil
		}
		if exitErr := t.proc.exitError(); exitErr != nil {
			return nil, exitErr
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for the Temporal dev server on %s: %w (last error: %v)%s", t.Address(), ctx.Err(), err, logTail(t.proc.logPath))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// dialOnce connects and checks the server's health, giving up after a few seconds.
func (t *Temporal) dialOnce(ctx context.Context, opts client.Options) (client.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, err
	}
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// parseSearchAttributes checks the types of search attributes given by name.
func parseSearchAttributes(attrs map[string]string) (map[string]enumspb.IndexedValueType, error) {
	parsed := make(map[string]enumspb.IndexedValueType, len(attrs))
	for name, typ := range attrs {
		v, err := enumspb.IndexedValueTypeFromString(typ)
		if err != nil || v == enumspb.INDEXED_VALUE_TYPE_UNSPECIFIED {
			return nil, fmt.Errorf("search attribute %s: unknown type %q (want Text, Keyword, Int, Double, Bool, Datetime or KeywordList)", name, typ)
		}
		parsed[name] = v
	}
	return parsed, nil
}

// Pid is the process id of the dev server, for tools that account for the
// CPU it uses.
func (t *Temporal) Pid() int { return t.proc.pid() }
