package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/conversion"
)

// orderRow is a new order.
type orderRow struct {
	bun.BaseModel `bun:"table:orders"`

	ID              string          `bun:"id,pk"`
	OrganizationID  string          `bun:"organization_id"`
	Number          string          `bun:"number"`
	Title           string          `bun:"title"`
	CustomerID      string          `bun:"customer_id"`
	ContactName     string          `bun:"contact_name"`
	Currency        string          `bun:"currency"`
	OrderDate       date            `bun:"order_date"`
	DeliveryDate    date            `bun:"delivery_date"`
	ShippingAddress string          `bun:"shipping_address"`
	BillingAddress  string          `bun:"billing_address"`
	PaymentTerms    string          `bun:"payment_terms"`
	Notes           string          `bun:"notes"`
	Custom          map[string]any  `bun:"custom,type:jsonb"`
	Status          string          `bun:"status"`
	OpportunityID   string          `bun:"opportunity_id,nullzero"`
	CreatedBy       string          `bun:"created_by"`
	ConversionKey   string          `bun:"conversion_key,nullzero"`
	Subtotal        decimal.Decimal `bun:"subtotal"`
	TaxTotal        decimal.Decimal `bun:"tax_total"`
	Total           decimal.Decimal `bun:"total"`
}

// orderItemRow is a new line of an order.
type orderItemRow struct {
	bun.BaseModel `bun:"table:order_items"`

	ID                string          `bun:"id,pk"`
	OrderID           string          `bun:"order_id"`
	ProductID         string          `bun:"product_id,nullzero"`
	Description       string          `bun:"description"`
	Quantity          decimal.Decimal `bun:"quantity"`
	UnitPrice         decimal.Decimal `bun:"unit_price"`
	DiscountPercent   decimal.Decimal `bun:"discount_percent"`
	TaxRate           decimal.Decimal `bun:"tax_rate"`
	LineTotal         decimal.Decimal `bun:"line_total"`
	OpportunityItemID string          `bun:"opportunity_item_id,nullzero"`
	Position          int             `bun:"position"`
}

// CreateOrder writes the order of a conversion's draft (SPEC 4.1 step 5 and
// 4.6), in one transaction: the order with its number, its lines and totals
// computed here, and entries in the change log of the order and of the
// opportunity.
//
// It writes at most one order per conversion key: when an order with the key
// exists (the activity is retried, or a concurrent save won), it returns that
// order with Created false and writes nothing.
//
// The draft is checked against the opportunity as it is now, with its row
// locked: lines ordering more than remains of an item are refused with a
// *conversion.Error of KindConflict, a broken field rule (a customer of
// another organization, a missing currency) with KindInvalid. An opportunity
// or creator of another organization is ErrNotFound.
func (s *Store) CreateOrder(ctx context.Context, o NewOrder) (SavedOrder, error) {
	if o.ConversionKey == "" {
		return SavedOrder{}, errors.New("create order: no conversion key")
	}
	var saved SavedOrder
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		saved, err = createOrder(ctx, tx, o)
		return err
	})
	if violates(err, "orders_conversion_key_key") {
		// A concurrent save of the same conversion committed first.
		saved, found, err := savedOrder(ctx, s.db, o)
		if err == nil && !found {
			err = errors.New("the order vanished after a conflicting save")
		}
		if err != nil {
			return SavedOrder{}, fmt.Errorf("create order of conversion %s: %w", o.ConversionKey, err)
		}
		return saved, nil
	}
	if err != nil {
		return SavedOrder{}, fmt.Errorf("create order from opportunity %s: %w", o.OpportunityID, err)
	}
	return saved, nil
}

func createOrder(ctx context.Context, tx bun.Tx, o NewOrder) (SavedOrder, error) {
	if saved, found, err := savedOrder(ctx, tx, o); err != nil || found {
		return saved, err
	}
	opp, err := lockOpportunity(ctx, tx, o.OrganizationID, o.OpportunityID)
	if err != nil {
		return SavedOrder{}, err
	}
	// A save of the same conversion may have committed while this one waited
	// for the lock; the statement sees it, since each one reads what is
	// committed when it starts.
	if saved, found, err := savedOrder(ctx, tx, o); err != nil || found {
		return saved, err
	}
	creator, err := userInOrganization(ctx, tx, o.OrganizationID, o.CreatedBy)
	if err != nil {
		return SavedOrder{}, err
	}
	items, err := readItems(ctx, tx, opp.ID)
	if err != nil {
		return SavedOrder{}, err
	}
	custom, err := customFields(ctx, tx, o.OrganizationID, ObjectOrder)
	if err != nil {
		return SavedOrder{}, err
	}
	today := time.Now().UTC().Format(time.DateOnly)
	order, lines, err := orderFromDraft(o.Draft, items, custom, today)
	if err != nil {
		return SavedOrder{}, err
	}
	ok, err := customerInOrganization(ctx, tx, o.OrganizationID, order.CustomerID)
	if err != nil {
		return SavedOrder{}, err
	}
	if !ok {
		return SavedOrder{}, &conversion.Error{Kind: conversion.KindInvalid, Detail: "the order cannot be saved",
			Fields: []conversion.FieldError{{Field: "customer_id", Message: "not a customer of this organization"}}}
	}

	order.ID = newID()
	order.OrganizationID = o.OrganizationID
	order.Status = OrderDraft
	order.OpportunityID = opp.ID
	order.CreatedBy = creator.ID
	order.ConversionKey = o.ConversionKey
	if err := insertOrder(ctx, tx, order, lines, opp.Number); err != nil {
		return SavedOrder{}, err
	}
	return SavedOrder{ID: order.ID, Number: order.Number, Created: true, MayClose: opp.mayClose(creator)}, nil
}

