package crm

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// OrderDetail is an order as GET /v1/orders/{id} shows it.
type OrderDetail struct {
	ID              string          `bun:"id" json:"id"`
	OrganizationID  string          `bun:"organization_id" json:"organization_id"`
	Number          string          `bun:"number" json:"number"`
	Title           string          `bun:"title" json:"title"`
	CustomerID      string          `bun:"customer_id" json:"customer_id"`
	CustomerName    string          `bun:"customer_name" json:"customer_name"`
	ContactName     string          `bun:"contact_name" json:"contact_name"`
	Currency        string          `bun:"currency" json:"currency"`
	OrderDate       string          `bun:"order_date" json:"order_date"`
	DeliveryDate    string          `bun:"delivery_date" json:"delivery_date,omitempty"`
	ShippingAddress string          `bun:"shipping_address" json:"shipping_address"`
	BillingAddress  string          `bun:"billing_address" json:"billing_address"`
	PaymentTerms    string          `bun:"payment_terms" json:"payment_terms"`
	Notes           string          `bun:"notes" json:"notes"`
	Custom          map[string]any  `bun:"custom,json_use_number" json:"custom"`
	Status          string          `bun:"status" json:"status"`
	Subtotal        decimal.Decimal `bun:"subtotal" json:"subtotal"`
	TaxTotal        decimal.Decimal `bun:"tax_total" json:"tax_total"`
	Total           decimal.Decimal `bun:"total" json:"total"`
	CreatedBy       string          `bun:"created_by" json:"created_by"`
	CreatedByName   string          `bun:"created_by_name" json:"created_by_name"`
	CreatedAt       time.Time       `bun:"created_at" json:"created_at"`
	UpdatedAt       time.Time       `bun:"updated_at" json:"updated_at"`
	// ConversionKey names the conversion that wrote the order; internal.
	ConversionKey string `bun:"conversion_key" json:"-"`

	// Opportunity is the opportunity the order came from or was linked to, nil if none.
	Opportunity *OpportunityRef `bun:"-" json:"opportunity"`
	Items       []OrderItem     `bun:"-" json:"items"`
}

// orderDetailRow is what selectOrder reads: the order and, when it has one,
// its opportunity.
type orderDetailRow struct {
	OrderDetail
	OpportunityID     string `bun:"opportunity_id"`
	OpportunityNumber string `bun:"opportunity_number"`
	OpportunityName   string `bun:"opportunity_name"`
}

// OpportunityRef names an opportunity.
type OpportunityRef struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Name   string `json:"name"`
}

// OrderItem is one line of an order.
type OrderItem struct {
	ID                string          `bun:"id" json:"id"`
	Position          int             `bun:"position" json:"position"`
	ProductID         string          `bun:"product_id" json:"product_id,omitempty"`
	SKU               string          `bun:"sku" json:"sku,omitempty"`
	ProductName       string          `bun:"product_name" json:"product_name,omitempty"`
	Unit              string          `bun:"unit" json:"unit,omitempty"`
	Description       string          `bun:"description" json:"description"`
	Quantity          decimal.Decimal `bun:"quantity" json:"quantity"`
	UnitPrice         decimal.Decimal `bun:"unit_price" json:"unit_price"`
	DiscountPercent   decimal.Decimal `bun:"discount_percent" json:"discount_percent"`
	TaxRate           decimal.Decimal `bun:"tax_rate" json:"tax_rate"`
	LineTotal         decimal.Decimal `bun:"line_total" json:"line_total"`
	OpportunityItemID string          `bun:"opportunity_item_id" json:"opportunity_item_id,omitempty"`
}

const selectOrder = `
SELECT o.id, o.organization_id, o.number, o.title, o.customer_id, c.name AS customer_name,
       o.contact_name, o.currency, to_char(o.order_date, 'YYYY-MM-DD') AS order_date,
       to_char(o.delivery_date, 'YYYY-MM-DD') AS delivery_date, o.shipping_address,
       o.billing_address, o.payment_terms, o.notes, o.custom, o.status, o.subtotal,
       o.tax_total, o.total, o.created_by, u.name AS created_by_name, o.created_at,
       o.updated_at, o.conversion_key, o.opportunity_id, opp.number AS opportunity_number,
       opp.name AS opportunity_name
FROM orders o
JOIN customers c ON c.id = o.customer_id
JOIN users u ON u.id = o.created_by
LEFT JOIN opportunities opp ON opp.id = o.opportunity_id
WHERE o.organization_id = ? AND o.id = ?`

const selectOrderItems = `
SELECT i.id, i.position, i.product_id, p.sku, p.name AS product_name, p.unit,
       i.description, i.quantity, i.unit_price, i.discount_percent, i.tax_rate,
       i.line_total, i.opportunity_item_id
FROM order_items i
LEFT JOIN products p ON p.id = i.product_id
WHERE i.order_id = ?
ORDER BY i.position, i.id`

// Order reads an order of the organization with its items.
func (s *Store) Order(ctx context.Context, orgID, orderID string) (*OrderDetail, error) {
	if !validID(orgID) || !validID(orderID) {
		return nil, notFound("order", orderID)
	}
	row := new(orderDetailRow)
	if err := s.db.NewRaw(selectOrder, orgID, orderID).Scan(ctx, row); err != nil {
		return nil, noRows(err, "order", orderID)
	}
	o := &row.OrderDetail
	if o.Custom == nil {
		o.Custom = map[string]any{}
	}
	if row.OpportunityID != "" {
		o.Opportunity = &OpportunityRef{ID: row.OpportunityID, Number: row.OpportunityNumber, Name: row.OpportunityName}
	}
	o.Items = []OrderItem{}
	if err := s.db.NewRaw(selectOrderItems, orderID).Scan(ctx, &o.Items); err != nil {
		return nil, fmt.Errorf("read items of order %s: %w", orderID, err)
	}
	return o, nil
}
