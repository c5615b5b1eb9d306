package crm

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/conversion"
)

// Rows that seeding writes, besides the users, orders and order items that
// other queries write too.

type organizationRow struct {
	bun.BaseModel `bun:"table:organizations"`

	ID   string `bun:"id,pk"`
	Name string `bun:"name"`
}

type customFieldRow struct {
	bun.BaseModel `bun:"table:custom_fields"`

	OrganizationID string `bun:"organization_id,pk"`
	Object         string `bun:"object,pk"`
	Name           string `bun:"name,pk"`
	Type           string `bun:"type"`
}

type customerRow struct {
	bun.BaseModel `bun:"table:customers"`

	ID              string `bun:"id,pk"`
	OrganizationID  string `bun:"organization_id"`
	Name            string `bun:"name"`
	ShippingAddress string `bun:"shipping_address"`
	BillingAddress  string `bun:"billing_address"`
}

type productRow struct {
	bun.BaseModel `bun:"table:products"`

	ID             string          `bun:"id,pk"`
	OrganizationID string          `bun:"organization_id"`
	SKU            string          `bun:"sku"`
	Name           string          `bun:"name"`
	Unit           string          `bun:"unit"`
	Price          decimal.Decimal `bun:"price"`
}

type opportunityWriteRow struct {
	bun.BaseModel `bun:"table:opportunities"`

	ID                string           `bun:"id,pk"`
	OrganizationID    string           `bun:"organization_id"`
	Number            string           `bun:"number"`
	Name              string           `bun:"name"`
	CustomerID        string           `bun:"customer_id,nullzero"`
	ContactName       string           `bun:"contact_name"`
	OwnerID           string           `bun:"owner_id"`
	Status            string           `bun:"status"`
	Currency          string           `bun:"currency,nullzero"`
	ExpectedCloseDate date             `bun:"expected_close_date"`
	Amount            *decimal.Decimal `bun:"amount"`
	Description       string           `bun:"description"`
	ShippingAddress   string           `bun:"shipping_address"`
	BillingAddress    string           `bun:"billing_address"`
	PaymentTerms      string           `bun:"payment_terms"`
	Custom            map[string]any   `bun:"custom,type:jsonb"`
	ClosedAt          *time.Time       `bun:"closed_at"`
	ClosedBy          string           `bun:"closed_by,nullzero"`
}

type opportunityItemRow struct {
	bun.BaseModel `bun:"table:opportunity_items"`

	ID              string          `bun:"id,pk"`
	OpportunityID   string          `bun:"opportunity_id"`
	ProductID       string          `bun:"product_id,nullzero"`
	Description     string          `bun:"description"`
	Quantity        decimal.Decimal `bun:"quantity"`
	UnitPrice       decimal.Decimal `bun:"unit_price"`
	DiscountPercent decimal.Decimal `bun:"discount_percent"`
	TaxRate         decimal.Decimal `bun:"tax_rate"`
	Position        int             `bun:"position"`
}

// Seed upserts a data file in one transaction: each row by its id, so that
// seeding the same file twice changes nothing, and a row whose values differ
// from the file's is updated. It never deletes. Orders get their line totals
// and totals computed as a conversion's are, and each organization's order
// numbering continues after the highest SO-<year>-<n> number it has. Seeding
// writes no change-log entries.
func (s *Store) Seed(ctx context.Context, data *SeedData) error {
	if err := data.Validate(); err != nil {
		return err
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return seed(ctx, tx, data)
	})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

