package devstack

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

func TestPostgresKeepsDataAcrossRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	ctx := t.Context()
	opts := PostgresOptions{Dir: postgresDataDir(t), Database: "devstack_test", Logger: testLogger(t)}

	pg := startTestPostgres(t, opts)
	var one int
	queryRow(t, pg.URL(), "SELECT 1", &one)
	if one != 1 {
		t.Fatalf("SELECT 1 = %d", one)
	}
	execSQL(t, pg.URL(), "CREATE TABLE survivors (name text)")
	execSQL(t, pg.URL(), "INSERT INTO survivors VALUES ('first run')")
	firstURL := pg.URL()
	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	pg = startTestPostgres(t, opts)
	if pg.URL() != firstURL {
		t.Errorf("URL after restart = %s, want %s as before", pg.URL(), firstURL)
	}
	var name string
	queryRow(t, pg.URL(), "SELECT name FROM survivors", &name)
	if name != "first run" {
		t.Errorf("row after restart = %q, want %q", name, "first run")
	}
}

func TestPostgresRestartsAfterBeingKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	opts := PostgresOptions{Dir: postgresDataDir(t), Logger: testLogger(t)}
	pg := startTestPostgres(t, opts)
	execSQL(t, pg.URL(), "CREATE TABLE survivors (name text)")
	execSQL(t, pg.URL(), "INSERT INTO survivors VALUES ('killed run')")

	// As if the test binary had been killed: postmaster.pid stays behind.
	if err := syscall.Kill(-pg.proc.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-pg.proc.done

	pg = startTestPostgres(t, opts)
	var name string
	queryRow(t, pg.URL(), "SELECT name FROM survivors", &name)
	if name != "killed run" {
		t.Errorf("row after restart = %q, want %q", name, "killed run")
	}
}

func TestPostgresRefusesASecondServerOnTheSameDir(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	opts := PostgresOptions{Dir: postgresDataDir(t), Logger: testLogger(t)}
	startTestPostgres(t, opts)
	second, err := StartPostgres(t.Context(), opts)
	if err == nil {
		second.Stop(context.Background())
		t.Fatal("a second server started on the same data folder")
	}
	t.Log(err)
}

func TestTemporal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the Temporal dev server")
	}
	ctx := t.Context()
	binary, err := TemporalBinary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tp, err := StartTemporal(ctx, TemporalOptions{
		Binary:           binary,
		UIPort:           -1,
		SearchAttributes: map[string]string{"CrmTest": "Keyword"},
		Logger:           testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tp.Stop(context.Background()) })
	t.Logf("Temporal dev server ready in %s", time.Since(start).Round(time.Millisecond))
	if tp.UIURL() != "" {
		t.Errorf("UIURL() = %q for a headless server", tp.UIURL())
	}

	c, err := client.Dial(client.Options{
		HostPort: tp.Address(),
		Logger:   sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Fatal(err)
	}
	attrs, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if got := attrs.GetCustomAttributes()["CrmTest"]; got != enumspb.INDEXED_VALUE_TYPE_KEYWORD {
		t.Errorf("search attribute CrmTest has type %v, want Keyword", got)
	}

	if err := tp.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if conn, err := net.Dial("tcp", tp.Address()); err == nil {
		conn.Close()
		t.Errorf("%s still answers after Stop", tp.Address())
	}
}

func TestTemporalAddsSearchAttributesToAnExistingDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the Temporal dev server")
	}
	ctx := t.Context()
	opts := TemporalOptions{
		DBFile:           filepath.Join(t.TempDir(), "temporal.db"),
		UIPort:           -1,
		Namespace:        "crm",
		SearchAttributes: map[string]string{"CrmFirst": "Keyword"},
		Logger:           testLogger(t),
	}
	tp, err := StartTemporal(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := tp.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	opts.SearchAttributes = map[string]string{"CrmFirst": "Keyword", "CrmSecond": "Int"}
	tp, err = StartTemporal(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tp.Stop(context.Background()) })
	c, err := client.Dial(client.Options{
		HostPort: tp.Address(),
		Logger:   sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	attrs, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "crm"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]enumspb.IndexedValueType{
		"CrmFirst":  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"CrmSecond": enumspb.INDEXED_VALUE_TYPE_INT,
	} {
		if got := attrs.GetCustomAttributes()[name]; got != want {
			t.Errorf("search attribute %s has type %v, want %v", name, got, want)
		}
	}
}

