package crm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/crm"
	"github.com/crmconvert/crmconvert/crm/crmtest"
	"github.com/crmconvert/crmconvert/crm/demo"
)

// tableState is a table's row count and a digest of its rows, including each
// row's xmin, which changes whenever a row is rewritten.
func tableState(t *testing.T, ctx context.Context, db bun.IDB, table string) string {
	t.Helper()
	var state string
	err := db.NewRaw(`SELECT count(*) || ' ' || coalesce(md5(string_agg(r::text || '@' || xmin::text, '|' ORDER BY r::text)), '')
		FROM ? AS r`, bun.Ident(table)).Scan(ctx, &state)
	if err != nil {
		t.Fatalf("read table %s: %v", table, err)
	}
	return state
}

func TestSeedTwiceChangesNothing(t *testing.T) {
	ctx := t.Context()
	db, data := crmtest.Seeded(t) // seeded once already
	before := map[string]string{}
	for _, table := range crmTables {
		before[table] = tableState(t, ctx, db, table)
	}
	if err := crm.NewStore(db).Seed(ctx, data); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	for _, table := range crmTables {
		if after := tableState(t, ctx, db, table); after != before[table] {
			t.Errorf("table %s changed: %s, was %s", table, after, before[table])
		}
	}
	for table, want := range map[string]int{
		"organizations": 2, "users": 5, "custom_fields": 8, "customers": 4, "products": 6,
		"opportunities": 6, "opportunity_items": 9, "orders": 1, "order_items": 1, "changes": 0,
	} {
		if n := count(t, db, table, ""); n != want {
			t.Errorf("%d rows in %s, want %d", n, table, want)
		}
	}
}

func TestSeedUpdatesChangedRows(t *testing.T) {
	ctx := t.Context()
	db, data := crmtest.Seeded(t)
	store := crm.NewStore(db)
	products := tableState(t, ctx, db, "products")

	data.Customers[0].Name = "Initech Ltd"
	data.Opportunities[0].Items[0].Quantity = "12"
	data.Orders[0].Items[0].Quantity = "6"
	if err := store.Seed(ctx, data); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	opp, err := store.OpportunitySnapshot(ctx, demo.Acme, demo.InitechRenewal)
	if err != nil {
		t.Fatalf("OpportunitySnapshot: %v", err)
	}
	if opp.CustomerName != "Initech Ltd" || opp.Items[0].Quantity.String() != "12" {
		t.Errorf("after seeding changes: customer %q, first item quantity %s; want Initech Ltd, 12", opp.CustomerName, opp.Items[0].Quantity)
	}
	order, err := store.Order(ctx, demo.Acme, demo.SpareWidgetsOrder)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	// 6 × 19.99 = 119.94; tax 19 % = 22.7886 → 22.79.
	if order.Subtotal.String() != "119.94" || order.TaxTotal.String() != "22.79" || order.Total.String() != "142.73" {
		t.Errorf("totals after seeding a new quantity: %s + %s = %s, want 119.94 + 22.79 = 142.73", order.Subtotal, order.TaxTotal, order.Total)
	}
	if after := tableState(t, ctx, db, "products"); after != products {
		t.Errorf("products changed, though the file did not change them")
	}
}

func TestSeedComputesOrderTotalsAndContinuesNumbering(t *testing.T) {
	ctx := t.Context()
	store, db := seededStore(t)
	order, err := store.Order(ctx, demo.Acme, demo.SpareWidgetsOrder)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	// 5 × 19.99 = 99.95; tax 19 % = 18.9905 → 18.99.
	got := []string{order.Items[0].LineTotal.String(), order.Subtotal.String(), order.TaxTotal.String(), order.Total.String()}
	want := []string{"99.95", "99.95", "18.99", "118.94"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("line total, subtotal, tax, total = %v, want %v", got, want)
	}
	if n := count(t, db, "order_number_counters", "organization_id = ? AND year = 2025 AND last = 42", demo.Acme); n != 1 {
		t.Errorf("Acme's 2025 order counter is not at 42")
	}
}

