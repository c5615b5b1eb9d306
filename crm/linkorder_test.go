package crm_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/demo"
)

// linkSpare links the demo's order SO-2025-000042 as the user.
func linkSpare(user, oppID string, close bool) crm.LinkOrder {
	return crm.LinkOrder{OrganizationID: demo.Acme, OrderID: demo.SpareWidgetsOrder, OpportunityID: oppID, Close: close, UserID: user}
}

// orderOpportunity is the opportunity id of an order, "" for none.
func orderOpportunity(t *testing.T, store *crm.Store, orderID string) string {
	t.Helper()
	o, err := store.Order(t.Context(), demo.Acme, orderID)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	if o.Opportunity == nil {
		return ""
	}
	return o.Opportunity.ID
}

// opportunityStatus is the status of an opportunity of Acme.
func opportunityStatus(t *testing.T, store *crm.Store, oppID string) string {
	t.Helper()
	o, err := store.Opportunity(t.Context(), demo.Acme, oppID)
	if err != nil {
		t.Fatalf("Opportunity: %v", err)
	}
	return o.Status
}

// reasons lists the reasons of an object's change log, newest first.
func reasons(t *testing.T, store *crm.Store, objectType, id string) []string {
	t.Helper()
	entries, err := store.ChangeLog(t.Context(), demo.Acme, objectType, id)
	if err != nil {
		t.Fatalf("ChangeLog: %v", err)
	}
	out := []string{}
	for _, e := range entries {
		out = append(out, e.Reason)
	}
	return out
}

func TestLinkOrderAndCloseTheOpportunity(t *testing.T) {
	ctx := t.Context()
	store, _ := seededStore(t)
	res, err := store.LinkOrder(ctx, linkSpare(demo.Sam, demo.InitechRenewal, true))
	if err != nil {
		t.Fatalf("LinkOrder: %v", err)
	}
	if res != (crm.LinkResult{Linked: true, Closed: true}) {
		t.Errorf("LinkOrder = %+v, want linked and closed", res)
	}
	if got := orderOpportunity(t, store, demo.SpareWidgetsOrder); got != demo.InitechRenewal {
		t.Errorf("order's opportunity = %q, want OPP-000001", got)
	}
	opp, err := store.Opportunity(ctx, demo.Acme, demo.InitechRenewal)
	if err != nil {
		t.Fatal(err)
	}
	if opp.Status != crm.StatusWon || opp.ClosedBy != demo.Sam || len(opp.Orders) != 1 || opp.Orders[0].Number != "SO-2025-000042" {
		t.Errorf("opportunity: status %s closed by %s, orders %+v; want won by Sam with SO-2025-000042", opp.Status, opp.ClosedBy, opp.Orders)
	}

	orderLog, err := store.ChangeLog(ctx, demo.Acme, crm.ObjectOrder, demo.SpareWidgetsOrder)
	if err != nil || len(orderLog) != 1 {
		t.Fatalf("order's change log = %+v, %v; want one entry", orderLog, err)
	}
	e := orderLog[0]
	if e.Reason != "opportunity OPP-000001 linked" || e.UserID != demo.Sam || e.UserName != "Sam Seller" ||
		e.Changes["opportunity_id"] != (crm.Change{Before: nil, After: demo.InitechRenewal}) ||
		e.Changes["opportunity"] != (crm.Change{Before: nil, After: "OPP-000001"}) {
		t.Errorf("order's entry = %+v", e)
	}
	oppLog, err := store.ChangeLog(ctx, demo.Acme, crm.ObjectOpportunity, demo.InitechRenewal)
	if err != nil || len(oppLog) != 2 {
		t.Fatalf("opportunity's change log = %+v, %v; want two entries", oppLog, err)
	}
	if oppLog[0].Reason != "opportunity closed as won with order SO-2025-000042" ||
		oppLog[0].Changes["status"] != (crm.Change{Before: "open", After: "won"}) {
		t.Errorf("newest opportunity entry = %+v, want the closing", oppLog[0])
	}
	if oppLog[1].Reason != "order SO-2025-000042 linked" ||
		oppLog[1].Changes["orders"] != (crm.Change{Before: nil, After: "SO-2025-000042"}) {
		t.Errorf("older opportunity entry = %+v, want the link", oppLog[1])
	}

	// The same request again changes nothing and answers alike.
	res, err = store.LinkOrder(ctx, linkSpare(demo.Sam, demo.InitechRenewal, true))
	if err != nil || res != (crm.LinkResult{PreviousOpportunityID: demo.InitechRenewal}) {
		t.Errorf("repeated LinkOrder = %+v, %v; want nothing changed", res, err)
	}
	if n := len(reasons(t, store, crm.ObjectOpportunity, demo.InitechRenewal)); n != 2 {
		t.Errorf("%d opportunity entries after the repeat, want 2", n)
	}
}

