package invariants_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/crmtest"
	"github.com/crmconvert/crmconvert/crm/demo"
	"github.com/crmconvert/crmconvert/e2e/invariants"
)

func TestMain(m *testing.M) { crmtest.Main(m) }

// order is an order of the demo's OPP-000001 by Sam, one widget.
func order(key string) crm.NewOrder {
	return crm.NewOrder{
		ConversionKey: key, OrganizationID: demo.Acme, OpportunityID: demo.InitechRenewal, CreatedBy: demo.Sam,
		Draft: conversion.Draft{
			Header: map[string]string{"title": "Initech renewal", "customer_id": demo.Initech, "currency": "EUR"},
			Lines: []conversion.Line{{OpportunityItemID: demo.RenewalWidgets, Quantity: decimal.NewFromInt(1),
				UnitPrice: decimal.RequireFromString("19.99")}},
		},
	}
}

func TestCheckPassesWhatTheStoreWrites(t *testing.T) {
	ctx := t.Context()
	db, _ := crmtest.Seeded(t)
	store := crm.NewStore(db)
	since := time.Now().Add(-time.Second)

	saved, err := store.CreateOrder(ctx, order("conversion/a/o/run-1"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := store.CreateOrder(ctx, order("conversion/a/o/run-1")) // a retried save
	if err != nil || again.ID != saved.ID {
		t.Fatalf("retried save = %+v, %v; want order %s", again, err, saved.ID)
	}
	if _, err := store.CloseOpportunity(ctx, crm.CloseOpportunity{
		OrganizationID: demo.Acme, OpportunityID: demo.InitechRenewal, UserID: demo.Sam,
	}); err != nil {
		t.Fatal(err)
	}
	convs := []invariants.Conversion{
		{Key: "conversion/a/o/run-0", OpportunityID: demo.InitechRenewal, Step: conversion.StepCancelled},
		{Key: "conversion/a/o/run-1", OpportunityID: demo.InitechRenewal, Step: conversion.StepCompleted, OrderID: saved.ID, Closed: true},
	}
	r, err := invariants.Check(ctx, db.DB, demo.Acme, convs, since)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r)
	if !r.OK() {
		t.Fatalf("violations: %v", r.Violations)
	}
	if r.Orders != 1 || r.OrderItems != 1 || r.Duplicates != 0 || r.ClosedOpportunities != 1 ||
		r.Conversions[conversion.StepCompleted] != 1 || r.Conversions[conversion.StepCancelled] != 1 {
		t.Errorf("report = %+v", r)
	}
	// The demo's OPP-000004, won before the check's start, is not asked for an entry.
}

// A checker that never fails proves nothing: each broken invariant is found.
func TestCheckFindsEachBrokenInvariant(t *testing.T) {
	ctx := t.Context()
	db, _ := crmtest.Seeded(t)
	store := crm.NewStore(db)
	since := time.Now().Add(-time.Second)

	done, err := store.CreateOrder(ctx, order("k-completed"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateOrder(ctx, order("k-cancelled")); err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateOrder(ctx, order("k-unknown")); err != nil {
		t.Fatal(err)
	}
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := db.DB.ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	// An order written behind the store's back: no change-log entries.
	exec(`INSERT INTO orders (id, organization_id, number, customer_id, currency, created_by, opportunity_id, conversion_key)
		VALUES ('90000000-0000-4000-8000-000000000001', $1, 'SO-TEST-1', $2, 'EUR', $3, $4, 'k-nolog')`,
		demo.Acme, demo.Initech, demo.Sam, demo.InitechRenewal)
	// A line taking more than the item has (10 widgets).
	exec(`UPDATE order_items SET quantity = 20 WHERE order_id = $1`, done.ID)
	// An opportunity closed without an entry.
	exec(`UPDATE opportunities SET status = 'won', closed_at = now(), closed_by = $1 WHERE id = $2`, demo.Ada, demo.StarkSupport)

	convs := []invariants.Conversion{
		{Key: "k-completed", OpportunityID: demo.InitechRenewal, Step: conversion.StepCompleted, OrderID: done.ID},
		{Key: "k-cancelled", OpportunityID: demo.InitechRenewal, Step: conversion.StepCancelled},
		{Key: "k-nolog", OpportunityID: demo.InitechRenewal, Step: conversion.StepCompleted, OrderID: "90000000-0000-4000-8000-000000000001"},
		{Key: "k-lost", OpportunityID: demo.UmbrellaLab, Step: conversion.StepCompleted, OrderID: "90000000-0000-4000-8000-000000000002"},
		{Key: "k-expired", OpportunityID: demo.UmbrellaLab, Step: conversion.StepExpired, Closed: true},
	}
	r, err := invariants.Check(ctx, db.DB, demo.Acme, convs, since)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r)
	want := []string{
		"completed conversion k-lost has 0 orders",
		"cancelled conversion k-cancelled left 1 orders",
		"written under key k-unknown, which no conversion has",
		"ordered beyond its quantity: 22 of 10",
		"order SO-TEST-1 has 0 change-log entries",
		"the opportunity of order SO-TEST-1 has no change-log entry",
		"OPP-000005 was closed as won without a change-log entry",
		"conversion k-expired closed opportunity",
	}
	all := strings.Join(r.Violations, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no violation %q in:\n%s", w, all)
		}
	}
	if r.Duplicates != 2 || r.OverOrdered != 1 {
		t.Errorf("duplicates %d, over-ordered %d; want 2 and 1", r.Duplicates, r.OverOrdered)
	}
}
