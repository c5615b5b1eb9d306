package crm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/crmtest"
	"github.com/crmconvert/crmconvert/crm/demo"
)

// seededStore is a store on a database of the test's own with the demo data.
func seededStore(t *testing.T) (*crm.Store, *bun.DB) {
	t.Helper()
	db, _ := crmtest.Seeded(t)
	return crm.NewStore(db), db
}

// count counts the rows of a table that match where ("" for all).
func count(t *testing.T, db bun.IDB, table, where string, args ...any) int {
	t.Helper()
	q := db.NewSelect().Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	n, err := q.Count(context.Background())
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return int(n)
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// renewalOrder is an order from the demo's OPP-000001 (Initech renewal) by
// Sam, its owner, with the given lines.
func renewalOrder(key string, lines ...conversion.Line) crm.NewOrder {
	return crm.NewOrder{
		ConversionKey:  key,
		OrganizationID: demo.Acme,
		OpportunityID:  demo.InitechRenewal,
		CreatedBy:      demo.Sam,
		Draft: conversion.Draft{
			Header: map[string]string{
				"title":       "Initech renewal",
				"customer_id": demo.Initech,
				"currency":    "EUR",
				"order_date":  "2026-03-01",
			},
			Lines: lines,
		},
	}
}

// line is a draft line of an opportunity item at the demo's prices.
func line(itemID, quantity string) conversion.Line {
	l := conversion.Line{OpportunityItemID: itemID, Quantity: dec(quantity)}
	switch itemID {
	case demo.RenewalWidgets:
		l.UnitPrice, l.DiscountPercent = dec("19.99"), dec("10")
	case demo.RenewalSupport:
		l.UnitPrice = dec("95.00")
	case demo.RenewalCable:
		l.UnitPrice, l.DiscountPercent = dec("2.35"), dec("5")
	}
	return l
}

// wantRefusal checks that err is a *conversion.Error of the kind, and returns it.
func wantRefusal(t *testing.T, err error, kind conversion.Kind) *conversion.Error {
	t.Helper()
	var refusal *conversion.Error
	if !errors.As(err, &refusal) {
		t.Fatalf("error = %v, want a refusal of kind %s", err, kind)
	}
	if refusal.Kind != kind {
		t.Fatalf("refusal kind = %s (%v), want %s", refusal.Kind, refusal, kind)
	}
	return refusal
}

// hasField reports whether the refusal names the field.
func hasField(e *conversion.Error, field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
