// Command faultworker is the crmconvert worker with a fault in its save, for
// the fault tests of package e2e only: it is built by those tests and is no
// part of the product. It registers the same workflow and activities as
// `crmconvert worker`, on a store whose CreateOrder holds the first save at
// a chosen point so that a test can break something exactly there:
//
//	FAULT_MODE=after-commit   the order transaction commits, then the call
//	                          writes FAULT_DIR/committed (the order's id) and
//	                          never returns: the test kills the process before
//	                          the activity reports back.
//	FAULT_MODE=before-save    the call writes FAULT_DIR/entered, waits until
//	                          FAULT_DIR/release exists, then saves: the test
//	                          stops PostgreSQL meanwhile.
//
// Later saves, retries included, go straight to the store. Every call is
// logged in FAULT_DIR/calls, one line each when it returns: the time it
// started (Unix nanoseconds) and "ok" or its error, so that a test can see
// the retries and their intervals. Configuration is the worker's:
// DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE.
package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/worker"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "faultworker:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	mode, dir := os.Getenv("FAULT_MODE"), os.Getenv("FAULT_DIR")
	if (mode != "after-commit" && mode != "before-save") || dir == "" {
		return errors.New("set FAULT_MODE (after-commit or before-save) and FAULT_DIR")
	}
	namespace := envOr("TEMPORAL_NAMESPACE", "default")
	taskQueue := envOr("TEMPORAL_TASK_QUEUE", worker.DefaultTaskQueue)
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	db, err := crm.Open(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := client.Dial(client.Options{
		HostPort:  os.Getenv("TEMPORAL_ADDRESS"),
		Namespace: namespace,
		Logger:    tlog.NewStructuredLogger(logger),
	})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := worker.EnsureSearchAttributes(ctx, c, namespace); err != nil {
		return err
	}
	store := &faultStore{Store: crm.NewStore(db), mode: mode, dir: dir}
	w := worker.New(c, taskQueue, store, sdkworker.Options{})
	if err := w.Start(); err != nil {
		return err
	}
	logger.Info("fault worker started", "mode", mode, "task_queue", taskQueue)
	<-ctx.Done()
	w.Stop()
	return nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// faultStore is the CRM store with the fault in the first CreateOrder.
type faultStore struct {
	*crm.Store
	mode, dir string
	calls     atomic.Int64
	mu        sync.Mutex // serialises the lines of FAULT_DIR/calls
}

func (s *faultStore) CreateOrder(ctx context.Context, o crm.NewOrder) (saved crm.SavedOrder, err error) {
	started := time.Now()
	defer func() {
		result := "ok"
		if err != nil {
			result = strings.ReplaceAll(err.Error(), "\n", " ")
		}
		s.log(fmt.Sprintf("%d %s\n", started.UnixNano(), result))
	}()
	if s.calls.Add(1) > 1 {
		return s.Store.CreateOrder(ctx, o)
	}
	switch s.mode {
	case "after-commit":
		saved, err := s.Store.CreateOrder(ctx, o)
		if err != nil {
			return saved, err
		}
		if err := s.mark("committed", saved.ID); err != nil {
			return crm.SavedOrder{}, err
		}
		<-ctx.Done() // until the test kills the process
		return crm.SavedOrder{}, ctx.Err()
	default: // before-save
		if err := s.mark("entered", o.ConversionKey); err != nil {
			return crm.SavedOrder{}, err
		}
		for {
			if _, err := os.Stat(filepath.Join(s.dir, "release")); err == nil {
				break
			} else if !errors.Is(err, fs.ErrNotExist) {
				return crm.SavedOrder{}, err
			}
			select {
			case <-ctx.Done():
				return crm.SavedOrder{}, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
		return s.Store.CreateOrder(ctx, o)
	}
}

// log appends a line to FAULT_DIR/calls.
func (s *faultStore) log(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(s.dir, "calls"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultworker: log the call:", err)
		return
	}
	defer f.Close()
	if _, err := f.WriteString(line); err != nil {
		fmt.Fprintln(os.Stderr, "faultworker: log the call:", err)
	}
}

// mark tells the test where the save is: it writes the file whole, under
// another name first, so the test never reads half of it.
func (s *faultStore) mark(name, content string) error {
	tmp := filepath.Join(s.dir, "."+name)
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(s.dir, name))
}
