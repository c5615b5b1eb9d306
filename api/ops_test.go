package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/crmconvert/crmconvert/crm/demo"
)

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t)
	r := e.call("", http.MethodGet, "/healthz", nil)
	assert.Equal(t, http.StatusOK, r.Status)
	r = e.call("", http.MethodGet, "/readyz", nil)
	assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	e.call(demo.Sam, http.MethodGet, "/v1/opportunities/"+demo.InitechRenewal, nil)
	e.call(demo.Sam, http.MethodGet, "/v1/nothing", nil)
	r = e.call("", http.MethodGet, "/metrics", nil)
	require.Equal(t, http.StatusOK, r.Status)
	metrics := string(r.Body)
	assert.Contains(t, metrics, `crmconvert_api_requests_total{method="GET",route="/v1/opportunities/:id",status="200"} 1`)
	assert.Contains(t, metrics, `crmconvert_api_requests_total{method="GET",route="unmatched",status="404"} 1`)
	assert.Contains(t, metrics, `crmconvert_api_request_duration_seconds_bucket{method="GET",route="/v1/opportunities/:id",status="200"`)
}

func TestRequestID(t *testing.T) {
	e := newEnv(t)
	r := e.call("", http.MethodGet, "/healthz", nil, "X-Request-ID", "trace-42")
	assert.Equal(t, "trace-42", r.Header.Get("X-Request-ID"))
	r = e.call("", http.MethodGet, "/v1/orders/"+demo.SpareWidgetsOrder, nil, "X-Request-ID", "trace-43")
	assert.Equal(t, "trace-43", r.problem(t, http.StatusUnauthorized).RequestID)
	r = e.call("", http.MethodGet, "/healthz", nil, "X-Request-ID", strings.Repeat("x", 200))
	assert.Len(t, r.Header.Get("X-Request-ID"), 36, "an unreasonable id is replaced by a UUID")
}

// downStore is a store whose database does not answer.
type downStore struct{ Store }

func (downStore) Ping(context.Context) error { return errors.New("connection refused") }

func TestReadyzNamesTheDependencyThatIsDown(t *testing.T) {
	unreachable, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	require.NoError(t, err)
	defer unreachable.Close()
	srv := New(Config{}, Deps{Store: downStore{}, Temporal: unreachable, Logger: slog.New(slog.DiscardHandler)})

	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "5", rec.Header().Get("Retry-After"))
	assert.Equal(t, problemContentType, rec.Header().Get("Content-Type"))
	assert.Contains(t, rec.Body.String(), "postgres and temporal unreachable")
}

func TestAPanicIsA500Problem(t *testing.T) {
	srv := New(Config{JWTSecret: testSecret}, Deps{Store: panickingStore{}, Logger: slog.New(slog.DiscardHandler)})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/v1/orders/"+demo.SpareWidgetsOrder, nil)
	req.Header.Set("Authorization", "Bearer "+token(t, demo.Sam))
	srv.Handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Equal(t, problemContentType, rec.Header().Get("Content-Type"))
	assert.Contains(t, rec.Body.String(), problemBase+"internal")
}

// panickingStore panics on every call.
type panickingStore struct{ Store }
