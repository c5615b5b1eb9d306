package crm

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/conversion"
)

// LinkOrder asks to set, change or remove the opportunity of an existing
// order (SPEC 4.3), and perhaps to close that opportunity as won.
type LinkOrder struct {
	OrganizationID string
	OrderID        string
	// OpportunityID is the opportunity to link; "" unlinks the order.
	OpportunityID string
	// Close asks to close the opportunity as won in the same transaction.
	Close bool
	// UserID is who asks; they need order:update, and to close, the right
	// to close the opportunity.
	UserID string
}

// LinkResult says what a LinkOrder changed.
type LinkResult struct {
	// Linked is true when the order's opportunity changed.
	Linked bool
	// Closed is true when this request closed the opportunity.
	Closed bool
	// PreviousOpportunityID is the opportunity the order had before ("" for none).
	PreviousOpportunityID string
}

// LinkOrder sets the order's opportunity to l.OpportunityID, or removes it
// when that is "", and closes the opportunity as won when l.Close asks, all
// in one transaction with the order and the opportunity locked. The change
// log records the link on the order (the opportunity before and after), on
// the opportunity linked and on the one the order leaves, and the closing on
// the opportunity.
//
// Refusals are *conversion.Error, and leave everything as it was:
// KindForbidden for a user without order:update, or one asking to close an
// opportunity that only its owner or an admin may close (the rule of
// CloseOpportunity, applied here in the same transaction); KindConflict for
// closing one that is no longer open; KindInvalid for closing without an
// opportunity. An order or opportunity of another organization is
// ErrNotFound.
//
// Asking for what is already so changes and logs nothing: linking the
// opportunity the order has, or, repeated, closing the one this user already
// closed for the order, so a retried request answers as the first did.
func (s *Store) LinkOrder(ctx context.Context, l LinkOrder) (LinkResult, error) {
	var res LinkResult
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		res, err = linkOrder(ctx, tx, l)
		return err
	})
	if err != nil {
		return LinkResult{}, fmt.Errorf("link order %s to opportunity %q: %w", l.OrderID, l.OpportunityID, err)
	}
	return res, nil
}

// lockedOrder is what LinkOrder needs of the order it holds locked.
type lockedOrder struct {
	ID                string `bun:"id"`
	Number            string `bun:"number"`
	OpportunityID     string `bun:"opportunity_id"`
	OpportunityNumber string `bun:"opportunity_number"`
}

func linkOrder(ctx context.Context, tx bun.Tx, l LinkOrder) (LinkResult, error) {
	if l.Close && l.OpportunityID == "" {
		return LinkResult{}, &conversion.Error{Kind: conversion.KindInvalid, Detail: "there is no opportunity to close",
			Fields: []conversion.FieldError{{Field: "close_opportunity", Message: "needs an opportunity_id"}}}
	}
	user, err := userInOrganization(ctx, tx, l.OrganizationID, l.UserID)
	if err != nil {
		return LinkResult{}, err
	}
	if !user.Can(PermOrderUpdate) {
		return LinkResult{}, conversion.Refuse(conversion.KindForbidden,
			"linking an order to an opportunity needs the order:update permission")
	}
	order, err := lockOrder(ctx, tx, l.OrganizationID, l.OrderID)
	if err != nil {
		return LinkResult{}, err
	}
	res := LinkResult{PreviousOpportunityID: order.OpportunityID}
	var opp *lockedOpportunity
	if l.OpportunityID != "" {
		if opp, err = lockOpportunity(ctx, tx, l.OrganizationID, l.OpportunityID); err != nil {
			return LinkResult{}, err
		}
	}

	if res.Linked = order.OpportunityID != l.OpportunityID; res.Linked {
		if err := relink(ctx, tx, l, user, order, opp); err != nil {
			return LinkResult{}, err
		}
	}
	if !l.Close {
		return res, nil
	}

	wasOpen := opp.Status == StatusOpen
	closed, err := closeOpportunity(ctx, tx, CloseOpportunity{
		OrganizationID: l.OrganizationID, OpportunityID: opp.ID, UserID: user.ID,
		Reason: "opportunity closed as won with order " + order.Number,
	})
	switch {
	case err != nil:
		return LinkResult{}, err // not the owner nor an admin: forbidden
	case !closed.Closed:
		return LinkResult{}, conversion.Refuse(conversion.KindConflict,
			"opportunity %s cannot be closed: %s", opp.Number, closed.Note)
	case !wasOpen && res.Linked:
		// This user closed it before, but not for this order: a new
		// request, not a retry, and it asks for what cannot be done.
		return LinkResult{}, conversion.Refuse(conversion.KindConflict,
			"opportunity %s cannot be closed: the opportunity is already %s", opp.Number, opp.Status)
	}
	res.Closed = wasOpen
	return res, nil
}

