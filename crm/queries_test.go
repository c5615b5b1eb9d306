package crm_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/crmtest"
	"github.com/crmconvert/crmconvert/crm/demo"
)

func TestOpportunitySnapshot(t *testing.T) {
	store, _ := seededStore(t)
	opp, err := store.OpportunitySnapshot(t.Context(), demo.Acme, demo.InitechRenewal)
	if err != nil {
		t.Fatalf("OpportunitySnapshot: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"number", opp.Number, "OPP-000001"},
		{"name", opp.Name, "Initech renewal"},
		{"customer", opp.CustomerID + " " + opp.CustomerName, demo.Initech + " Initech"},
		{"owner", opp.OwnerID + " " + opp.OwnerName, demo.Sam + " Sam Seller"},
		{"status", opp.Status, "open"},
		{"currency", opp.Currency, "EUR"},
		{"expected close date", opp.ExpectedCloseDate, "2026-09-30"},
		{"amount", opp.Amount.String(), "878.16"},
		{"payment terms", opp.PaymentTerms, "30 days net"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	// Custom values keep their JSON types, numbers their digits.
	wantCustom := map[string]any{
		"region": "north", "probability": json.Number("0.7"), "budget": "50000.00",
		"deadline": "2026-09-30", "strategic": true,
	}
	for name, want := range wantCustom {
		if got := opp.Custom[name]; got != want {
			t.Errorf("custom %s = %#v, want %#v", name, got, want)
		}
	}
	if v, _ := opp.SourceValue("opportunity.custom.probability"); v != "0.7" {
		t.Errorf("source value of probability = %q, want 0.7", v)
	}

	var skus []string
	for _, it := range opp.Items {
		skus = append(skus, it.SKU)
		if !it.Remaining.Equal(it.Quantity) {
			t.Errorf("item %s remaining %s, want all of %s", it.SKU, it.Remaining, it.Quantity)
		}
	}
	if want := []string{"WID-100", "SUP-300", "CAB-500"}; !slices.Equal(skus, want) {
		t.Errorf("items %v, want %v in their order", skus, want)
	}
	it := opp.Items[0]
	if it.ProductName != "Widget" || it.Unit != "pcs" || it.Description != "Widget, blue" ||
		it.UnitPrice.String() != "19.99" || it.DiscountPercent.String() != "10" || it.TaxRate.String() != "19" {
		t.Errorf("first item = %+v", it)
	}
}

func TestSnapshotOfAnOpportunityWithoutItems(t *testing.T) {
	store, _ := seededStore(t)
	opp, err := store.OpportunitySnapshot(t.Context(), demo.Acme, demo.StarkPilot)
	if err != nil {
		t.Fatalf("OpportunitySnapshot: %v", err)
	}
	if opp.Items == nil || len(opp.Items) != 0 || len(opp.Custom) != 0 {
		t.Errorf("items %#v, custom %#v; want both empty, not nil items", opp.Items, opp.Custom)
	}
	var refusal *conversion.Error
	if !errors.As(opp.Convertible(), &refusal) || refusal.Kind != conversion.KindInvalid {
		t.Errorf("Convertible() = %v, want the no-details refusal", opp.Convertible())
	}
}

func TestObjectsOfAnotherOrganizationAreNotFound(t *testing.T) {
	ctx := t.Context()
	store, _ := seededStore(t)
	reads := map[string]func(orgID, id string) error{
		"OpportunitySnapshot": func(orgID, id string) error { _, err := store.OpportunitySnapshot(ctx, orgID, id); return err },
		"Opportunity":         func(orgID, id string) error { _, err := store.Opportunity(ctx, orgID, id); return err },
		"Order":               func(orgID, id string) error { _, err := store.Order(ctx, orgID, id); return err },
	}
	ids := map[string]string{"OpportunitySnapshot": demo.InitechRenewal, "Opportunity": demo.InitechRenewal, "Order": demo.SpareWidgetsOrder}
	for name, read := range reads {
		if err := read(demo.Acme, ids[name]); err != nil {
			t.Errorf("%s in its organization: %v", name, err)
		}
		for _, bad := range []struct{ orgID, id string }{
			{demo.Globex, ids[name]},                            // another organization's
			{demo.Acme, "e0000000-0000-4000-8000-0000000000ff"}, // no such object
			{demo.Acme, "OPP-000001"},                           // not an id
		} {
			if err := read(bad.orgID, bad.id); !errors.Is(err, crm.ErrNotFound) {
				t.Errorf("%s(%s, %s) = %v, want ErrNotFound", name, bad.orgID, bad.id, err)
			}
		}
	}
}

func TestOpportunityDetail(t *testing.T) {
	ctx := t.Context()
	store, _ := seededStore(t)
	saved, err := store.CreateOrder(ctx, renewalOrder("conv-1", line(demo.RenewalSupport, "2")))
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	opp, err := store.Opportunity(ctx, demo.Acme, demo.InitechRenewal)
	if err != nil {
		t.Fatalf("Opportunity: %v", err)
	}
	want := crm.OrderSummary{ID: saved.ID, Number: "SO-2026-000001", Title: "Initech renewal", Status: "draft",
		OrderDate: "2026-03-01", Currency: "EUR"}
	if len(opp.Orders) != 1 {
		t.Fatalf("orders = %+v, want one", opp.Orders)
	}
	got := opp.Orders[0]
	if got.Total.String() != "226.1" || got.CreatedAt.IsZero() { // 190.00 + 19 % tax
		t.Errorf("order total %s, created at %v; want 226.1 and a time", got.Total, got.CreatedAt)
	}
	got.Total, got.CreatedAt = want.Total, want.CreatedAt
	if got != want {
		t.Errorf("order summary = %+v, want %+v", got, want)
	}
	if opp.Items[1].Remaining.String() != "3" {
		t.Errorf("support remaining %s, want 3", opp.Items[1].Remaining)
	}
	if opp.ClosedAt != nil || opp.ClosedBy != "" {
		t.Errorf("open opportunity closed at %v by %q", opp.ClosedAt, opp.ClosedBy)
	}

	won, err := store.Opportunity(ctx, demo.Acme, demo.InitechRefresh)
	if err != nil {
		t.Fatalf("Opportunity: %v", err)
	}
	if won.ClosedAt == nil || won.ClosedAt.UTC().Format("2006-01-02T15:04") != "2025-11-15T10:00" || won.ClosedByName != "Sam Seller" {
		t.Errorf("won opportunity closed at %v by %q, want 2025-11-15T10:00Z by Sam Seller", won.ClosedAt, won.ClosedByName)
	}
	if won.Orders == nil {
		t.Errorf("orders of an opportunity without any are nil, want empty")
	}
}

func TestOrderDetailOfASeededOrder(t *testing.T) {
	store, _ := seededStore(t)
	order, err := store.Order(t.Context(), demo.Acme, demo.SpareWidgetsOrder)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	if order.Number != "SO-2025-000042" || order.Status != "confirmed" || order.CustomerName != "Initech" ||
		order.Opportunity != nil || order.CreatedByName != "Ada Admin" || order.OrderDate != "2025-06-01" ||
		order.DeliveryDate != "" || order.ConversionKey != "" || len(order.Items) != 1 || order.Items[0].SKU != "WID-100" {
		t.Errorf("order = %+v", order)
	}
	b, err := json.Marshal(order)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	if _, ok := fields["conversion_key"]; ok {
		t.Errorf("the order's JSON shows its conversion key: %s", b)
	}
	if fields["total"] != "118.94" || fields["opportunity"] != nil {
		t.Errorf("the order's JSON: total %v, opportunity %v; want \"118.94\" and null", fields["total"], fields["opportunity"])
	}
}

func TestUsers(t *testing.T) {
	ctx := t.Context()
	store, db := seededStore(t)
	if _, err := db.ExecContext(ctx, "UPDATE users SET active = false WHERE id = ?", demo.Mia); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		email          string
		id             string
		admin          bool
		create, update bool
	}{
		{"ada@acme.test", demo.Ada, true, true, true},
		{"SAM@Acme.Test", demo.Sam, false, true, true},
		{"mia@acme.test", demo.Mia, false, false, false}, // inactive
		{"vic@acme.test", demo.Vic, false, false, false},
		{"gus@globex.test", demo.Gus, true, true, true},
	}
	for _, tt := range tests {
		u, err := store.UserByEmail(ctx, tt.email)
		if err != nil {
			t.Fatalf("UserByEmail(%s): %v", tt.email, err)
		}
		byID, err := store.UserByID(ctx, tt.id)
		if err != nil {
			t.Fatalf("UserByID(%s): %v", tt.id, err)
		}
		if u.ID != tt.id || byID.Email != u.Email || !slices.Equal(byID.Permissions, u.Permissions) {
			t.Errorf("UserByEmail(%s) = %+v, UserByID = %+v", tt.email, u, byID)
		}
		if u.IsAdmin() != tt.admin || u.Can(crm.PermOrderCreate) != tt.create || u.Can(crm.PermOrderUpdate) != tt.update {
			t.Errorf("%s: admin %v, create %v, update %v; want %v, %v, %v", tt.email,
				u.IsAdmin(), u.Can(crm.PermOrderCreate), u.Can(crm.PermOrderUpdate), tt.admin, tt.create, tt.update)
		}
	}
	admin := crm.User{Role: crm.RoleAdmin, Active: true}
	if admin.Can(crm.PermOrderCreate) {
		t.Errorf("an admin without permissions can create orders")
	}
	for _, id := range []string{"b0000000-0000-4000-8000-0000000000ff", "ada"} {
		if _, err := store.UserByID(ctx, id); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("UserByID(%s) = %v, want ErrNotFound", id, err)
		}
	}
	if _, err := store.UserByEmail(ctx, "nobody@acme.test"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("UserByEmail(nobody) = %v, want ErrNotFound", err)
	}
}

func TestCustomFields(t *testing.T) {
	store, _ := seededStore(t)
	tests := []struct {
		orgID string
		want  []string
	}{
		{demo.Acme, []string{
			"opportunity.budget:money", "opportunity.deadline:date", "opportunity.probability:number",
			"opportunity.region:text", "opportunity.strategic:boolean",
			"order.budget:money", "order.due:date", "order.region:text",
		}},
		{demo.Globex, nil},
		{"not-an-id", nil},
	}
	for _, tt := range tests {
		fields, err := store.CustomFields(t.Context(), tt.orgID)
		if err != nil {
			t.Fatalf("CustomFields(%s): %v", tt.orgID, err)
		}
		var got []string
		for _, f := range fields {
			got = append(got, f.Object+"."+f.Name+":"+string(f.Type))
		}
		if !slices.Equal(got, tt.want) || fields == nil {
			t.Errorf("CustomFields(%s) = %v, want %v (not nil)", tt.orgID, got, tt.want)
		}
	}
}

func TestRememberMapping(t *testing.T) {
	ctx := t.Context()
	store, _ := seededStore(t)
	if m, err := store.RememberedMapping(ctx, demo.Sam); err != nil || m != nil {
		t.Fatalf("RememberedMapping before any = %v, %v; want nil", m, err)
	}
	first := conversion.Mapping{{Source: "opportunity.name", Target: "order.title"}}
	second := conversion.Mapping{
		{Source: "opportunity.customer_id", Target: "order.customer_id"},
		{Source: "opportunity.custom.region", Target: "order.custom.region"},
	}
	for _, m := range []conversion.Mapping{first, second} {
		if err := store.RememberMapping(ctx, demo.Sam, m); err != nil {
			t.Fatalf("RememberMapping: %v", err)
		}
		got, err := store.RememberedMapping(ctx, demo.Sam)
		if err != nil || !slices.Equal(got, m) {
			t.Errorf("RememberedMapping = %v, %v; want %v", got, err, m)
		}
	}
	if m, err := store.RememberedMapping(ctx, demo.Mia); err != nil || m != nil {
		t.Errorf("another user's RememberedMapping = %v, %v; want nil", m, err)
	}
	if err := store.RememberMapping(ctx, "b0000000-0000-4000-8000-0000000000ff", first); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("RememberMapping of an unknown user = %v, want ErrNotFound", err)
	}
}

