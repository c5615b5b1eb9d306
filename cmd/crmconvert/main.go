// Command crmconvert runs the opportunity-to-order conversion service.
//
//	crmconvert dev [--seed FILE]   everything on this machine in one process
//	crmconvert api                 the HTTP API
//	crmconvert worker              the Temporal worker
//	crmconvert migrate             apply database migrations
//	crmconvert seed --file FILE    load a data file (idempotent)
//	crmconvert token --email EMAIL print a bearer token for a user
//
// Configuration comes from environment variables; see the README.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gin-gonic/gin"
)

const usage = `usage: crmconvert <command> [flags]

commands:
  dev [--seed FILE] [--data DIR]   run Temporal, PostgreSQL, worker and API on this machine
  api                              run the HTTP API (DATABASE_URL, TEMPORAL_ADDRESS)
  worker                           run the Temporal worker (DATABASE_URL, TEMPORAL_ADDRESS)
  migrate                          apply database migrations (DATABASE_URL)
  seed --file FILE                 load a data file; running it twice changes nothing (DATABASE_URL)
  token --email EMAIL [--ttl 24h]  print a bearer token for that user (DATABASE_URL, AUTH_JWT_SECRET)
  health [URL]                     exit 0 if URL (default: the API's /readyz) answers 2xx; the image's health check
`

var errUsage = errors.New("usage")

func main() {
	// Gin's mode is process-wide: set once here, at the wiring.
	gin.SetMode(gin.ReleaseMode)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:])
	if errors.Is(err, errUsage) {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crmconvert:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		return err
	}
	commands := map[string]func(context.Context, config, []string) error{
		"dev":     runDev,
		"api":     runAPI,
		"worker":  runWorker,
		"migrate": runMigrate,
		"seed":    runSeed,
		"token":   runToken,
		"health":  runHealth,
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return errUsage
	}
	return cmd(ctx, cfg, args[1:])
}
