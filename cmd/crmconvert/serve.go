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
}

func connect(ctx context.Context, cfg config, logger *slog.Logger) (*app, error) {
	db, err := crm.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	tc, err := dialTemporal(cfg.Temporal, logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &app{cfg: cfg, logger: logger, db: db, store: crm.NewStore(db), temporal: tc}, nil
}

func (a *app) close() {
	a.temporal.Close()
	a.db.Close()
}

// startWorker starts polling the task queue; stop it with Stop, which lets
// the tasks it runs finish.
func (a *app) startWorker(ctx context.Context) (sdkworker.Worker, error) {
	if err := worker.EnsureSearchAttributes(ctx, a.temporal, a.cfg.Temporal.Namespace); err != nil {
		return nil, err
	}
	w := worker.New(a.temporal, a.cfg.Temporal.TaskQueue, a.store, sdkworker.Options{})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker on task queue %s: %w", a.cfg.Temporal.TaskQueue, err)
	}
	a.logger.Info("worker started", "task_queue", a.cfg.Temporal.TaskQueue, "namespace", a.cfg.Temporal.Namespace)
	return w, nil
}

// serveAPI serves HTTP on the listener until ctx ends, then drains the
// requests in flight.
func (a *app) serveAPI(ctx context.Context, ln net.Listener) error {
	handler := api.New(api.Config{
		JWTSecret:   []byte(a.cfg.JWTSecret),
		TaskQueue:   a.cfg.Temporal.TaskQueue,
		IdleTimeout: a.cfg.IdleTimeout,
	}, api.Deps{Store: a.store, Temporal: a.temporal, Logger: a.logger}).Handler()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.logger.Info("API listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
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
	if cfg.JWTSecret == "" {
		return fmt.Errorf("AUTH_JWT_SECRET must be set")
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
	return a.serveAPI(ctx, ln)
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
	<-ctx.Done()
	w.Stop()
	return nil
}