func TestNewestVersion(t *testing.T) {
	got := newestVersion([]string{
		"/usr/lib/postgresql/9.6/bin/initdb",
		"/usr/lib/postgresql/15/bin/initdb",
		"/usr/lib/postgresql/13/bin/initdb",
	})
	if want := "/usr/lib/postgresql/15/bin/initdb"; got != want {
		t.Errorf("newestVersion = %s, want %s", got, want)
	}
}

// postgresDataDir returns a data folder for a test's PostgreSQL. Run as root,
// StartPostgres runs the server as the postgres user, who must be able to
// enter every folder above the data folder; t.TempDir's folders
// (/tmp/TestName123/001) are created 0700 by root, so let others traverse
// (not list) them.
func postgresDataDir(t *testing.T) string {
	tmp := t.TempDir()
	for _, dir := range []string{filepath.Dir(tmp), tmp} {
		if err := os.Chmod(dir, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(tmp, "pg")
}

// startTestPostgres starts PostgreSQL and stops it when the test ends.
func startTestPostgres(t *testing.T, opts PostgresOptions) *Postgres {
	t.Helper()
	start := time.Now()
	pg, err := StartPostgres(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("PostgreSQL ready in %s", time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := pg.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return pg
}

// execSQL runs a statement in a connection of its own.
func execSQL(t *testing.T, url, sql string) {
	t.Helper()
	conn := connect(t, url)
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// queryRow runs a query in a connection of its own and scans its row into dest.
func queryRow(t *testing.T, url, sql string, dest ...any) {
	t.Helper()
	conn := connect(t, url)
	defer conn.Close(context.Background())
	if err := conn.QueryRow(t.Context(), sql).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

// The dev server reads its single shard's queues more often than a
// cluster's shards do by default, and writes each task queue's tasks to one
// partition; settings the caller gives win.
func TestDynamicConfigSuitsOneProcessUnlessTold(t *testing.T) {
	got := dynamicConfig(nil)
	for _, key := range []string{"history.transferProcessorMaxPollRPS", "history.timerProcessorMaxPollRPS", "history.visibilityProcessorMaxPollRPS"} {
		if got[key] != "1000" {
			t.Errorf("%s = %q, want 1000", key, got[key])
		}
	}
	if got["matching.numTaskqueueWritePartitions"] != "1" || got["matching.numTaskqueueReadPartitions"] != "" {
		t.Errorf("task queue partitions: %v; want one written, the default read", got)
	}
	got = dynamicConfig(map[string]string{"history.transferProcessorMaxPollRPS": "20", "limit.maxIDLength": "100"})
	if got["history.transferProcessorMaxPollRPS"] != "20" || got["limit.maxIDLength"] != "100" || got["history.timerProcessorMaxPollRPS"] != "1000" {
		t.Errorf("dynamicConfig with settings = %v", got)
	}
}

// A dev server that dies while it starts is started once more: here a
// wrapper of the CLI crashes the first time it runs, as the dev server once
// did in CI, and the second start comes up. The crash is logged, quoted.
func TestTemporalStartsAgainAfterACrashAtStart(t *testing.T) {
	ctx := t.Context()
	binary, err := TemporalBinary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	crashed := filepath.Join(dir, "crashed")
	wrapper := filepath.Join(dir, "temporal")
	script := "#!/bin/sh\nif [ ! -e " + crashed + " ]; then touch " + crashed + "; echo 'panic: boom' >&2; exit 2; fi\nexec " + binary + " \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	tp, err := StartTemporal(ctx, TemporalOptions{Binary: wrapper, UIPort: -1, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tp.Stop(context.Background()) })
	if _, err := os.Stat(crashed); err != nil {
		t.Fatalf("the first start did not run the wrapper: %v", err)
	}
	if !strings.Contains(logged.String(), "starting it again") || !strings.Contains(logged.String(), "panic: boom") {
		t.Errorf("the crash is not logged with its panic:\n%s", logged.String())
	}
}
