package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
)

// healthHandler serves the worker's health checks when HEALTH_ADDR is set:
// /healthz answers while the process runs, /readyz when PostgreSQL and
// Temporal answer too (as the API's do).
func (a *app) healthHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.store.Ping(ctx); err != nil {
			http.Error(w, "postgres: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		if _, err := a.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			http.Error(w, "temporal: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// runHealth is `crmconvert health [URL]`: the container's health check,
// since the image has no shell and no curl. It GETs the URL (default: the
// API's /readyz on HTTP_ADDR) and fails unless the answer is 2xx.
func runHealth(ctx context.Context, cfg config, args []string) error {
	if len(args) > 1 {
		return errUsage
	}
	url := ""
	if len(args) == 1 {
		url = args[0]
	} else {
		_, port, err := net.SplitHostPort(cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("HTTP_ADDR %q: %w", cfg.HTTPAddr, err)
		}
		url = "http://" + net.JoinHostPort("127.0.0.1", port) + "/readyz"
	}
	return checkHealth(ctx, url, 5*time.Second)
}

func checkHealth(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return errors.New("health check: " + resp.Status + ": " + string(body))
	}
	return nil
}