func seed(ctx context.Context, tx bun.Tx, d *SeedData) error {
	orgs := convert(d.Organizations, func(o SeedOrganization) organizationRow {
		return organizationRow{ID: o.ID, Name: o.Name}
	})
	users := convert(d.Users, func(u SeedUser) User {
		return User{ID: u.ID, OrganizationID: u.OrganizationID, Name: u.Name, Email: u.Email, Role: u.Role,
			Permissions: append([]string{}, u.Permissions...), Active: u.Active == nil || *u.Active}
	})
	fields := convert(d.CustomFields, func(f SeedCustomField) customFieldRow {
		return customFieldRow{OrganizationID: f.OrganizationID, Object: f.Object, Name: f.Name, Type: f.Type}
	})
	customers := convert(d.Customers, func(c SeedCustomer) customerRow {
		return customerRow{ID: c.ID, OrganizationID: c.OrganizationID, Name: c.Name,
			ShippingAddress: c.ShippingAddress, BillingAddress: c.BillingAddress}
	})
	products := convert(d.Products, func(p SeedProduct) productRow {
		return productRow{ID: p.ID, OrganizationID: p.OrganizationID, SKU: p.SKU, Name: p.Name, Unit: p.Unit,
			Price: decimalOrZero(p.Price)}
	})
	if err := upsert(ctx, tx, &orgs); err != nil {
		return err
	}
	if err := upsert(ctx, tx, &users); err != nil {
		return err
	}
	if err := upsert(ctx, tx, &fields); err != nil {
		return err
	}
	if err := upsert(ctx, tx, &customers); err != nil {
		return err
	}
	if err := upsert(ctx, tx, &products); err != nil {
		return err
	}

	// Checks that need the database: custom values against their fields,
	// and products of items against their organization.
	types, err := customFieldTypes(ctx, tx, d)
	if err != nil {
		return err
	}
	productOrgs, err := productOrganizations(ctx, tx, d)
	if err != nil {
		return err
	}
	var errs []error
	opps, oppItems := seedOpportunities(d, types, productOrgs, &errs)
	orders, orderItems := seedOrders(d, types, productOrgs, &errs)
	if len(errs) > 0 {
		return fmt.Errorf("data file: %w", errors.Join(errs...))
	}

	if err := upsert(ctx, tx, &opps); err != nil {
		return err
	}
	if err := upsert(ctx, tx, &oppItems); err != nil {
		return err
	}
	// An order a conversion wrote keeps its conversion key, so that the
	// conversion, if it saves again, still finds it, and its lines keep the
	// opportunity items they took their quantities from (a data file cannot
	// name those).
	if err := upsert(ctx, tx, &orders, "conversion_key"); err != nil {
		return err
	}
	if err := upsert(ctx, tx, &orderItems, "opportunity_item_id"); err != nil {
		return err
	}
	return continueOrderNumbers(ctx, tx)
}

func seedOpportunities(d *SeedData, types customTypes, productOrgs map[string]string, errs *[]error) ([]opportunityWriteRow, []opportunityItemRow) {
	var opps []opportunityWriteRow
	var items []opportunityItemRow
	for i, o := range d.Opportunities {
		at := fmt.Sprintf("opportunities[%d]", i)
		row := opportunityWriteRow{
			ID: o.ID, OrganizationID: o.OrganizationID, Number: o.Number, Name: o.Name,
			CustomerID: o.CustomerID, ContactName: o.ContactName, OwnerID: o.OwnerID,
			Status: cmp.Or(o.Status, StatusOpen), Currency: o.Currency,
			ExpectedCloseDate: date(o.ExpectedCloseDate), Description: o.Description,
			ShippingAddress: o.ShippingAddress, BillingAddress: o.BillingAddress, PaymentTerms: o.PaymentTerms,
			Custom:   types.normalize(at+".custom", o.OrganizationID, ObjectOpportunity, o.Custom, errs),
			ClosedBy: o.ClosedBy,
		}
		if o.Amount != "" {
			amount := decimalOrZero(o.Amount)
			row.Amount = &amount
		}
		if o.ClosedAt != "" {
			closedAt, _ := time.Parse(time.RFC3339, o.ClosedAt) // validated
			row.ClosedAt = &closedAt
		}
		opps = append(opps, row)
		for j, it := range o.Items {
			checkProduct(fmt.Sprintf("%s.items[%d].product_id", at, j), it.ProductID, o.OrganizationID, productOrgs, errs)
			items = append(items, opportunityItemRow{
				ID: it.ID, OpportunityID: o.ID, ProductID: it.ProductID, Description: it.Description,
				Quantity: decimalOrZero(it.Quantity), UnitPrice: decimalOrZero(it.UnitPrice),
				DiscountPercent: decimalOrZero(it.DiscountPercent), TaxRate: decimalOrZero(it.TaxRate),
				Position: j + 1,
			})
		}
	}
	return opps, items
}