// relink points the order at opp (nil: at none) and writes the change log
// of the order, of opp, and of the opportunity the order leaves.
func relink(ctx context.Context, tx bun.Tx, l LinkOrder, user *User, order *lockedOrder, opp *lockedOpportunity) error {
	var newID, newNumber any // nil (JSON null) when unlinking
	reason := "opportunity " + order.OpportunityNumber + " unlinked"
	if opp != nil {
		newID, newNumber = opp.ID, opp.Number
		reason = "opportunity " + opp.Number + " linked"
		if order.OpportunityID != "" {
			reason = "opportunity changed from " + order.OpportunityNumber + " to " + opp.Number
		}
	}
	_, err := tx.NewUpdate().
		Table("orders").
		Set("opportunity_id = ?", newID).
		Set("updated_at = now()").
		Where("id = ?", order.ID).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("set the opportunity of order %s: %w", order.Number, err)
	}

	var oldID, oldNumber any
	if order.OpportunityID != "" {
		oldID, oldNumber = order.OpportunityID, order.OpportunityNumber
	}
	entries := []*changeRow{{
		OrganizationID: l.OrganizationID, ObjectType: ObjectOrder, ObjectID: order.ID, UserID: user.ID,
		Reason: reason,
		Changes: Changes{
			"opportunity_id": {Before: oldID, After: newID},
			"opportunity":    {Before: oldNumber, After: newNumber},
		},
	}}
	if order.OpportunityID != "" {
		entries = append(entries, &changeRow{
			OrganizationID: l.OrganizationID, ObjectType: ObjectOpportunity, ObjectID: order.OpportunityID, UserID: user.ID,
			Reason:  "order " + order.Number + " unlinked",
			Changes: Changes{"orders": {Before: order.Number, After: nil}},
		})
	}
	if opp != nil {
		entries = append(entries, &changeRow{
			OrganizationID: l.OrganizationID, ObjectType: ObjectOpportunity, ObjectID: opp.ID, UserID: user.ID,
			Reason:  "order " + order.Number + " linked",
			Changes: Changes{"orders": {Before: nil, After: order.Number}},
		})
	}
	return appendChanges(ctx, tx, entries...)
}

// lockOrder reads an order of the organization, with the number of its
// opportunity, and locks its row until the transaction ends.
func lockOrder(ctx context.Context, tx bun.Tx, orgID, orderID string) (*lockedOrder, error) {
	if !validID(orgID) || !validID(orderID) {
		return nil, notFound("order", orderID)
	}
	o := new(lockedOrder)
	err := tx.NewRaw(`
		SELECT o.id, o.number, o.opportunity_id, opp.number AS opportunity_number
		FROM orders o
		LEFT JOIN opportunities opp ON opp.id = o.opportunity_id
		WHERE o.organization_id = ? AND o.id = ?
		FOR UPDATE OF o`, orgID, orderID).Scan(ctx, o)
	if err != nil {
		return nil, noRows(err, "order", orderID)
	}
	return o, nil
}
