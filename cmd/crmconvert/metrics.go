package main

import (
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// sdkMetrics are the Temporal SDK's metrics (worker task slots, poll and
// task latencies, sticky cache, client requests) in a Prometheus registry
// that /metrics serves: the API's in `api` and `dev`, the health server's
// (HEALTH_ADDR) in `worker`.
type sdkMetrics struct {
	registry *prometheus.Registry
	handler  client.MetricsHandler
	closer   io.Closer
}

func newSDKMetrics() (*sdkMetrics, error) {
	registry := prometheus.NewRegistry()
	reporter := tallyprom.NewReporter(tallyprom.Options{Registerer: registry})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
	}, time.Second)
	return &sdkMetrics{
		registry: registry,
		handler:  sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope)),
		closer:   closer,
	}, nil
}