func seedOrders(d *SeedData, types customTypes, productOrgs map[string]string, errs *[]error) ([]orderRow, []orderItemRow) {
	var orders []orderRow
	var items []orderItemRow
	for i, o := range d.Orders {
		at := fmt.Sprintf("orders[%d]", i)
		taxed := make([]conversion.TaxedLine, 0, len(o.Items))
		for j, it := range o.Items {
			checkProduct(fmt.Sprintf("%s.items[%d].product_id", at, j), it.ProductID, o.OrganizationID, productOrgs, errs)
			line := orderItemRow{
				ID: it.ID, OrderID: o.ID, ProductID: it.ProductID, Description: it.Description,
				Quantity: decimalOrZero(it.Quantity), UnitPrice: decimalOrZero(it.UnitPrice),
				DiscountPercent: decimalOrZero(it.DiscountPercent), TaxRate: decimalOrZero(it.TaxRate),
				Position: j + 1,
			}
			line.LineTotal = conversion.LineTotal(line.Quantity, line.UnitPrice, line.DiscountPercent, o.Currency)
			taxed = append(taxed, conversion.TaxedLine{LineTotal: line.LineTotal, TaxRate: line.TaxRate})
			items = append(items, line)
		}
		totals := conversion.ComputeTotals(taxed, o.Currency)
		orders = append(orders, orderRow{
			ID: o.ID, OrganizationID: o.OrganizationID, Number: o.Number, Title: o.Title,
			CustomerID: o.CustomerID, ContactName: o.ContactName, Currency: o.Currency,
			OrderDate: date(o.OrderDate), DeliveryDate: date(o.DeliveryDate),
			ShippingAddress: o.ShippingAddress, BillingAddress: o.BillingAddress,
			PaymentTerms: o.PaymentTerms, Notes: o.Notes,
			Custom:        types.normalize(at+".custom", o.OrganizationID, ObjectOrder, o.Custom, errs),
			Status:        cmp.Or(o.Status, OrderDraft),
			OpportunityID: o.OpportunityID, CreatedBy: o.CreatedBy,
			Subtotal: totals.Subtotal, TaxTotal: totals.Tax, Total: totals.Total,
		})
	}
	return orders, items
}

// continueOrderNumbers moves each organization's order counter of a year to
// at least the highest SO-<year>-<n> number its orders have, so that new
// orders continue after seeded ones.
func continueOrderNumbers(ctx context.Context, tx bun.Tx) error {
	_, err := tx.NewRaw(`
		INSERT INTO order_number_counters AS c (organization_id, year, last)
		SELECT organization_id,
		       substring(number FROM '^SO-([0-9]{4})-')::integer,
		       max(substring(number FROM '^SO-[0-9]{4}-([0-9]{1,9})$')::integer)
		FROM orders
		WHERE number ~ '^SO-[0-9]{4}-[0-9]{1,9}$'
		GROUP BY 1, 2
		ON CONFLICT (organization_id, year) DO UPDATE SET last = EXCLUDED.last
		WHERE c.last < EXCLUDED.last`).Exec(ctx)
	if err != nil {
		return fmt.Errorf("continue order numbers after seeded orders: %w", err)
	}
	return nil
}

