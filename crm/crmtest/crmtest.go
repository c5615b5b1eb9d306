// Package crmtest gives tests of any package a PostgreSQL database of their
// own: migrated and empty (Postgres), or with the demo data (Seeded).
//
// The databases live in a throwaway PostgreSQL server that the test binary
// starts from the local server programs on first use, never in a real
// database, whatever the environment says. Each database is a copy of a
// template migrated once, so a test gets its own in a few milliseconds.
//
// A package using it calls Main (or Run) from its TestMain, which stops the
// server and removes its files once the tests have run:
//
//	func TestMain(m *testing.M) { crmtest.Main(m) }
package crmtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/devstack"
)

// The template databases that test databases are copied from.
const (
	emptyTemplate  = "template_empty" // migrated
	seededTemplate = "template_demo"  // migrated, with the demo data
)

// Time limits for starting the server and making or dropping a database.
const (
	startTimeout = 2 * time.Minute
	opTimeout    = 30 * time.Second
)

// server is the test binary's PostgreSQL server, started on first use.
type server struct {
	mainCalled atomic.Bool

	start sync.Once
	err   error // why the server is unusable, if it is
	dir   string
	pg    *devstack.Postgres
	url   *url.URL // the server's URL; test databases differ in its path
	admin *bun.DB  // on the server's own database: creates and drops test databases

	// create serialises CREATE DATABASE: PostgreSQL refuses to copy a
	// template that another session is using, copying included.
	create sync.Mutex
	seq    atomic.Int64
}

// shared is the one server of the test binary. It is package state, which
// this project otherwise avoids, because the tests of a package share nothing
// else through which to hand it over, and a server per test would cost a
// second each; Run, called once per binary, stops it.
var shared server

// Main runs the tests, stops the server if one was started and removes its
// files, and exits with the tests' result. Call it from TestMain:
//
//	func TestMain(m *testing.M) { crmtest.Main(m) }
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run runs the tests, stops the server if one was started and removes its
// files, and returns the tests' exit code. It is Main for a TestMain that
// sets up more around the tests:
//
//	func TestMain(m *testing.M) { os.Exit(run(m)) }
//
//	func run(m *testing.M) int {
//		srv := startSomething()
//		defer srv.Stop()
//		return crmtest.Run(m)
//	}
func Run(m *testing.M) int {
	shared.mainCalled.Store(true)
	code := m.Run()
	if err := shared.stop(); err != nil {
		fmt.Fprintln(os.Stderr, "crmtest:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Postgres returns a migrated, empty database of the test's own, dropped
// when the test ends.
func Postgres(tb testing.TB) *bun.DB {
	tb.Helper()
	return shared.database(tb, emptyTemplate)
}

// Seeded returns a database of the test's own with the demo data (package
// demo) loaded, and that data.
func Seeded(tb testing.TB) (*bun.DB, *crm.SeedData) {
	tb.Helper()
	data, err := crm.LoadSeed(bytes.NewReader(demo.JSON))
	if err != nil {
		tb.Fatalf("crmtest: %v", err)
	}
	return shared.database(tb, seededTemplate), data
}

// database makes a database from the template, dropped when the test ends.
func (s *server) database(tb testing.TB, template string) *bun.DB {
	tb.Helper()
	if !s.mainCalled.Load() {
		tb.Fatal("crmtest: call crmtest.Main(m) or crmtest.Run(m) from the package's TestMain, so that the test server is stopped")
	}
	s.start.Do(func() { s.err = s.startServer() })
	if s.err != nil {
		tb.Fatalf("crmtest: %v", s.err)
	}

	name := fmt.Sprintf("test_%d", s.seq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := s.createDatabase(ctx, name, template); err != nil {
		tb.Fatalf("crmtest: %v", err)
	}
	db, err := crm.Open(ctx, s.urlFor(name))
	if err != nil {
		tb.Fatalf("crmtest: %v", err)
	}
	tb.Cleanup(func() {
		db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if _, err := s.admin.ExecContext(ctx, "DROP DATABASE ? WITH (FORCE)", bun.Ident(name)); err != nil {
			tb.Errorf("crmtest: drop database %s: %v", name, err)
		}
	})
	return db
}

func (s *server) createDatabase(ctx context.Context, name, template string) error {
	s.create.Lock()
	defer s.create.Unlock()
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE ? TEMPLATE ?", bun.Ident(name), bun.Ident(template)); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// startServer starts PostgreSQL in a new temporary folder and makes the
// templates.
func (s *server) startServer() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()

	dir, err := makeTempDir()
	if err != nil {
		return err
	}
	s.dir = dir
	// When the tests run as root, the server runs as the postgres user,
	// who must be able to enter the folder.
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("open %s to the server: %w", dir, err)
	}
	s.pg, err = devstack.StartPostgres(ctx, devstack.PostgresOptions{
		Dir:    filepath.Join(dir, "pg"),
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return err
	}
	if s.url, err = url.Parse(s.pg.URL()); err != nil {
		return fmt.Errorf("PostgreSQL URL: %w", err)
	}
	if s.admin, err = crm.Open(ctx, s.pg.URL()); err != nil {
		return err
	}
	if err := s.makeTemplate(ctx, emptyTemplate, "template0", func(db *bun.DB) error {
		return crm.Migrate(ctx, db)
	}); err != nil {
		return err
	}
	return s.makeTemplate(ctx, seededTemplate, emptyTemplate, func(db *bun.DB) error {
		data, err := crm.LoadSeed(bytes.NewReader(demo.JSON))
		if err != nil {
			return err
		}
		return crm.NewStore(db).Seed(ctx, data)
	})
}

// makeTemplate makes a database as a copy of from, and fills it with fill.
func (s *server) makeTemplate(ctx context.Context, name, from string, fill func(*bun.DB) error) error {
	if err := s.createDatabase(ctx, name, from); err != nil {
		return err
	}
	db, err := crm.Open(ctx, s.urlFor(name))
	if err != nil {
		return err
	}
	defer db.Close() // a template must have no sessions when it is copied
	if err := fill(db); err != nil {
		return fmt.Errorf("make template %s: %w", name, err)
	}
	return nil
}

// urlFor is the server's URL with another database.
func (s *server) urlFor(database string) string {
	u := *s.url
	u.Path = "/" + database
	return u.String()
}

// stop stops the server, if it was started, and removes its folder.
func (s *server) stop() error {
	var errs []error
	if s.admin != nil {
		errs = append(errs, s.admin.Close())
	}
	if s.pg != nil {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		errs = append(errs, s.pg.Stop(ctx))
	}
	if s.dir != "" {
		errs = append(errs, os.RemoveAll(s.dir))
	}
	return errors.Join(errs...)
}