func TestSeedChecksAgainstTheDatabase(t *testing.T) {
	tests := []struct {
		name string
		edit func(*crm.SeedData)
		want string
	}{{
		name: "custom value of an undeclared field",
		edit: func(d *crm.SeedData) { d.Opportunities[0].Custom["colour"] = "red" },
		want: "opportunities[0].custom.colour: not a custom field of opportunity",
	}, {
		name: "custom value of the wrong type",
		edit: func(d *crm.SeedData) { d.Opportunities[0].Custom["probability"] = "high" },
		want: "opportunities[0].custom.probability: not a number",
	}, {
		name: "boolean given as text",
		edit: func(d *crm.SeedData) { d.Opportunities[0].Custom["strategic"] = "yes" },
		want: "opportunities[0].custom.strategic: not a boolean",
	}, {
		name: "product of another organization",
		edit: func(d *crm.SeedData) { d.Opportunities[0].Items[0].ProductID = "d0000000-0000-4000-8000-000000000011" },
		want: "opportunities[0].items[0].product_id: a product of another organization",
	}, {
		name: "unknown product",
		edit: func(d *crm.SeedData) { d.Orders[0].Items[0].ProductID = "d0000000-0000-4000-8000-000000000099" },
		want: "orders[0].items[0].product_id: no such product",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			db, data := crmtest.Seeded(t)
			data.Customers[0].Name = "Renamed" // must not be written either
			tt.edit(data)
			err := crm.NewStore(db).Seed(ctx, data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Seed: %v, want an error with %q", err, tt.want)
			}
			if n := count(t, db, "customers", "name = 'Renamed'"); n != 0 {
				t.Errorf("a failed seed wrote rows")
			}
		})
	}
}

// minimalSeed is a valid data file with one row of each kind.
func minimalSeed() *crm.SeedData {
	const org, user, customer, product = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",
		"33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444"
	return &crm.SeedData{
		Organizations: []crm.SeedOrganization{{ID: org, Name: "Initrode"}},
		Users:         []crm.SeedUser{{ID: user, OrganizationID: org, Name: "Peter", Email: "peter@initrode.test", Role: "member", Permissions: []string{"order:create"}}},
		CustomFields:  []crm.SeedCustomField{{OrganizationID: org, Object: "opportunity", Name: "region", Type: "text"}},
		Customers:     []crm.SeedCustomer{{ID: customer, OrganizationID: org, Name: "Penetrode"}},
		Products:      []crm.SeedProduct{{ID: product, OrganizationID: org, SKU: "TPS-1", Name: "TPS report", Price: "1.00"}},
		Opportunities: []crm.SeedOpportunity{{
			ID: "55555555-5555-4555-8555-555555555555", OrganizationID: org, Number: "OPP-1", Name: "Reports",
			CustomerID: customer, OwnerID: user, Currency: "EUR", Custom: map[string]any{"region": "south"},
			Items: []crm.SeedItem{{ID: "66666666-6666-4666-8666-666666666666", ProductID: product, Quantity: "2", UnitPrice: "1.00"}},
		}},
		Orders: []crm.SeedOrder{{
			ID: "77777777-7777-4777-8777-777777777777", OrganizationID: org, Number: "SO-2024-000007",
			CustomerID: customer, Currency: "EUR", OrderDate: "2024-01-31", CreatedBy: user,
			Items: []crm.SeedItem{{ID: "88888888-8888-4888-8888-888888888888", ProductID: product, Quantity: "1", UnitPrice: "1.00"}},
		}},
	}
}

func TestLoadSeedAcceptsAValidFile(t *testing.T) {
	for name, src := range map[string][]byte{"demo": demo.JSON, "minimal": mustJSON(t, minimalSeed())} {
		if _, err := crm.LoadSeed(bytes.NewReader(src)); err != nil {
			t.Errorf("LoadSeed(%s): %v", name, err)
		}
	}
}

