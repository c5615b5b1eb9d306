package crm

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/conversion"
)

// opportunityRow is an opportunity with the names of its customer, owner and
// closer.
type opportunityRow struct {
	ID                string           `bun:"id"`
	OrganizationID    string           `bun:"organization_id"`
	Number            string           `bun:"number"`
	Name              string           `bun:"name"`
	CustomerID        string           `bun:"customer_id"`
	CustomerName      string           `bun:"customer_name"`
	ContactName       string           `bun:"contact_name"`
	OwnerID           string           `bun:"owner_id"`
	OwnerName         string           `bun:"owner_name"`
	Status            string           `bun:"status"`
	Currency          string           `bun:"currency"`
	ExpectedCloseDate date             `bun:"expected_close_date"`
	Amount            *decimal.Decimal `bun:"amount"`
	Description       string           `bun:"description"`
	ShippingAddress   string           `bun:"shipping_address"`
	BillingAddress    string           `bun:"billing_address"`
	PaymentTerms      string           `bun:"payment_terms"`
	Custom            map[string]any   `bun:"custom,json_use_number"`
	ClosedAt          *time.Time       `bun:"closed_at"`
	ClosedBy          string           `bun:"closed_by"`
	ClosedByName      string           `bun:"closed_by_name"`
	CreatedAt         time.Time        `bun:"created_at"`
	UpdatedAt         time.Time        `bun:"updated_at"`
}

const selectOpportunity = `
SELECT o.id, o.organization_id, o.number, o.name, o.customer_id, c.name AS customer_name,
       o.contact_name, o.owner_id, ow.name AS owner_name, o.status, o.currency,
       o.expected_close_date, o.amount, o.description, o.shipping_address,
       o.billing_address, o.payment_terms, o.custom, o.closed_at, o.closed_by,
       cb.name AS closed_by_name, o.created_at, o.updated_at
FROM opportunities o
JOIN users ow ON ow.id = o.owner_id
LEFT JOIN customers c ON c.id = o.customer_id
LEFT JOIN users cb ON cb.id = o.closed_by
WHERE o.organization_id = ? AND o.id = ?`

// readOpportunity reads one opportunity of the organization.
func readOpportunity(ctx context.Context, db bun.IDB, orgID, oppID string) (*opportunityRow, error) {
	if !validID(orgID) || !validID(oppID) {
		return nil, notFound("opportunity", oppID)
	}
	row := new(opportunityRow)
	if err := db.NewRaw(selectOpportunity, orgID, oppID).Scan(ctx, row); err != nil {
		return nil, noRows(err, "opportunity", oppID)
	}
	return row, nil
}

// snapshot is the row as the conversion sees it, with the given items.
func (r *opportunityRow) snapshot(items []conversion.Item) *conversion.Opportunity {
	custom := r.Custom
	if custom == nil {
		custom = map[string]any{}
	}
	return &conversion.Opportunity{
		ID:                r.ID,
		OrganizationID:    r.OrganizationID,
		Number:            r.Number,
		Name:              r.Name,
		CustomerID:        r.CustomerID,
		CustomerName:      r.CustomerName,
		ContactName:       r.ContactName,
		OwnerID:           r.OwnerID,
		OwnerName:         r.OwnerName,
		Status:            r.Status,
		Currency:          r.Currency,
		ExpectedCloseDate: string(r.ExpectedCloseDate),
		Amount:            r.Amount,
		Description:       r.Description,
		ShippingAddress:   r.ShippingAddress,
		BillingAddress:    r.BillingAddress,
		PaymentTerms:      r.PaymentTerms,
		Custom:            custom,
		Items:             items,
	}
}

// itemRow is an opportunity item with its product and the quantity that
// orders already took of it.
type itemRow struct {
	ID              string          `bun:"id"`
	ProductID       string          `bun:"product_id"`
	SKU             string          `bun:"sku"`
	ProductName     string          `bun:"product_name"`
	Unit            string          `bun:"unit"`
	Description     string          `bun:"description"`
	Quantity        decimal.Decimal `bun:"quantity"`
	UnitPrice       decimal.Decimal `bun:"unit_price"`
	DiscountPercent decimal.Decimal `bun:"discount_percent"`
	TaxRate         decimal.Decimal `bun:"tax_rate"`
	Taken           decimal.Decimal `bun:"taken"`
}

