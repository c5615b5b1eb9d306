package crm

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmconvert/crmconvert/conversion"
)

// OpportunityDetail is an opportunity as GET /v1/opportunities/{id} shows it:
// the fields a conversion sees (items with their remaining quantities
// included), when and by whom it was closed, and the orders made from it.
type OpportunityDetail struct {
	conversion.Opportunity

	ClosedAt     *time.Time     `json:"closed_at"`
	ClosedBy     string         `json:"closed_by,omitempty"`
	ClosedByName string         `json:"closed_by_name,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
	Orders       []OrderSummary `json:"orders"`
}

// OrderSummary is one order in a list.
type OrderSummary struct {
	ID        string          `bun:"id" json:"id"`
	Number    string          `bun:"number" json:"number"`
	Title     string          `bun:"title" json:"title"`
	Status    string          `bun:"status" json:"status"`
	OrderDate string          `bun:"order_date" json:"order_date"`
	Total     decimal.Decimal `bun:"total" json:"total"`
	Currency  string          `bun:"currency" json:"currency"`
	CreatedAt time.Time       `bun:"created_at" json:"created_at"`
}

// selectOrdersOfOpportunity lists the orders made from (or linked to) an
// opportunity, oldest first.
const selectOrdersOfOpportunity = `
SELECT id, number, title, status, to_char(order_date, 'YYYY-MM-DD') AS order_date,
       total, currency, created_at
FROM orders
WHERE organization_id = ? AND opportunity_id = ?
ORDER BY created_at, number`

// Opportunity reads an opportunity of the organization with its items and
// orders.
func (s *Store) Opportunity(ctx context.Context, orgID, oppID string) (*OpportunityDetail, error) {
	row, err := readOpportunity(ctx, s.db, orgID, oppID)
	if err != nil {
		return nil, err
	}
	items, err := readItems(ctx, s.db, oppID)
	if err != nil {
		return nil, err
	}
	orders := []OrderSummary{}
	if err := s.db.NewRaw(selectOrdersOfOpportunity, orgID, oppID).Scan(ctx, &orders); err != nil {
		return nil, fmt.Errorf("read orders of opportunity %s: %w", oppID, err)
	}
	return &OpportunityDetail{
		Opportunity:  *row.snapshot(items),
		ClosedAt:     row.ClosedAt,
		ClosedBy:     row.ClosedBy,
		ClosedByName: row.ClosedByName,
		CreatedAt:    row.CreatedAt,
		UpdatedAt:    row.UpdatedAt,
		Orders:       orders,
	}, nil
}
