package crm_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/demo"
)

func TestCreateOrderWritesOrderItemsAndChangeLog(t *testing.T) {
	ctx := t.Context()
	store, db := seededStore(t)

	o := renewalOrder("conv-1", line(demo.RenewalWidgets, "3"))
	o.Draft.Header["custom.region"] = "north"
	o.Draft.Header["custom.budget"] = "50000.00"
	o.Draft.Header["payment_terms"] = "30 days net"
	o.Draft.Totals = conversion.Totals{Subtotal: dec("1"), Tax: dec("1"), Total: dec("2")} // not trusted
	o.Draft.Lines[0].LineTotal = dec("999")                                                // not trusted either
	saved, err := store.CreateOrder(ctx, o)
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	want := crm.SavedOrder{ID: saved.ID, Number: "SO-2026-000001", Created: true, MayClose: true}
	if saved != want {
		t.Errorf("CreateOrder = %+v, want %+v", saved, want)
	}

	order, err := store.Order(ctx, demo.Acme, saved.ID)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	// 3 × 19.99 = 59.97, less 10 % = 53.973, rounded once to 53.97;
	// tax 19 % of 53.97 = 10.2543, rounded to 10.25.
	for name, got := range map[string]string{
		"line_total": order.Items[0].LineTotal.String(),
		"subtotal":   order.Subtotal.String(),
		"tax_total":  order.TaxTotal.String(),
		"total":      order.Total.String(),
	} {
		want := map[string]string{"line_total": "53.97", "subtotal": "53.97", "tax_total": "10.25", "total": "64.22"}[name]
		if got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	checks := []struct{ name, got, want string }{
		{"number", order.Number, "SO-2026-000001"},
		{"status", order.Status, crm.OrderDraft},
		{"title", order.Title, "Initech renewal"},
		{"customer", order.CustomerName, "Initech"},
		{"currency", order.Currency, "EUR"},
		{"order date", order.OrderDate, "2026-03-01"},
		{"payment terms", order.PaymentTerms, "30 days net"},
		{"created by", order.CreatedBy, demo.Sam},
		{"conversion key", order.ConversionKey, "conv-1"},
		{"item", order.Items[0].OpportunityItemID, demo.RenewalWidgets},
		{"sku", order.Items[0].SKU, "WID-100"},
		{"tax rate", order.Items[0].TaxRate.String(), "19"},
		{"quantity", order.Items[0].Quantity.String(), "3"},
		{"custom region", order.Custom["region"].(string), "north"},
		{"custom budget", order.Custom["budget"].(string), "50000.00"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if order.Opportunity == nil || order.Opportunity.Number != "OPP-000001" {
		t.Errorf("opportunity = %+v, want OPP-000001", order.Opportunity)
	}

	orderLog, err := store.ChangeLog(ctx, demo.Acme, crm.ObjectOrder, saved.ID)
	if err != nil {
		t.Fatalf("ChangeLog: %v", err)
	}
	if len(orderLog) != 1 || orderLog[0].Reason != "converted from OPP-000001" || orderLog[0].UserID != demo.Sam {
		t.Fatalf("order change log = %+v, want one entry converted from OPP-000001 by Sam", orderLog)
	}
	for field, after := range map[string]any{"number": "SO-2026-000001", "total": "64.22", "custom.region": "north"} {
		c, ok := orderLog[0].Changes[field]
		if !ok || c.Before != nil || c.After != after {
			t.Errorf("order change of %s = %+v, want nil → %v", field, c, after)
		}
	}
	oppLog, err := store.ChangeLog(ctx, demo.Acme, crm.ObjectOpportunity, demo.InitechRenewal)
	if err != nil {
		t.Fatalf("ChangeLog: %v", err)
	}
	if len(oppLog) != 1 || oppLog[0].Reason != "order SO-2026-000001 created from it" {
		t.Fatalf("opportunity change log = %+v, want one entry for SO-2026-000001", oppLog)
	}
	if c := oppLog[0].Changes["orders"]; c.Before != nil || c.After != "SO-2026-000001" {
		t.Errorf("opportunity change = %+v, want orders nil → SO-2026-000001", c)
	}
	if n := count(t, db, "changes", ""); n != 2 {
		t.Errorf("%d change-log entries, want 2", n)
	}
}

func TestCreateOrderReducesRemainingQuantities(t *testing.T) {
	ctx := t.Context()
	store, _ := seededStore(t)

	for i, qty := range []string{"3", "2.5"} {
		if _, err := store.CreateOrder(ctx, renewalOrder("conv-"+qty, line(demo.RenewalWidgets, qty), line(demo.RenewalCable, "40"))); err != nil {
			t.Fatalf("CreateOrder %d: %v", i, err)
		}
	}
	opp, err := store.OpportunitySnapshot(ctx, demo.Acme, demo.InitechRenewal)
	if err != nil {
		t.Fatalf("OpportunitySnapshot: %v", err)
	}
	want := map[string]string{demo.RenewalWidgets: "4.5", demo.RenewalSupport: "5", demo.RenewalCable: "20"}
	for _, it := range opp.Items {
		if it.Remaining.String() != want[it.ID] {
			t.Errorf("item %s remaining = %s, want %s", it.SKU, it.Remaining, want[it.ID])
		}
	}
}

func TestCreateOrderTwiceWithTheSameKeyWritesOneOrder(t *testing.T) {
	ctx := t.Context()
	store, db := seededStore(t)
	o := renewalOrder("conv-1", line(demo.RenewalWidgets, "3"))

	first, err := store.CreateOrder(ctx, o)
	if err != nil {
		t.Fatalf("first CreateOrder: %v", err)
	}
	orders, changes := count(t, db, "orders", ""), count(t, db, "changes", "")
	second, err := store.CreateOrder(ctx, o)
	if err != nil {
		t.Fatalf("second CreateOrder: %v", err)
	}
	if second.ID != first.ID || second.Number != first.Number || second.Created || !second.MayClose {
		t.Errorf("second CreateOrder = %+v, want the first order %+v with Created false", second, first)
	}
	if n := count(t, db, "orders", ""); n != orders {
		t.Errorf("%d orders after the retry, want %d", n, orders)
	}
	if n := count(t, db, "changes", ""); n != changes {
		t.Errorf("%d change-log entries after the retry, want %d", n, changes)
	}

	// Once the opportunity is closed, a retry says it may no longer be closed.
	if _, err := store.CloseOpportunity(ctx, crm.CloseOpportunity{
		OrganizationID: demo.Acme, OpportunityID: demo.InitechRenewal, UserID: demo.Sam,
	}); err != nil {
		t.Fatalf("CloseOpportunity: %v", err)
	}
	third, err := store.CreateOrder(ctx, o)
	if err != nil {
		t.Fatalf("third CreateOrder: %v", err)
	}
	if third.ID != first.ID || third.MayClose {
		t.Errorf("CreateOrder after close = %+v, want the first order with MayClose false", third)
	}
}

func TestCreateOrderConcurrentlyWithTheSameKeyWritesOneOrder(t *testing.T) {
	ctx := t.Context()
	store, db := seededStore(t)
	o := renewalOrder("conv-1", line(demo.RenewalWidgets, "3"))

	const saves = 8
	results := make([]crm.SavedOrder, saves)
	errs := make([]error, saves)
	var wg sync.WaitGroup
	for i := range saves {
		wg.Go(func() { results[i], errs[i] = store.CreateOrder(ctx, o) })
	}
	wg.Wait()

	created := 0
	for i := range saves {
		if errs[i] != nil {
			t.Fatalf("CreateOrder %d: %v", i, errs[i])
		}
		if results[i].ID != results[0].ID || results[i].Number != results[0].Number {
			t.Errorf("CreateOrder %d = %+v, want %+v", i, results[i], results[0])
		}
		if results[i].Created {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d saves created the order, want 1", created)
	}
	if n := count(t, db, "orders", "conversion_key = ?", "conv-1"); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
	if n := count(t, db, "changes", ""); n != 2 {
		t.Errorf("%d change-log entries, want 2", n)
	}
}

func TestCreateOrderRefusals(t *testing.T) {
	tests := []struct {
		name  string
		prior []string // quantities of widgets ordered before, by other conversions
		edit  func(*crm.NewOrder)
		kind  conversion.Kind
		field string
	}{{
		name:  "quantity above the item's quantity",
		edit:  func(o *crm.NewOrder) { o.Draft.Lines[0].Quantity = dec("10.5") },
		kind:  conversion.KindConflict,
		field: "lines[0].quantity",
	}, {
		name:  "quantity above what another order left",
		prior: []string{"8"},
		edit:  func(o *crm.NewOrder) { o.Draft.Lines[0].Quantity = dec("3") },
		kind:  conversion.KindConflict,
		field: "lines[0].quantity",
	}, {
		name: "two lines of one item together above what remains",
		edit: func(o *crm.NewOrder) {
			o.Draft.Lines = append(o.Draft.Lines, line(demo.RenewalWidgets, "6"))
			o.Draft.Lines[0].Quantity = dec("5")
		},
		kind:  conversion.KindConflict,
		field: "lines[0].quantity",
	}, {
		name:  "customer of another organization",
		edit:  func(o *crm.NewOrder) { o.Draft.Header["customer_id"] = demo.Soylent },
		kind:  conversion.KindInvalid,
		field: "customer_id",
	}, {
		name:  "no customer",
		edit:  func(o *crm.NewOrder) { delete(o.Draft.Header, "customer_id") },
		kind:  conversion.KindInvalid,
		field: "customer_id",
	}, {
		name:  "no currency",
		edit:  func(o *crm.NewOrder) { o.Draft.Header["currency"] = "" },
		kind:  conversion.KindInvalid,
		field: "currency",
	}, {
		name:  "unknown header field",
		edit:  func(o *crm.NewOrder) { o.Draft.Header["custom.colour"] = "red" },
		kind:  conversion.KindInvalid,
		field: "custom.colour",
	}, {
		name:  "item of another opportunity",
		edit:  func(o *crm.NewOrder) { o.Draft.Lines[0].OpportunityItemID = "f0000000-0000-4000-8000-000000000004" },
		kind:  conversion.KindInvalid,
		field: "lines[0].opportunity_item_id",
	}, {
		name:  "negative price",
		edit:  func(o *crm.NewOrder) { o.Draft.Lines[0].UnitPrice = dec("-1") },
		kind:  conversion.KindInvalid,
		field: "lines[0].unit_price",
	}, {
		name:  "no lines",
		edit:  func(o *crm.NewOrder) { o.Draft.Lines = nil },
		kind:  conversion.KindInvalid,
		field: "lines",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			store, db := seededStore(t)
			for i, qty := range tt.prior {
				if _, err := store.CreateOrder(ctx, renewalOrder("prior-"+qty, line(demo.RenewalWidgets, qty))); err != nil {
					t.Fatalf("prior CreateOrder %d: %v", i, err)
				}
			}
			orders, items, changes := count(t, db, "orders", ""), count(t, db, "order_items", ""), count(t, db, "changes", "")
			counters := count(t, db, "order_number_counters", "")

			o := renewalOrder("conv-1", line(demo.RenewalWidgets, "1"))
			tt.edit(&o)
			_, err := store.CreateOrder(ctx, o)
			refusal := wantRefusal(t, err, tt.kind)
			if !hasField(refusal, tt.field) {
				t.Errorf("refusal %v does not name %s", refusal, tt.field)
			}
			if n := count(t, db, "orders", ""); n != orders {
				t.Errorf("%d orders, want %d: nothing written", n, orders)
			}
			if n := count(t, db, "order_items", ""); n != items {
				t.Errorf("%d order items, want %d: nothing written", n, items)
			}
			if n := count(t, db, "changes", ""); n != changes {
				t.Errorf("%d change-log entries, want %d: nothing written", n, changes)
			}
			if n := count(t, db, "order_number_counters", ""); n != counters {
				t.Errorf("%d order number counters, want %d: nothing written", n, counters)
			}
		})
	}
}

func TestCreateOrderConflictNamesTheItem(t *testing.T) {
	store, _ := seededStore(t)
	_, err := store.CreateOrder(t.Context(), renewalOrder("conv-1", line(demo.RenewalWidgets, "11")))
	refusal := wantRefusal(t, err, conversion.KindConflict)
	if want := `not enough of WID-100 "Widget" remains to order: another order from the opportunity took some meanwhile`; refusal.Detail != want {
		t.Errorf("detail = %q, want %q", refusal.Detail, want)
	}
}

func TestCreateOrderNumbersPerOrganizationAndYear(t *testing.T) {
	ctx := t.Context()
	store, _ := seededStore(t)

	acme := func(key, orderDate string) crm.NewOrder {
		o := renewalOrder(key, line(demo.RenewalCable, "1"))
		o.Draft.Header["order_date"] = orderDate
		return o
	}
	globex := crm.NewOrder{
		ConversionKey: "globex-1", OrganizationID: demo.Globex, OpportunityID: demo.SoylentSupply, CreatedBy: demo.Gus,
		Draft: conversion.Draft{
			Header: map[string]string{"customer_id": demo.Soylent, "currency": "EUR", "order_date": "2025-08-01"},
			Lines:  []conversion.Line{{OpportunityItemID: "f0000000-0000-4000-8000-000000000011", Quantity: dec("1"), UnitPrice: dec("10")}},
		},
	}
	tests := []struct {
		order crm.NewOrder
		want  string
	}{
		{acme("a", "2025-07-01"), "SO-2025-000043"}, // after the seeded SO-2025-000042
		{acme("b", "2025-12-31"), "SO-2025-000044"},
		{acme("c", "2026-01-01"), "SO-2026-000001"},
		{globex, "SO-2025-000001"}, // Globex counts on its own
		{acme("d", "2026-02-01"), "SO-2026-000002"},
	}
	for _, tt := range tests {
		saved, err := store.CreateOrder(ctx, tt.order)
		if err != nil {
			t.Fatalf("CreateOrder %s: %v", tt.order.ConversionKey, err)
		}
		if saved.Number != tt.want {
			t.Errorf("CreateOrder %s dated %s: number %s, want %s", tt.order.ConversionKey, tt.order.Draft.Header["order_date"], saved.Number, tt.want)
		}
	}
}

func TestCreateOrderMayClose(t *testing.T) {
	tests := []struct {
		name    string
		oppID   string
		itemID  string
		creator string
		want    bool
	}{
		{"owner of an open opportunity", demo.InitechRenewal, demo.RenewalWidgets, demo.Sam, true},
		{"admin, not the owner", demo.InitechRenewal, demo.RenewalWidgets, demo.Ada, true},
		{"member, not the owner", demo.InitechRenewal, demo.RenewalWidgets, demo.Mia, false},
		{"owner of a won opportunity", demo.InitechRefresh, "f0000000-0000-4000-8000-000000000006", demo.Sam, false},
		{"member, on an admin's opportunity", demo.StarkSupport, "f0000000-0000-4000-8000-000000000007", demo.Sam, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, _ := seededStore(t)
			o := renewalOrder("conv-1", conversion.Line{OpportunityItemID: tt.itemID, Quantity: dec("1"), UnitPrice: dec("1")})
			o.OpportunityID, o.CreatedBy = tt.oppID, tt.creator
			saved, err := store.CreateOrder(t.Context(), o)
			if err != nil {
				t.Fatalf("CreateOrder: %v", err)
			}
			if saved.MayClose != tt.want {
				t.Errorf("MayClose = %v, want %v", saved.MayClose, tt.want)
			}
		})
	}
}

func TestCreateOrderOfAnotherOrganizationIsNotFound(t *testing.T) {
	ctx := t.Context()
	store, db := seededStore(t)
	o := renewalOrder("conv-1", line(demo.RenewalWidgets, "1"))
	o.OrganizationID, o.CreatedBy = demo.Globex, demo.Gus
	o.Draft.Header["customer_id"] = demo.Soylent
	if _, err := store.CreateOrder(ctx, o); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("CreateOrder of another organization's opportunity: %v, want ErrNotFound", err)
	}
	if n := count(t, db, "orders", ""); n != 1 {
		t.Errorf("%d orders, want only the seeded one", n)
	}
}
