package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/uptrace/bun"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/crmconvert/crmconvert/api"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/worker"
)

// app is the service's parts wired together: the one place that holds them.
type app struct {
	cfg      config
	logger   *slog.Logger
	db       *bun.DB
	store    *crm.Store
	temporal client.Client
	metrics  *sdkMetrics
}

func connect(ctx context.Context, cfg config, logger *slog.Logger) (*app, error) {
	db, err := crm.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	metrics, err := newSDKMetrics()
	if err != nil {
		db.Close()
		return nil, err
	}
	tc, err := dialTemporal(cfg.Temporal, logger, metrics.handler)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &app{cfg: cfg, logger: logger, db: db, store: crm.NewStore(db), temporal: tc, metrics: metrics}, nil
}

func (a *app) close() {
	a.temporal.Close()
	_ = a.metrics.closer.Close()
	a.db.Close()
}

// startWorker starts polling the task queue; stop it with Stop, which lets
// the tasks it runs finish.
func (a *app) startWorker(ctx context.Context) (sdkworker.Worker, error) {
	if err := worker.EnsureSearchAttributes(ctx, a.temporal, a.cfg.Temporal.Namespace); err != nil {
		return nil, err
	}
	w := worker.New(a.temporal, a.cfg.Temporal.TaskQueue, a.store, workerOptions(a.cfg))
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker on task queue %s: %w", a.cfg.Temporal.TaskQueue, err)
	}
	a.logger.Info("worker started", "task_queue", a.cfg.Temporal.TaskQueue, "namespace", a.cfg.Temporal.Namespace)
	return w, nil
}

// workerOptions are the worker's tuning knobs from the configuration. On
// Stop the worker stops polling at once and gives the tasks it runs up to
// ShutdownTimeout to finish before it cancels their contexts.
func workerOptions(cfg config) sdkworker.Options {
	return sdkworker.Options{
		WorkerStopTimeout:                      cfg.ShutdownTimeout,
		MaxConcurrentActivityExecutionSize:     cfg.Worker.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize: cfg.Worker.MaxConcurrentWorkflowTasks,
		ActivityTaskPollerBehavior:             worker.Pollers(cfg.Worker.ActivityPollers),
		WorkflowTaskPollerBehavior:             worker.Pollers(cfg.Worker.WorkflowTaskPollers),
	}
}

// serveAPI serves the API on the listener until ctx ends, then drains the
// requests in flight. devSignIn adds the pages' development sign-in (a token
// for any demo user, no password): only `crmconvert dev` asks for it,
// `crmconvert api` never.
func (a *app) serveAPI(ctx context.Context, ln net.Listener, devSignIn bool) error {
	keys, err := jwtKeys(a.cfg.Auth)
	if err != nil {
		return err
	}
	a.logger.Info("API tokens", "hs256", a.cfg.JWTSecret != "", "rs256", keys != nil,
		"issuer", a.cfg.Auth.Issuer, "audience", a.cfg.Auth.Audience)
	handler := api.New(api.Config{
		JWTSecret:   []byte(a.cfg.JWTSecret),
		JWTKeys:     keys,
		JWTIssuer:   a.cfg.Auth.Issuer,
		JWTAudience: a.cfg.Auth.Audience,
		RateLimit:   a.cfg.Auth.RateLimit,
		RateBurst:   a.cfg.Auth.RateBurst,
		TaskQueue:   a.cfg.Temporal.TaskQueue,
		IdleTimeout: a.cfg.IdleTimeout,
		DevSignIn:   devSignIn,
	}, api.Deps{Store: a.store, Temporal: a.temporal, Logger: a.logger, Metrics: a.metrics.registry}).Handler()
	a.logger.Info("API listening", "addr", ln.Addr().String(), "dev_sign_in", devSignIn)
	return serveHTTP(ctx, ln, handler, a.cfg.ShutdownTimeout)
}

// jwtKeys reads the RS256 verification keys AUTH_JWT_PUBLIC_KEY_FILE or
// AUTH_JWKS_FILE names; nil when neither is set.
func jwtKeys(c authConfig) (*api.KeySet, error) {
	switch {
	case c.PublicKeyFile != "":
		ks, err := api.LoadPublicKeyFile(c.PublicKeyFile)
		if err != nil {
			return nil, fmt.Errorf("AUTH_JWT_PUBLIC_KEY_FILE: %w", err)
		}
		return ks, nil
	case c.JWKSFile != "":
		ks, err := api.LoadJWKSFile(c.JWKSFile)
		if err != nil {
			return nil, fmt.Errorf("AUTH_JWKS_FILE: %w", err)
		}
		return ks, nil
	}
	return nil, nil
}

// serveHTTP serves the handler on the listener until ctx ends, then stops
// accepting connections and waits up to drain for the requests in flight.
func serveHTTP(ctx context.Context, ln net.Listener, handler http.Handler, drain time.Duration) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10, // a bearer token is at most 8 KiB
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("drain HTTP requests: %w", err)
	}
	return nil
}

func runAPI(ctx context.Context, cfg config, args []string) error {
	if err := cfg.requireServers(); err != nil {
		return err
	}
	if cfg.JWTSecret == "" && cfg.Auth.PublicKeyFile == "" && cfg.Auth.JWKSFile == "" {
		return fmt.Errorf("AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_FILE must be set")
	}
	if _, err := jwtKeys(cfg.Auth); err != nil {
		return err // before connecting: a bad key file is a configuration error
	}
	logger := newLogger(cfg.LogFormat, cfg.LogLevel)
	a, err := connect(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.close()
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	return a.serveAPI(ctx, ln, false)
}

func runWorker(ctx context.Context, cfg config, args []string) error {
	if err := cfg.requireServers(); err != nil {
		return err
	}
	logger := newLogger(cfg.LogFormat, cfg.LogLevel)
	a, err := connect(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.close()
	w, err := a.startWorker(ctx)
	if err != nil {
		return err
	}
	health := make(chan error, 1)
	if cfg.HealthAddr != "" {
		ln, err := net.Listen("tcp", cfg.HealthAddr)
		if err != nil {
			w.Stop()
			return fmt.Errorf("listen on HEALTH_ADDR %s: %w", cfg.HealthAddr, err)
		}
		a.logger.Info("worker health checks listening", "addr", ln.Addr().String())
		go func() { health <- serveHTTP(ctx, ln, a.healthHandler(), 5*time.Second) }()
	} else {
		health <- nil
	}
	<-ctx.Done()
	a.logger.Info("worker stopping: no new tasks, waiting for running ones", "timeout", cfg.ShutdownTimeout.String())
	w.Stop()
	return <-health
}
