package api

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/crmtest"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/worker"
	"github.com/crmconvert/crmconvert/worker/workertest"
	"github.com/crmconvert/crmconvert/workflows"
)

// temporalClient talks to the dev server all tests of the package share.
var temporalClient client.Client

func TestMain(m *testing.M) { os.Exit(run(m)) }

// run starts a headless Temporal dev server for the package's tests, and
// stops it once they have run.
func run(m *testing.M) int {
	gin.SetMode(gin.ReleaseMode)
	flag.Parse()
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		// A fuzz worker runs fuzz targets only, which need no server:
		// starting one would eat the fuzzing time.
		return m.Run()
	}
	return workertest.Run(m, func(c client.Client) { temporalClient = c })
}

// testSecret signs the tests' tokens.
var testSecret = []byte("api-test-secret")

// env is one test's API, served over HTTP, on a database of its own with
// the demo data and a worker on a task queue of its own.
type env struct {
	t    *testing.T
	db   *bun.DB
	url  string
	logs *syncBuffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, _ := crmtest.Seeded(t)
	store := crm.NewStore(db)
	queue := "api-test-" + uuid.NewString()
	w := worker.New(temporalClient, queue, store, sdkworker.Options{})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	logs := &syncBuffer{}
	srv := New(Config{JWTSecret: testSecret, TaskQueue: queue, RequestTimeout: 30 * time.Second},
		Deps{Store: store, Temporal: temporalClient, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(endConversions) // first, while the worker still runs
	return &env{t: t, db: db, url: hs.URL, logs: logs}
}

// endConversions terminates every conversion of the demo opportunities, so
// that the next test, whose database is new, starts new ones: workflow ids
// come from the demo's fixed ids.
func endConversions() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, org := range []string{demo.Acme, demo.Globex} {
		for _, opp := range []string{demo.InitechRenewal, demo.UmbrellaLab, demo.StarkPilot,
			demo.InitechRefresh, demo.StarkSupport, demo.SoylentSupply} {
			_ = temporalClient.TerminateWorkflow(ctx, workflows.WorkflowID(org, opp), "", "test over")
		}
	}
}

// token is a valid bearer token for the user.
func token(t *testing.T, userID string) string {
	t.Helper()
	tok, err := IssueToken(testSecret, userID, time.Hour)
	require.NoError(t, err)
	return tok
}

// reply is an HTTP answer, read.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// call sends a request as the user ("" for none); body is JSON-encoded
// unless it is a string, sent as it is. headers come in name, value pairs.
func (e *env) call(userID, method, path string, body any, headers ...string) *reply {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.url+path, r)
	require.NoError(e.t, err)
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if userID != "" {
		req.Header.Set("Authorization", "Bearer "+token(e.t, userID))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return &reply{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// conversion decodes a conversion body, after checking the status.
func (r *reply) conversion(t *testing.T, status int) conversionBody {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	var b conversionBody
	require.NoError(t, json.Unmarshal(r.Body, &b))
	require.Equal(t, fmt.Sprintf("%q", fmt.Sprint(b.Version)), r.Header.Get("ETag"))
	return b
}

// problem decodes a problem, after checking the status and content type.
func (r *reply) problem(t *testing.T, status int) Problem {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	require.Equal(t, problemContentType, r.Header.Get("Content-Type"))
	var p Problem
	require.NoError(t, json.Unmarshal(r.Body, &p))
	require.Equal(t, status, p.Status)
	require.NotEmpty(t, p.Title)
	require.NotEmpty(t, p.RequestID)
	require.Equal(t, r.Header.Get("X-Request-ID"), p.RequestID)
	return p
}

// fields are the fields a problem names.
func (p Problem) fields() []string {
	var fs []string
	for _, f := range p.Errors {
		fs = append(fs, f.Field)
	}
	return fs
}

// count counts rows of a table.
func (e *env) count(table string) int {
	e.t.Helper()
	n, err := e.db.NewSelect().Table(table).Count(e.t.Context())
	require.NoError(e.t, err)
	return int(n)
}

// etag is the If-Match value naming the conversion's version.
func etag(b conversionBody) string { return `"` + strconv.Itoa(b.Version) + `"` }

func conversionPath(oppID string, step ...string) string {
	return "/v1/opportunities/" + oppID + "/conversion" + strings.Join(append([]string{""}, step...), "/")
}

// syncBuffer is a bytes.Buffer that handlers of several requests may write at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
