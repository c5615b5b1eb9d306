package crm

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

// OrderListEntry is one order in a list of orders: its summary, customer
// and opportunity.
type OrderListEntry struct {
	OrderSummary
	CustomerID        string `bun:"customer_id"`
	CustomerName      string `bun:"customer_name"`
	OpportunityID     string `bun:"opportunity_id"`
	OpportunityNumber string `bun:"opportunity_number"`
	OpportunityName   string `bun:"opportunity_name"`
}

// OrderList is one page of a list of orders.
type OrderList struct {
	Orders []OrderListEntry
	// Next is the cursor of the next page, "" on the last one.
	Next string
}

// OrderFilter narrows a list of orders.
type OrderFilter struct {
	// OpportunityID keeps the orders made from or linked to that opportunity.
	OpportunityID string
}

const selectOrderList = `
SELECT o.id, o.number, o.title, o.status, to_char(o.order_date, 'YYYY-MM-DD') AS order_date,
       o.total, o.currency, o.created_at, o.customer_id, c.name AS customer_name,
       o.opportunity_id, opp.number AS opportunity_number, opp.name AS opportunity_name
FROM orders o
JOIN customers c ON c.id = o.customer_id
LEFT JOIN opportunities opp ON opp.id = o.opportunity_id
WHERE o.organization_id = ?`

// Orders lists the organization's orders, newest first, one page at a time.
// With an opportunity in the filter, it lists the orders made from or linked
// to it, and an opportunity of another organization is ErrNotFound.
func (s *Store) Orders(ctx context.Context, orgID string, f OrderFilter, page Page) (OrderList, error) {
	scope := "orders?opportunity_id=" + f.OpportunityID
	key, err := decodeCursor(page.After, scope, 2)
	if err != nil {
		return OrderList{}, err
	}
	res := OrderList{Orders: []OrderListEntry{}}
	if !validID(orgID) {
		return res, nil
	}
	q := selectOrderList
	args := []any{orgID}
	if key != nil {
		at, err := time.Parse(time.RFC3339Nano, key[0])
		if err != nil || !validID(key[1]) {
			return OrderList{}, ErrBadCursor
		}
		q += " AND (o.created_at, o.id) < (?, ?::uuid)"
		args = append(args, at, key[1])
	}
	if f.OpportunityID != "" {
		if err := s.exists(ctx, ObjectOpportunity, orgID, f.OpportunityID); err != nil {
			return OrderList{}, err
		}
		q += " AND o.opportunity_id = ?"
		args = append(args, f.OpportunityID)
	}
	size := page.size()
	q += " ORDER BY o.created_at DESC, o.id DESC LIMIT " + strconv.Itoa(size+1)
	if err := s.db.NewRaw(q, args...).Scan(ctx, &res.Orders); err != nil {
		return OrderList{}, fmt.Errorf("list orders: %w", err)
	}
	orders, more := pageOf(res.Orders, size)
	res.Orders = orders
	if more {
		last := orders[len(orders)-1]
		res.Next = encodeCursor(scope, last.CreatedAt.Format(time.RFC3339Nano), last.ID)
	}
	return res, nil
}

// tableOf gives the table of each kind of object the change log records.
var tableOf = map[string]string{
	ObjectOrder:       "orders",
	ObjectOpportunity: "opportunities",
}

// exists checks that an order or opportunity belongs to the organization;
// ErrNotFound when it does not.
func (s *Store) exists(ctx context.Context, objectType, orgID, id string) error {
	table, ok := tableOf[objectType]
	if !ok {
		return fmt.Errorf("no objects of type %q", objectType)
	}
	if !validID(orgID) || !validID(id) {
		return notFound(objectType, id)
	}
	var found bool
	err := s.db.NewRaw("SELECT EXISTS (SELECT 1 FROM ? WHERE organization_id = ? AND id = ?)",
		bun.Ident(table), orgID, id).Scan(ctx, &found)
	if err != nil {
		return fmt.Errorf("look for %s %s: %w", objectType, id, err)
	}
	if !found {
		return notFound(objectType, id)
	}
	return nil
}