// selectItems reads an opportunity's items in one query. An item's taken
// quantity is what the lines of orders made from it hold; cancelled orders
// took nothing, so their quantities remain available, and neither did orders
// unlinked from the opportunity since (PUT /v1/orders/{id}/opportunity).
const selectItems = `
SELECT i.id, i.product_id, p.sku, p.name AS product_name, p.unit, i.description,
       i.quantity, i.unit_price, i.discount_percent, i.tax_rate,
       coalesce((SELECT sum(oi.quantity)
                 FROM order_items oi
                 JOIN orders ord ON ord.id = oi.order_id
                 WHERE oi.opportunity_item_id = i.id AND ord.opportunity_id = i.opportunity_id
                   AND ord.status <> 'cancelled'), 0) AS taken
FROM opportunity_items i
LEFT JOIN products p ON p.id = i.product_id
WHERE i.opportunity_id = ?
ORDER BY i.position, i.id`

// readItems reads the opportunity's items, in their order, with what remains
// of each.
func readItems(ctx context.Context, db bun.IDB, oppID string) ([]conversion.Item, error) {
	var rows []itemRow
	if err := db.NewRaw(selectItems, oppID).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("read items of opportunity %s: %w", oppID, err)
	}
	items := make([]conversion.Item, len(rows))
	for i, r := range rows {
		items[i] = conversion.Item{
			ID:              r.ID,
			ProductID:       r.ProductID,
			SKU:             r.SKU,
			ProductName:     r.ProductName,
			Unit:            r.Unit,
			Description:     r.Description,
			Quantity:        r.Quantity,
			UnitPrice:       r.UnitPrice,
			DiscountPercent: r.DiscountPercent,
			TaxRate:         r.TaxRate,
			Remaining:       conversion.Remaining(r.Quantity, r.Taken),
		}
	}
	return items, nil
}

// OpportunitySnapshot reads the opportunity a conversion works from: its
// fields, its customer's and owner's names, its custom values, and its items
// in order with what remains of each. Two queries, whatever the item count,
// sent at once: a start waits for one round trip to the database, not two.
func (s *Store) OpportunitySnapshot(ctx context.Context, orgID, oppID string) (*conversion.Opportunity, error) {
	if !validID(orgID) || !validID(oppID) {
		return nil, notFound("opportunity", oppID)
	}
	var (
		items    []conversion.Item
		itemsErr error
		wg       sync.WaitGroup
	)
	wg.Go(func() { items, itemsErr = readItems(ctx, s.db, oppID) })
	row, err := readOpportunity(ctx, s.db, orgID, oppID)
	wg.Wait()
	if err != nil {
		return nil, err // not found wins over whatever the items query met
	}
	if itemsErr != nil {
		return nil, itemsErr
	}
	return row.snapshot(items), nil
}

// lockedOpportunity is what writers need of an opportunity they hold locked.
type lockedOpportunity struct {
	ID       string `bun:"id"`
	Number   string `bun:"number"`
	Status   string `bun:"status"`
	OwnerID  string `bun:"owner_id"`
	ClosedBy string `bun:"closed_by"`
}

// lockOpportunity reads an opportunity of the organization and locks its row
// until the transaction ends, so that saves and closes of one opportunity
// happen one after the other.
func lockOpportunity(ctx context.Context, tx bun.Tx, orgID, oppID string) (*lockedOpportunity, error) {
	if !validID(orgID) || !validID(oppID) {
		return nil, notFound("opportunity", oppID)
	}
	opp := new(lockedOpportunity)
	err := tx.NewSelect().
		Table("opportunities").
		Column("id", "number", "status", "owner_id", "closed_by").
		Where("organization_id = ? AND id = ?", orgID, oppID).
		For("UPDATE").
		Scan(ctx, opp)
	if err != nil {
		return nil, noRows(err, "opportunity", oppID)
	}
	return opp, nil
}

// mayClose reports whether user may close the opportunity now: it is open,
// and they own it or are an admin.
func (o *lockedOpportunity) mayClose(u *User) bool {
	return o.Status == StatusOpen && mayCloseAs(u, o.OwnerID)
}
