package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the API's Prometheus metrics, in a registry of its own so that
// two servers in one process never clash.
type metrics struct {
	registry *prometheus.Registry
	// extra are other metrics served beside the API's (the SDK's); may be nil.
	extra    prometheus.Gatherer
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(extra prometheus.Gatherer) *metrics {
	m := &metrics{
		extra:    extra,
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmconvert_api_requests_total",
			Help: "HTTP requests answered, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crmconvert_api_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route template, method and status.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method", "status"}),
	}
	m.registry.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(route, method string, status int, took time.Duration) {
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(route, method, code).Inc()
	m.latency.WithLabelValues(route, method, code).Observe(took.Seconds())
}

func (m *metrics) handler() http.Handler {
	gatherers := prometheus.Gatherers{m.registry}
	if m.extra != nil {
		gatherers = append(gatherers, m.extra)
	}
	return promhttp.HandlerFor(gatherers, promhttp.HandlerOpts{Registry: m.registry})
}
