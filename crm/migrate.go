package crm

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/crmconvert/crmconvert/crm/migrations"
)

// migrationLockKey names the PostgreSQL advisory lock that migrations hold.
const migrationLockKey int64 = 0x63726d_6d696772 // "crm migr"

// Migrate brings the schema up to date: it creates bun's migration tables if
// missing, then runs the migrations not yet applied. Running it again does
// nothing. Processes that start at the same time (an API and a worker) wait
// for each other rather than fail.
func Migrate(ctx context.Context, db *bun.DB) error {
	return withMigrator(ctx, db, func(m *migrate.Migrator) error {
		if _, err := m.Migrate(ctx); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		return nil
	})
}

// Rollback undoes the last group of migrations that Migrate applied.
func Rollback(ctx context.Context, db *bun.DB) error {
	return withMigrator(ctx, db, func(m *migrate.Migrator) error {
		if _, err := m.Rollback(ctx); err != nil {
			return fmt.Errorf("roll back migrations: %w", err)
		}
		return nil
	})
}

// withMigrator runs fn with a migrator whose tables exist, holding the
// migration lock.
//
// The lock is a PostgreSQL advisory lock, not bun's lock table: a second
// process waits for it instead of failing at once, and a process that dies
// mid-migration releases it with its connection instead of leaving the
// schema locked for good.
func withMigrator(ctx context.Context, db *bun.DB, fn func(*migrate.Migrator) error) (err error) {
	ms, err := migrations.New()
	if err != nil {
		return err
	}
	m := migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))

	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
		return fmt.Errorf("migrate: take the migration lock: %w", err)
	}
	defer func() {
		_, unlockErr := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrationLockKey)
		if unlockErr != nil {
			err = errors.Join(err, fmt.Errorf("migrate: release the migration lock: %w", unlockErr))
		}
	}()

	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("migrate: create the migration tables: %w", err)
	}
	return fn(m)
}
