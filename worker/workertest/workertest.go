// Package workertest gives the tests of any package a Temporal dev server
// ready for conversions: started headless and in memory from the pinned
// CLI, dialled, with the conversion's search attributes registered.
package workertest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/crmconvert/crmconvert/crm/crmtest"
	"github.com/crmconvert/crmconvert/devstack"
	"github.com/crmconvert/crmconvert/worker"
)

// Server is a dev server and a client of it.
type Server struct {
	Client client.Client
	server *devstack.Temporal
}

// Start starts the server with opts (UIPort is forced to -1: no UI) and
// returns it once conversions can run on it. The client logs nothing.
func Start(ctx context.Context, opts devstack.TemporalOptions) (*Server, error) {
	quiet := slog.New(slog.DiscardHandler)
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	opts.UIPort = -1
	srv, err := devstack.StartTemporal(ctx, opts)
	if err != nil {
		return nil, err
	}
	s := &Server{server: srv}
	if s.Client, err = client.Dial(client.Options{HostPort: srv.Address(), Logger: sdklog.NewStructuredLogger(quiet)}); err != nil {
		s.Stop()
		return nil, err
	}
	namespace := opts.Namespace
	if namespace == "" {
		namespace = "default"
	}
	if err := worker.EnsureSearchAttributes(ctx, s.Client, namespace); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Stop closes the client and stops the server.
func (s *Server) Stop() {
	if s.Client != nil {
		s.Client.Close()
	}
	_ = s.server.Stop(context.Background())
}

// Run is the body of a TestMain whose tests share one server: it starts
// the server, hands its client to use, runs the tests on the databases
// crmtest prepares, stops the server and returns the exit code.
func Run(m *testing.M, use func(client.Client)) int {
	srv, err := Start(context.Background(), devstack.TemporalOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Stop()
	use(srv.Client)
	return crmtest.Run(m)
}