// customTypes are the types of the custom fields, by organization, object
// and name.
type customTypes map[[3]string]conversion.FieldType

// customFieldTypes reads the custom fields of the organizations whose
// opportunities or orders the file holds.
func customFieldTypes(ctx context.Context, tx bun.Tx, d *SeedData) (customTypes, error) {
	orgs := map[string]bool{}
	for _, o := range d.Opportunities {
		orgs[o.OrganizationID] = true
	}
	for _, o := range d.Orders {
		orgs[o.OrganizationID] = true
	}
	types := customTypes{}
	if len(orgs) == 0 {
		return types, nil
	}
	var rows []customFieldRow
	err := tx.NewSelect().Model(&rows).Where("organization_id IN (?)", bun.List(slices.Sorted(maps.Keys(orgs)))).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read custom fields: %w", err)
	}
	for _, f := range rows {
		types[[3]string{f.OrganizationID, f.Object, f.Name}] = conversion.FieldType(f.Type)
	}
	return types, nil
}

// normalize checks custom values against their fields and returns them as
// they are stored (see customValue): a value of an undeclared field, or of
// the wrong type, is an error; a null is no value.
func (t customTypes) normalize(at, orgID, object string, values map[string]any, errs *[]error) map[string]any {
	out := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		value := values[name]
		if value == nil {
			continue
		}
		typ, ok := t[[3]string{orgID, object, name}]
		if !ok {
			*errs = append(*errs, fmt.Errorf("%s.%s: not a custom field of %s", at, name, object))
			continue
		}
		text, ok := customText(value)
		if ok && text == "" {
			continue // an empty text is no value, as in a draft
		}
		msg := conversion.ValidateValue(typ, name, text)
		switch {
		case !ok || (typ == conversion.TypeBoolean) != isBool(value):
			msg = "not a " + string(typ)
		case typ == conversion.TypeText && !isString(value):
			msg = "not a text"
		}
		if msg != "" {
			*errs = append(*errs, fmt.Errorf("%s.%s: %s", at, name, msg))
			continue
		}
		out[name] = customValue(typ, text)
	}
	return out
}

// customText is a JSON value as the text a draft would hold.
func customText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		return decimal.NewFromFloat(x).String(), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	default:
		return "", false
	}
}

func isBool(v any) bool   { _, ok := v.(bool); return ok }
func isString(v any) bool { _, ok := v.(string); return ok }

// productOrganizations reads the organization of every product the file's
// items name.
func productOrganizations(ctx context.Context, tx bun.Tx, d *SeedData) (map[string]string, error) {
	ids := map[string]bool{}
	add := func(items []SeedItem) {
		for _, it := range items {
			if it.ProductID != "" {
				ids[it.ProductID] = true
			}
		}
	}
	for _, o := range d.Opportunities {
		add(o.Items)
	}
	for _, o := range d.Orders {
		add(o.Items)
	}
	orgOf := map[string]string{}
	if len(ids) == 0 {
		return orgOf, nil
	}
	var rows []productRow
	err := tx.NewSelect().Model(&rows).Column("id", "organization_id").
		Where("id IN (?)", bun.List(slices.Sorted(maps.Keys(ids)))).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read products: %w", err)
	}
	for _, p := range rows {
		orgOf[p.ID] = p.OrganizationID
	}
	return orgOf, nil
}

func checkProduct(at, productID, orgID string, orgOf map[string]string, errs *[]error) {
	if productID == "" {
		return
	}
	switch org, ok := orgOf[productID]; {
	case !ok:
		*errs = append(*errs, fmt.Errorf("%s: no such product", at))
	case org != orgID:
		*errs = append(*errs, fmt.Errorf("%s: a product of another organization", at))
	}
}

// convert maps each element of a slice.
func convert[S, T any](in []S, f func(S) T) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// decimalOrZero reads a decimal that Validate checked; "" is zero.
func decimalOrZero(s string) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return d
}