func TestCustomerInOrganization(t *testing.T) {
	store, _ := seededStore(t)
	tests := []struct {
		orgID, customerID string
		want              bool
	}{
		{demo.Acme, demo.Initech, true},
		{demo.Acme, demo.Soylent, false},
		{demo.Globex, demo.Soylent, true},
		{demo.Acme, "initech", false},
	}
	for _, tt := range tests {
		got, err := store.CustomerInOrganization(t.Context(), tt.orgID, tt.customerID)
		if err != nil || got != tt.want {
			t.Errorf("CustomerInOrganization(%s, %s) = %v, %v; want %v", tt.orgID, tt.customerID, got, err, tt.want)
		}
	}
}

func TestSeedIntoAnEmptyDatabase(t *testing.T) {
	ctx := t.Context()
	db := crmtest.Postgres(t)
	store := crm.NewStore(db)
	if err := store.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if n := count(t, db, "organizations", ""); n != 0 {
		t.Fatalf("a new database has %d organizations, want none", n)
	}
	if err := store.Seed(ctx, minimalSeed()); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	opp, err := store.OpportunitySnapshot(ctx, "11111111-1111-4111-8111-111111111111", "55555555-5555-4555-8555-555555555555")
	if err != nil {
		t.Fatalf("OpportunitySnapshot: %v", err)
	}
	if opp.Status != "open" || opp.Custom["region"] != "south" || len(opp.Items) != 1 || opp.Items[0].DiscountPercent.String() != "0" {
		t.Errorf("seeded opportunity = %+v", opp)
	}
	if n := count(t, db, "order_number_counters", "year = 2024 AND last = 7"); n != 1 {
		t.Errorf("the 2024 counter is not at 7 after seeding SO-2024-000007")
	}
}

