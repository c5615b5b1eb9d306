package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crmconvert/crmconvert/api"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/devstack"
)

// runDev runs everything on this machine: a Temporal dev server with its UI
// and a PostgreSQL cluster, both keeping their data in one folder so that a
// conversion left half-way survives a restart of the command, then the
// worker and the API in this process, with the demo data loaded.
func runDev(ctx context.Context, cfg config, args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	dataDir := fs.String("data", ".devdata", "the folder that keeps PostgreSQL's and Temporal's data")
	seedPath := fs.String("seed", "", "a data file to load after the demo data")
	temporalPort := fs.Int("temporal-port", 7233, "the Temporal dev server's gRPC port")
	uiPort := fs.Int("ui-port", 8233, "the Temporal Web UI's port")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if cfg.HTTPAddr == ":8080" {
		cfg.HTTPAddr = "127.0.0.1:8080"
	}
	if cfg.JWTSecret == "" {
		cfg.JWTSecret = devJWTSecret
	}
	logger := newLogger(cfg.LogFormat, cfg.LogLevel)
	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	// Listen first: a busy port should fail before anything is started.
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (set HTTP_ADDR to use another address): %w", cfg.HTTPAddr, err)
	}
	defer ln.Close()

	var uiURL string
	if cfg.DatabaseURL == "" {
		pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: filepath.Join(dir, "postgres"), Fsync: true, Logger: logger})
		if err != nil {
			return err
		}
		defer stopQuietly(pg.Stop)
		cfg.DatabaseURL = pg.URL()
	}
	if cfg.Temporal.Address == "" {
		bin, err := devstack.TemporalBinary(ctx)
		if err != nil {
			return err
		}
		tmp, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{
			Binary: bin, DBFile: filepath.Join(dir, "temporal.db"), Port: *temporalPort, UIPort: *uiPort,
			Namespace: cfg.Temporal.Namespace, Logger: logger,
		})
		if err != nil {
			return err
		}
		defer stopQuietly(tmp.Stop)
		cfg.Temporal.Address = tmp.Address()
		if cfg.Temporal.Compression == "" {
			cfg.Temporal.Compression = "none" // loopback: compressing costs CPU and saves nothing
		}
		uiURL = tmp.UIURL()
	}

	a, err := connect(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.close()
	if err := crm.Migrate(ctx, a.db); err != nil {
		return err
	}
	demoData, err := crm.LoadSeed(bytes.NewReader(demo.JSON))
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	if err := a.store.Seed(ctx, demoData); err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	if *seedPath != "" {
		if err := seedFile(ctx, a.store, *seedPath); err != nil {
			return err
		}
	}
	w, err := a.startWorker(ctx)
	if err != nil {
		return err
	}
	defer w.Stop()

	printBanner(os.Stdout, cfg, "http://"+ln.Addr().String(), uiURL, dir, demoData)
	return a.serveAPI(ctx, ln, true)
}

func printBanner(out io.Writer, cfg config, apiURL, uiURL, dir string, data *crm.SeedData) {
	var b strings.Builder
	fmt.Fprintf(&b, "\ncrmconvert dev is running (Ctrl-C stops it; data kept in %s)\n\n", dir)
	fmt.Fprintf(&b, "  Pages         %s/app/   (sign in as a demo user)\n", apiURL)
	fmt.Fprintf(&b, "  API           %s   (OpenAPI: %s/openapi.yaml)\n", apiURL, apiURL)
	if uiURL != "" {
		fmt.Fprintf(&b, "  Temporal UI   %s/namespaces/%s/workflows\n", uiURL, cfg.Temporal.Namespace)
	}
	fmt.Fprintf(&b, "  Temporal      %s (namespace %s, task queue %s)\n", cfg.Temporal.Address, cfg.Temporal.Namespace, cfg.Temporal.TaskQueue)
	fmt.Fprintf(&b, "  PostgreSQL    %s\n", cfg.DatabaseURL)
	fmt.Fprintf(&b, "  Idle timeout  %s\n\n", cfg.IdleTimeout)
	fmt.Fprintf(&b, "Demo users (tokens valid 7 days; AUTH_JWT_SECRET=%s):\n", cfg.JWTSecret)
	for _, u := range data.Users {
		token, err := api.IssueTokenFor([]byte(cfg.JWTSecret), u.ID, 7*24*time.Hour, cfg.Auth.Issuer, cfg.Auth.Audience)
		if err != nil {
			token = "(" + err.Error() + ")"
		}
		fmt.Fprintf(&b, "\n  %-16s %-7s %-32s\n  export TOKEN_%s=%s\n", u.Email, u.Role, strings.Join(u.Permissions, ","),
			strings.ToUpper(strings.SplitN(u.Email, "@", 2)[0]), token)
	}
	fmt.Fprintf(&b, "\nTry (README: a conversion with curl):\n  curl -s -X POST -H \"Authorization: Bearer $TOKEN_SAM\" %s/v1/opportunities/%s/conversion\n\n", apiURL, demo.InitechRenewal)
	fmt.Fprint(out, b.String())
}

func stopQuietly(stop func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = stop(ctx)
}