// insertOrder numbers the order and writes it, its lines, and the change-log
// entries of the order and of its opportunity.
func insertOrder(ctx context.Context, tx bun.Tx, order *orderRow, lines []*orderItemRow, oppNumber string) error {
	orderDate, err := time.Parse(time.DateOnly, string(order.OrderDate))
	if err != nil {
		return fmt.Errorf("order date %q: %w", order.OrderDate, err)
	}
	if order.Number, err = nextOrderNumber(ctx, tx, order.OrganizationID, orderDate.Year()); err != nil {
		return err
	}
	if _, err := tx.NewInsert().Model(order).Exec(ctx); err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	for _, l := range lines {
		l.OrderID = order.ID
	}
	if _, err := tx.NewInsert().Model(&lines).Exec(ctx); err != nil {
		return fmt.Errorf("insert order items: %w", err)
	}
	return appendChanges(ctx, tx,
		&changeRow{
			OrganizationID: order.OrganizationID, ObjectType: ObjectOrder, ObjectID: order.ID, UserID: order.CreatedBy,
			Reason:  "converted from " + oppNumber,
			Changes: order.created(lines),
		},
		&changeRow{
			OrganizationID: order.OrganizationID, ObjectType: ObjectOpportunity, ObjectID: order.OpportunityID, UserID: order.CreatedBy,
			Reason:  "order " + order.Number + " created from it",
			Changes: Changes{"orders": {Before: nil, After: order.Number}},
		})
}

// savedOrder finds the order a conversion wrote before, if any, and says
// whether its creator may close the conversion's opportunity now.
func savedOrder(ctx context.Context, db bun.IDB, o NewOrder) (SavedOrder, bool, error) {
	var row struct {
		ID          string `bun:"id"`
		Number      string `bun:"number"`
		CreatorID   string `bun:"creator_id"`
		CreatorRole string `bun:"creator_role"`
		OppStatus   string `bun:"opp_status"`
		OppOwnerID  string `bun:"opp_owner_id"`
	}
	err := db.NewRaw(`
		SELECT ord.id, ord.number, u.id AS creator_id, u.role AS creator_role,
		       opp.status AS opp_status, opp.owner_id AS opp_owner_id
		FROM orders ord
		JOIN users u ON u.id = ord.created_by
		LEFT JOIN opportunities opp ON opp.id = ? AND opp.organization_id = ord.organization_id
		WHERE ord.conversion_key = ? AND ord.organization_id = ?`,
		o.OpportunityID, o.ConversionKey, o.OrganizationID).Scan(ctx, &row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return SavedOrder{}, false, nil
	case err != nil:
		return SavedOrder{}, false, fmt.Errorf("look for the order of conversion %s: %w", o.ConversionKey, err)
	}
	opp := lockedOpportunity{Status: row.OppStatus, OwnerID: row.OppOwnerID}
	creator := User{ID: row.CreatorID, Role: row.CreatorRole}
	return SavedOrder{ID: row.ID, Number: row.Number, MayClose: opp.mayClose(&creator)}, true, nil
}

// lineChange is an order line as the change log records it.
type lineChange struct {
	OpportunityItemID string          `json:"opportunity_item_id,omitempty"`
	ProductID         string          `json:"product_id,omitempty"`
	Description       string          `json:"description,omitempty"`
	Quantity          decimal.Decimal `json:"quantity"`
	UnitPrice         decimal.Decimal `json:"unit_price"`
	DiscountPercent   decimal.Decimal `json:"discount_percent"`
	TaxRate           decimal.Decimal `json:"tax_rate"`
	LineTotal         decimal.Decimal `json:"line_total"`
}

// created lists the fields of a new order, each with no value before.
func (o *orderRow) created(lines []*orderItemRow) Changes {
	c := Changes{}
	set := func(field, value string) {
		if value != "" {
			c[field] = Change{After: value}
		}
	}
	set("number", o.Number)
	set("status", o.Status)
	set("title", o.Title)
	set("customer_id", o.CustomerID)
	set("contact_name", o.ContactName)
	set("currency", o.Currency)
	set("order_date", string(o.OrderDate))
	set("delivery_date", string(o.DeliveryDate))
	set("shipping_address", o.ShippingAddress)
	set("billing_address", o.BillingAddress)
	set("payment_terms", o.PaymentTerms)
	set("notes", o.Notes)
	set("opportunity_id", o.OpportunityID)
	set("subtotal", o.Subtotal.String())
	set("tax_total", o.TaxTotal.String())
	set("total", o.Total.String())
	for name, v := range o.Custom {
		c[customPrefix+name] = Change{After: v}
	}
	items := make([]lineChange, len(lines))
	for i, l := range lines {
		items[i] = lineChange{
			OpportunityItemID: l.OpportunityItemID, ProductID: l.ProductID, Description: l.Description,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, DiscountPercent: l.DiscountPercent,
			TaxRate: l.TaxRate, LineTotal: l.LineTotal,
		}
	}
	c["items"] = Change{After: items}
	return c
}
