package crm_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/crmtest"
)

// crmTables are the tables the migrations make.
var crmTables = []string{
	"organizations", "users", "mapping_preferences", "custom_fields", "customers", "products",
	"opportunities", "opportunity_items", "orders", "order_items", "order_number_counters", "changes",
}

func TestMigrateDownAndUpAgain(t *testing.T) {
	ctx := t.Context()
	db := crmtest.Postgres(t)
	assertTables(t, ctx, db, true)

	if err := crm.Rollback(ctx, db); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	assertTables(t, ctx, db, false)

	for range 2 { // the second run has nothing to do
		if err := crm.Migrate(ctx, db); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		assertTables(t, ctx, db, true)
	}
}

func TestMigrateConcurrently(t *testing.T) {
	ctx := t.Context()
	db := crmtest.Postgres(t)
	if err := crm.Rollback(ctx, db); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	errs := make(chan error, 3)
	for range cap(errs) {
		go func() { errs <- crm.Migrate(ctx, db) }()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Errorf("Migrate: %v", err)
		}
	}
	assertTables(t, ctx, db, true)
}

func assertTables(t *testing.T, ctx context.Context, db *bun.DB, exist bool) {
	t.Helper()
	for _, table := range crmTables {
		var found bool
		if err := db.NewRaw("SELECT to_regclass(?) IS NOT NULL", table).Scan(ctx, &found); err != nil {
			t.Fatalf("look for table %s: %v", table, err)
		}
		if found != exist {
			t.Errorf("table %s exists: %v, want %v", table, found, exist)
		}
	}
}