func TestLoadSeedNamesWhatIsWrong(t *testing.T) {
	tests := []struct {
		name string
		edit func(*crm.SeedData)
		want string
	}{
		{"bad decimal", func(d *crm.SeedData) { d.Opportunities[0].Items[0].Quantity = "two" },
			"opportunities[0].items[0].quantity: not a decimal"},
		{"negative price", func(d *crm.SeedData) { d.Products[0].Price = "-1" }, "products[0].price: must not be negative"},
		{"too many decimal places", func(d *crm.SeedData) { d.Orders[0].Items[0].UnitPrice = "1.00001" },
			"orders[0].items[0].unit_price: at most 4 decimal places"},
		{"zero quantity on an order", func(d *crm.SeedData) { d.Orders[0].Items[0].Quantity = "0" },
			"orders[0].items[0].quantity: must be more than 0"},
		{"bad id", func(d *crm.SeedData) { d.Users[0].ID = "peter" }, "users[0].id: not a UUID"},
		{"bad role", func(d *crm.SeedData) { d.Users[0].Role = "boss" }, `users[0].role: "boss" is not one of admin, member`},
		{"bad permission", func(d *crm.SeedData) { d.Users[0].Permissions = []string{"order:delete"} },
			`users[0].permissions[0]: "order:delete" is not one of order:create, order:update`},
		{"duplicate email", func(d *crm.SeedData) {
			u := d.Users[0]
			u.ID, u.Email = "22222222-2222-4222-8222-999999999999", "PETER@initrode.test"
			d.Users = append(d.Users, u)
		}, "users[1].email: users[0] has it already"},
		{"duplicate id", func(d *crm.SeedData) { d.Customers = append(d.Customers, d.Customers[0]) },
			"customers[1].id: the same customer as customers[0].id"},
		{"bad currency", func(d *crm.SeedData) { d.Orders[0].Currency = "EURO" }, "orders[0].currency: not an ISO 4217 currency code"},
		{"bad date", func(d *crm.SeedData) { d.Orders[0].OrderDate = "31.01.2024" }, "orders[0].order_date: not a date (YYYY-MM-DD)"},
		{"bad status", func(d *crm.SeedData) { d.Opportunities[0].Status = "pending" }, `opportunities[0].status: "pending" is not one of open, won, lost`},
		{"open but closed", func(d *crm.SeedData) { d.Opportunities[0].ClosedBy = d.Users[0].ID },
			"opportunities[0].status: an open opportunity has no closed_at or closed_by"},
		{"bad custom field type", func(d *crm.SeedData) { d.CustomFields[0].Type = "colour" }, `custom_fields[0].type: "colour" is not one of text, number, money, date, boolean`},
		{"reference across organizations", func(d *crm.SeedData) {
			d.Organizations = append(d.Organizations, crm.SeedOrganization{ID: "99999999-9999-4999-8999-999999999999", Name: "Other"})
			d.Customers[0].OrganizationID = "99999999-9999-4999-8999-999999999999"
		}, "opportunities[0].customer_id: a customer of another organization"},
		{"missing owner", func(d *crm.SeedData) { d.Opportunities[0].OwnerID = "" }, "opportunities[0].owner_id: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := minimalSeed()
			tt.edit(d)
			_, err := crm.LoadSeed(bytes.NewReader(mustJSON(t, d)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadSeed: %v\nwant an error with %q", err, tt.want)
			}
		})
	}
}

func TestLoadSeedRejectsMalformedJSON(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"syntax", "{\n  \"organizations\": [\n}", "line 3: invalid character"},
		{"unknown field", `{"organisations": []}`, `unknown field "organisations"`},
		{"wrong type", "{\n\"users\": [{\"permissions\": \"order:create\"}]}", "line 2: users.permissions: a JSON string where a []string belongs"},
		{"decimal as number", `{"products": [{"price": 10}]}`, "products.price: a JSON number where a string belongs"},
		{"two documents", "{}\n{}", "line 2: more after the end of the document"},
		{"a stray brace", "{}\n\n}", "line 3: more after the end of the document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := crm.LoadSeed(strings.NewReader(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadSeed: %v\nwant an error with %q", err, tt.want)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSeedKeepsWhatAConversionWrote(t *testing.T) {
	ctx := t.Context()
	store, db := seededStore(t)
	o := renewalOrder("conv-1", line(demo.RenewalWidgets, "2"))
	saved, err := store.CreateOrder(ctx, o)
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	order, err := store.Order(ctx, demo.Acme, saved.ID)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	// Replay the order as an export would have it, with a new title.
	it := order.Items[0]
	err = store.Seed(ctx, &crm.SeedData{Orders: []crm.SeedOrder{{
		ID: order.ID, OrganizationID: demo.Acme, Number: order.Number, Title: "Renamed", CustomerID: order.CustomerID,
		Currency: order.Currency, OrderDate: order.OrderDate, Status: order.Status,
		OpportunityID: demo.InitechRenewal, CreatedBy: order.CreatedBy,
		Items: []crm.SeedItem{{ID: it.ID, ProductID: it.ProductID, Quantity: it.Quantity.String(), UnitPrice: it.UnitPrice.String(),
			DiscountPercent: it.DiscountPercent.String(), TaxRate: it.TaxRate.String()}},
	}}})
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	again, err := store.CreateOrder(ctx, o)
	if err != nil || again.ID != saved.ID || again.Created {
		t.Errorf("CreateOrder after the replay = %+v, %v; want the same order, not created", again, err)
	}
	if n := count(t, db, "orders", "title = 'Renamed' AND conversion_key = 'conv-1'"); n != 1 {
		t.Errorf("the replayed order lost its conversion key or its new title")
	}
	opp, err := store.OpportunitySnapshot(ctx, demo.Acme, demo.InitechRenewal)
	if err != nil || opp.Items[0].Remaining.String() != "8" {
		t.Errorf("widgets remaining after the replay: %v, %v; want 8", opp.Items[0].Remaining, err)
	}
}