func TestLinkOrderRefusalsChangeNothing(t *testing.T) {
	tests := []struct {
		name     string
		setup    *crm.LinkOrder // done first, and expected to work
		link     crm.LinkOrder
		kind     conversion.Kind // "" for ErrNotFound
		notFound string          // the object not found
	}{
		{name: "without order:update", link: linkSpare(demo.Mia, demo.InitechRenewal, false), kind: conversion.KindForbidden},
		{name: "without any permission", link: linkSpare(demo.Vic, demo.InitechRenewal, false), kind: conversion.KindForbidden},
		{name: "closing another's opportunity", link: linkSpare(demo.Sam, demo.StarkSupport, true), kind: conversion.KindForbidden},
		{name: "closing a won opportunity", link: linkSpare(demo.Sam, demo.InitechRefresh, true), kind: conversion.KindConflict},
		{name: "closing a won opportunity as admin", link: linkSpare(demo.Ada, demo.InitechRefresh, true), kind: conversion.KindConflict},
		{name: "closing a won opportunity, the order linked to it already",
			setup: new(linkSpare(demo.Sam, demo.InitechRefresh, false)),
			link:  linkSpare(demo.Ada, demo.InitechRefresh, true), kind: conversion.KindConflict},
		{name: "closing nothing", link: linkSpare(demo.Sam, "", true), kind: conversion.KindInvalid},
		{name: "another organization's opportunity", link: linkSpare(demo.Sam, demo.SoylentSupply, false), notFound: "opportunity"},
		{name: "no such opportunity", link: linkSpare(demo.Sam, "e0000000-0000-4000-8000-0000000000ff", true), notFound: "opportunity"},
		{name: "another organization's order", notFound: "order",
			link: crm.LinkOrder{OrganizationID: demo.Globex, OrderID: demo.SpareWidgetsOrder, OpportunityID: demo.SoylentSupply, UserID: demo.Gus}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			store, db := seededStore(t)
			if tt.setup != nil {
				if _, err := store.LinkOrder(ctx, *tt.setup); err != nil {
					t.Fatalf("setup: %v", err)
				}
			}
			before := snapshot(t, db)
			_, err := store.LinkOrder(ctx, tt.link)
			if tt.kind != "" {
				wantRefusal(t, err, tt.kind)
			} else {
				var nf *crm.NotFoundError
				if !errors.As(err, &nf) || !errors.Is(err, crm.ErrNotFound) || nf.Object != tt.notFound {
					t.Fatalf("LinkOrder = %v, want %s not found", err, tt.notFound)
				}
			}
			if after := snapshot(t, db); after != before {
				t.Errorf("the refusal changed something:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// snapshot sums up what a link may change: the orders' opportunities, the
// opportunities' statuses, and the size of the change log.
func snapshot(t *testing.T, db bun.IDB) string {
	t.Helper()
	var s string
	err := db.NewRaw(`SELECT concat_ws(' | ',
		(SELECT string_agg(number || '=' || coalesce(opportunity_id::text, '-') || '@' || updated_at::text, ',' ORDER BY number) FROM orders),
		(SELECT string_agg(number || '=' || status || coalesce(closed_by::text, ''), ',' ORDER BY organization_id, number) FROM opportunities),
		(SELECT count(*)::text FROM changes))`).Scan(t.Context(), &s)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return s
}

func TestChangeAndUnlinkTheOpportunity(t *testing.T) {
	ctx := t.Context()
	store, _ := seededStore(t)
	steps := []struct {
		link crm.LinkOrder
		want crm.LinkResult
	}{
		{linkSpare(demo.Sam, demo.InitechRenewal, false), crm.LinkResult{Linked: true}},
		{linkSpare(demo.Ada, demo.StarkSupport, false), crm.LinkResult{Linked: true, PreviousOpportunityID: demo.InitechRenewal}},
		{linkSpare(demo.Ada, demo.StarkSupport, true), crm.LinkResult{Closed: true, PreviousOpportunityID: demo.StarkSupport}},
		{linkSpare(demo.Sam, "", false), crm.LinkResult{Linked: true, PreviousOpportunityID: demo.StarkSupport}},
		{linkSpare(demo.Sam, "", false), crm.LinkResult{}},
	}
	for i, s := range steps {
		got, err := store.LinkOrder(ctx, s.link)
		if err != nil || got != s.want {
			t.Fatalf("step %d: LinkOrder = %+v, %v; want %+v", i, got, err, s.want)
		}
	}
	if got := orderOpportunity(t, store, demo.SpareWidgetsOrder); got != "" {
		t.Errorf("order's opportunity = %q, want none", got)
	}
	if got := opportunityStatus(t, store, demo.StarkSupport); got != crm.StatusWon {
		t.Errorf("OPP-000005 is %s, want won", got)
	}
	wantLogs := map[string][]string{
		demo.SpareWidgetsOrder: {"opportunity OPP-000005 unlinked", "opportunity changed from OPP-000001 to OPP-000005", "opportunity OPP-000001 linked"},
		demo.InitechRenewal:    {"order SO-2025-000042 unlinked", "order SO-2025-000042 linked"},
		demo.StarkSupport:      {"order SO-2025-000042 unlinked", "opportunity closed as won with order SO-2025-000042", "order SO-2025-000042 linked"},
	}
	for id, want := range wantLogs {
		objectType := crm.ObjectOpportunity
		if id == demo.SpareWidgetsOrder {
			objectType = crm.ObjectOrder
		}
		if got := reasons(t, store, objectType, id); !slices.Equal(got, want) {
			t.Errorf("change log of %s = %q, want %q", id, got, want)
		}
	}
	entries, err := store.ChangeLog(ctx, demo.Acme, crm.ObjectOrder, demo.SpareWidgetsOrder)
	if err != nil {
		t.Fatal(err)
	}
	if c := entries[0].Changes["opportunity"]; c != (crm.Change{Before: "OPP-000005", After: nil}) {
		t.Errorf("unlink recorded %+v, want OPP-000005 → null", c)
	}
	if c := entries[1].Changes["opportunity_id"]; c != (crm.Change{Before: demo.InitechRenewal, After: demo.StarkSupport}) {
		t.Errorf("change recorded %+v, want OPP-000001's id → OPP-000005's", c)
	}
}

// An order unlinked from its opportunity no longer takes from what remains
// of its items; linked again, it does again.
func TestUnlinkedOrderGivesBackItsQuantities(t *testing.T) {
	ctx := t.Context()
	store, _ := seededStore(t)
	saved, err := store.CreateOrder(ctx, renewalOrder("conv-1", line(demo.RenewalWidgets, "4")))
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	remaining := func() string {
		t.Helper()
		opp, err := store.OpportunitySnapshot(ctx, demo.Acme, demo.InitechRenewal)
		if err != nil {
			t.Fatal(err)
		}
		it, _ := opp.Item(demo.RenewalWidgets)
		return it.Remaining.String()
	}
	link := func(oppID string) {
		t.Helper()
		l := crm.LinkOrder{OrganizationID: demo.Acme, OrderID: saved.ID, OpportunityID: oppID, UserID: demo.Sam}
		if _, err := store.LinkOrder(ctx, l); err != nil {
			t.Fatalf("LinkOrder(%q): %v", oppID, err)
		}
	}
	if got := remaining(); got != "6" {
		t.Errorf("remaining after the order = %s, want 6", got)
	}
	link("")
	if got := remaining(); got != "10" {
		t.Errorf("remaining after unlinking = %s, want 10", got)
	}
	link(demo.InitechRenewal)
	if got := remaining(); got != "6" {
		t.Errorf("remaining after linking again = %s, want 6", got)
	}
}

// Sam closed OPP-000004 long ago. Asking to close it with an order already
// linked to it is a repeat, and answers as one; with another order, it is
// refused.
func TestCloseWhatTheUserClosedBefore(t *testing.T) {
	ctx := t.Context()
	store, _ := seededStore(t)
	if _, err := store.LinkOrder(ctx, linkSpare(demo.Sam, demo.InitechRefresh, false)); err != nil {
		t.Fatalf("LinkOrder: %v", err)
	}
	res, err := store.LinkOrder(ctx, linkSpare(demo.Sam, demo.InitechRefresh, true))
	if err != nil || res != (crm.LinkResult{PreviousOpportunityID: demo.InitechRefresh}) {
		t.Errorf("LinkOrder = %+v, %v; want nothing changed", res, err)
	}
	if got := reasons(t, store, crm.ObjectOpportunity, demo.InitechRefresh); !slices.Equal(got, []string{"order SO-2025-000042 linked"}) {
		t.Errorf("change log of OPP-000004 = %q, want the link only", got)
	}
}