// ConversionSnapshot is the three reads a conversion starts from, together;
// an opportunity that is not there (or another organization's) is ErrNotFound.
func TestConversionSnapshot(t *testing.T) {
	ctx := t.Context()
	store, _ := seededStore(t)
	remembered := conversion.Mapping{{Source: "opportunity.name", Target: "order.title"}}
	if err := store.RememberMapping(ctx, demo.Sam, remembered); err != nil {
		t.Fatalf("RememberMapping: %v", err)
	}
	snap, err := store.ConversionSnapshot(ctx, demo.Acme, demo.InitechRenewal, demo.Sam)
	if err != nil {
		t.Fatalf("ConversionSnapshot: %v", err)
	}
	if snap.Opportunity.ID != demo.InitechRenewal || len(snap.Opportunity.Items) == 0 {
		t.Errorf("opportunity = %s with %d items, want %s with its items", snap.Opportunity.ID, len(snap.Opportunity.Items), demo.InitechRenewal)
	}
	if len(snap.CustomFields) != 8 {
		t.Errorf("custom fields = %d, want Acme's 8", len(snap.CustomFields))
	}
	if !slices.Equal(snap.Remembered, remembered) {
		t.Errorf("remembered = %v, want %v", snap.Remembered, remembered)
	}
	if snap, err := store.ConversionSnapshot(ctx, demo.Acme, demo.InitechRenewal, demo.Mia); err != nil || snap.Remembered != nil {
		t.Errorf("Mia's snapshot remembers %v (%v), want nothing", snap.Remembered, err)
	}
	if _, err := store.ConversionSnapshot(ctx, demo.Globex, demo.InitechRenewal, demo.Sam); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("another organization's opportunity: %v, want ErrNotFound", err)
	}
}
