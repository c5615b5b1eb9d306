package crm

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Pool limits. A service process runs a handful of concurrent requests or
// activities per core; PostgreSQL's default of 100 connections is shared by
// every API and worker process, so each keeps its pool modest. Every open
// connection may stay idle (until connMaxIdleTime): with fewer idle than
// open, a burst closes connections only to open them again a moment later,
// each opening a new PostgreSQL backend.
const (
	connsPerCore    = 4
	minOpenConns    = 8
	connMaxLifetime = 30 * time.Minute
	connMaxIdleTime = 5 * time.Minute
)

// Open connects to the PostgreSQL database at url (postgres://user@host:port/db?...)
// through pgx's database/sql driver and checks that it answers.
func Open(ctx context.Context, url string) (*bun.DB, error) {
	config, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// bun writes the arguments into the SQL text itself, so no two queries
	// share a text: pgx's default of preparing and caching a statement per
	// text would cost an extra round trip each and fill its cache for
	// nothing. The simple protocol sends each query in one round trip (and
	// works through PgBouncer's transaction pooling).
	config.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	sqldb := stdlib.OpenDB(*config)
	maxOpen := max(minOpenConns, connsPerCore*runtime.GOMAXPROCS(0))
	sqldb.SetMaxOpenConns(maxOpen)
	sqldb.SetMaxIdleConns(maxOpen)
	sqldb.SetConnMaxLifetime(connMaxLifetime)
	sqldb.SetConnMaxIdleTime(connMaxIdleTime)

	db := bun.NewDB(sqldb, pgdialect.New())
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s@%s:%d/%s: %w", config.User, config.Host, config.Port, config.Database, err)
	}
	return db, nil
}

// Store runs the CRM's queries and transactions on one database.
type Store struct {
	db *bun.DB
}

// NewStore returns a Store on db, which must be migrated (see Migrate).
func NewStore(db *bun.DB) *Store {
	return &Store{db: db}
}

// Ping checks that the database answers (for readiness probes).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// DB is the database the store works on.
func (s *Store) DB() *bun.DB { return s.db }
