package crm_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/demo"
)

func TestOrders(t *testing.T) {
	ctx := t.Context()
	store, _ := seededStore(t)
	var made []string
	for i := range 5 {
		saved, err := store.CreateOrder(ctx, renewalOrder(fmt.Sprint("conv-", i), line(demo.RenewalCable, "1")))
		if err != nil {
			t.Fatalf("CreateOrder: %v", err)
		}
		made = append(made, saved.Number)
	}
	slices.Reverse(made) // newest first

	numbers := func(f crm.OrderFilter, limit int) ([]string, []int) {
		t.Helper()
		var got []string
		var pages []int
		page := crm.Page{Limit: limit}
		for {
			list, err := store.Orders(ctx, demo.Acme, f, page)
			if err != nil {
				t.Fatalf("Orders(%+v, %+v): %v", f, page, err)
			}
			pages = append(pages, len(list.Orders))
			for _, o := range list.Orders {
				got = append(got, o.Number)
			}
			if list.Next == "" {
				return got, pages
			}
			page.After = list.Next
		}
	}
	got, pages := numbers(crm.OrderFilter{OpportunityID: demo.InitechRenewal}, 2)
	if !slices.Equal(got, made) || !slices.Equal(pages, []int{2, 2, 1}) {
		t.Errorf("orders of OPP-000001 = %v in pages %v, want %v newest first", got, pages, made)
	}
	got, _ = numbers(crm.OrderFilter{}, 0)
	if want := append(slices.Clone(made), "SO-2025-000042"); !slices.Equal(got, want) {
		t.Errorf("all orders = %v, want %v", got, want)
	}
	got, _ = numbers(crm.OrderFilter{OpportunityID: demo.UmbrellaLab}, 0)
	if len(got) != 0 {
		t.Errorf("orders of OPP-000002 = %v, want none", got)
	}

	list, err := store.Orders(ctx, demo.Acme, crm.OrderFilter{}, crm.Page{Limit: 6})
	if err != nil {
		t.Fatal(err)
	}
	spare := list.Orders[5]
	if spare.ID != demo.SpareWidgetsOrder || spare.CustomerName != "Initech" || spare.OpportunityID != "" ||
		spare.Currency != "EUR" || spare.OrderDate != "2025-06-01" || spare.Status != "confirmed" {
		t.Errorf("SO-2025-000042 listed as %+v", spare)
	}
	if o := list.Orders[0]; o.OpportunityNumber != "OPP-000001" || o.OpportunityName != "Initech renewal" {
		t.Errorf("newest order listed as %+v, want with OPP-000001", o)
	}

	for _, f := range []crm.OrderFilter{{OpportunityID: demo.SoylentSupply}, {OpportunityID: "nope"}} {
		if _, err := store.Orders(ctx, demo.Acme, f, crm.Page{}); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("Orders(%+v) = %v, want ErrNotFound", f, err)
		}
	}
	first, err := store.Orders(ctx, demo.Acme, crm.OrderFilter{}, crm.Page{Limit: 1})
	if err != nil || first.Next == "" {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	_, err = store.Orders(ctx, demo.Acme, crm.OrderFilter{OpportunityID: demo.InitechRenewal}, crm.Page{After: first.Next})
	if !errors.Is(err, crm.ErrBadCursor) {
		t.Errorf("a cursor of another filter: %v, want ErrBadCursor", err)
	}
}

func TestChangeLogPage(t *testing.T) {
	ctx := t.Context()
	store, _ := seededStore(t)
	// Seven entries on the order: linked, then six changes between two opportunities.
	for i := range 7 {
		opp := demo.InitechRenewal
		if i%2 == 1 {
			opp = demo.UmbrellaLab
		}
		if _, err := store.LinkOrder(ctx, linkSpare(demo.Sam, opp, false)); err != nil {
			t.Fatalf("LinkOrder: %v", err)
		}
	}
	all, err := store.ChangeLog(ctx, demo.Acme, crm.ObjectOrder, demo.SpareWidgetsOrder)
	if err != nil || len(all) != 7 {
		t.Fatalf("ChangeLog = %d entries, %v; want 7", len(all), err)
	}
	var paged []crm.ChangeEntry
	page := crm.Page{Limit: 3}
	for {
		got, err := store.ChangeLogPage(ctx, demo.Acme, crm.ObjectOrder, demo.SpareWidgetsOrder, page)
		if err != nil {
			t.Fatalf("ChangeLogPage: %v", err)
		}
		paged = append(paged, got.Entries...)
		if got.Next == "" {
			break
		}
		page.After = got.Next
	}
	if len(paged) != len(all) {
		t.Fatalf("pages hold %d entries, want %d", len(paged), len(all))
	}
	for i := range all {
		if paged[i].ID != all[i].ID {
			t.Errorf("entry %d = %d, want %d (newest first)", i, paged[i].ID, all[i].ID)
		}
	}
	if all[len(all)-1].Reason != "opportunity OPP-000001 linked" {
		t.Errorf("oldest entry %q, want the first link", all[len(all)-1].Reason)
	}

	empty, err := store.ChangeLogPage(ctx, demo.Acme, crm.ObjectOpportunity, demo.StarkPilot, crm.Page{})
	if err != nil || len(empty.Entries) != 0 || empty.Next != "" {
		t.Errorf("log of OPP-000003 = %+v, %v; want empty", empty, err)
	}
	for _, tt := range []struct{ org, objectType, id string }{
		{demo.Globex, crm.ObjectOrder, demo.SpareWidgetsOrder},
		{demo.Acme, crm.ObjectOpportunity, demo.SoylentSupply},
		{demo.Acme, crm.ObjectOpportunity, demo.SpareWidgetsOrder}, // an order's id as an opportunity's
		{demo.Acme, crm.ObjectOrder, "42"},
	} {
		if _, err := store.ChangeLogPage(ctx, tt.org, tt.objectType, tt.id, crm.Page{}); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("ChangeLogPage(%+v) = %v, want ErrNotFound", tt, err)
		}
	}
	_, err = store.ChangeLogPage(ctx, demo.Acme, crm.ObjectOpportunity, demo.InitechRenewal, crm.Page{After: page.After})
	if !errors.Is(err, crm.ErrBadCursor) {
		t.Errorf("a cursor of another log: %v, want ErrBadCursor", err)
	}
}
