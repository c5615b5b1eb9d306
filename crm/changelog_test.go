package crm_test

import (
	"strings"
	"testing"

	"github.com/crmconvert/crmconvert/crm/demo"
)

func TestChangeLogIsAppendOnly(t *testing.T) {
	ctx := t.Context()
	store, db := seededStore(t)
	if _, err := store.CreateOrder(ctx, renewalOrder("conv-1", line(demo.RenewalWidgets, "1"))); err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	for _, stmt := range []string{
		"UPDATE changes SET reason = 'rewritten'",
		"DELETE FROM changes",
		"TRUNCATE changes",
	} {
		_, err := db.ExecContext(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "the change log is append-only") {
			t.Errorf("%s: %v, want the append-only error", stmt, err)
		}
	}
	if n := count(t, db, "changes", "reason <> 'rewritten'"); n != 2 {
		t.Errorf("%d change-log entries as written, want 2", n)
	}
}
