package crm

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/crmconvert/crmconvert/conversion"
)

const customPrefix = "custom."

var hundred = decimal.NewFromInt(100)

// orderFromDraft checks a conversion's draft against the opportunity's items
// as they are now, and makes the order's row and lines from it, with line
// totals and totals computed here: the draft's own totals are not trusted.
// A line takes its quantity, unit price, discount and description from the
// draft, and its product and tax rate from the opportunity item. The order's
// id, number and ownership are left for the caller to fill in.
//
// A broken rule is a *conversion.Error: KindInvalid for a field, KindConflict
// for a quantity beyond what remains of an item.
func orderFromDraft(d conversion.Draft, items []conversion.Item, custom []conversion.CustomField, today string) (*orderRow, []*orderItemRow, error) {
	order, err := headerFromDraft(d.Header, custom, today)
	if err != nil {
		return nil, nil, err
	}
	lines, err := linesFromDraft(d.Lines, items, order.Currency)
	if err != nil {
		return nil, nil, err
	}
	taxed := make([]conversion.TaxedLine, len(lines))
	for i, l := range lines {
		taxed[i] = conversion.TaxedLine{LineTotal: l.LineTotal, TaxRate: l.TaxRate}
	}
	totals := conversion.ComputeTotals(taxed, order.Currency)
	order.Subtotal, order.TaxTotal, order.Total = totals.Subtotal, totals.Tax, totals.Total
	return order, lines, nil
}

// headerFromDraft reads the draft's header fields into an order row.
func headerFromDraft(header map[string]string, custom []conversion.CustomField, today string) (*orderRow, error) {
	order := &orderRow{Custom: map[string]any{}}
	fields := map[string]*string{
		"title":            &order.Title,
		"contact_name":     &order.ContactName,
		"shipping_address": &order.ShippingAddress,
		"billing_address":  &order.BillingAddress,
		"payment_terms":    &order.PaymentTerms,
		"notes":            &order.Notes,
		"customer_id":      &order.CustomerID,
		"currency":         &order.Currency,
		"order_date":       (*string)(&order.OrderDate),
		"delivery_date":    (*string)(&order.DeliveryDate),
	}
	catalog := conversion.NewCatalog(custom)

	var errs []conversion.FieldError
	invalid := func(field, format string, args ...any) {
		errs = append(errs, conversion.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	names := make([]string, 0, len(header))
	for name := range header {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		value := header[name]
		typ, known := catalog.HeaderType(name)
		if !known {
			invalid(name, "not an order field")
			continue
		}
		if msg := conversion.ValidateValue(typ, name, value); msg != "" {
			invalid(name, "%s", msg)
			continue
		}
		if customName, ok := strings.CutPrefix(name, customPrefix); ok {
			if value != "" {
				order.Custom[customName] = customValue(typ, value)
			}
			continue
		}
		*fields[name] = value
	}
	if order.CustomerID == "" {
		invalid("customer_id", "a customer is required: map it or set it in the draft")
	}
	if order.Currency == "" {
		invalid("currency", "a currency is required: map it or set it in the draft")
	}
	if order.OrderDate == "" {
		order.OrderDate = date(today)
	}
	if len(errs) > 0 {
		return nil, &conversion.Error{Kind: conversion.KindInvalid, Detail: "the order cannot be saved", Fields: errs}
	}
	return order, nil
}

// customValue is a custom field's value as its JSON is stored: numbers as
// JSON numbers, booleans as JSON booleans, and text, dates and money as
// strings (money keeps its digits exactly as entered).
func customValue(typ conversion.FieldType, value string) any {
	switch typ {
	case conversion.TypeNumber:
		return json.Number(decimal.RequireFromString(value).String())
	case conversion.TypeBoolean:
		return value == "true"
	default:
		return value
	}
}

// linesFromDraft makes the order's lines, checking each against its item.
func linesFromDraft(draft []conversion.Line, items []conversion.Item, currency string) ([]*orderItemRow, error) {
	var errs []conversion.FieldError
	invalid := func(field, format string, args ...any) {
		errs = append(errs, conversion.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case len(draft) == 0:
		invalid("lines", "the order needs at least one line")
	case len(draft) > conversion.MaxLines:
		invalid("lines", "at most %d lines", conversion.MaxLines)
	}

	byID := make(map[string]conversion.Item, len(items))
	for _, it := range items {
		byID[it.ID] = it
	}
	wanted := map[string]decimal.Decimal{} // item id → quantity ordered now
	lines := make([]*orderItemRow, 0, len(draft))
	for i, l := range draft {
		at := fmt.Sprintf("lines[%d]", i)
		it, ok := byID[l.OpportunityItemID]
		if !ok {
			invalid(at+".opportunity_item_id", "not an item of the opportunity")
			continue
		}
		if !l.Quantity.IsPositive() {
			invalid(at+".quantity", "must be more than 0")
		} else if msg := checkDecimal(l.Quantity); msg != "" {
			invalid(at+".quantity", "%s", msg)
		}
		if l.UnitPrice.IsNegative() {
			invalid(at+".unit_price", "must not be negative")
		} else if msg := checkDecimal(l.UnitPrice); msg != "" {
			invalid(at+".unit_price", "%s", msg)
		}
		if l.DiscountPercent.IsNegative() || l.DiscountPercent.GreaterThan(hundred) || checkDecimal(l.DiscountPercent) != "" {
			invalid(at+".discount_percent", "must be from 0 to 100, with at most 4 decimal places")
		}
		wanted[it.ID] = wanted[it.ID].Add(l.Quantity)
		description := l.Description
		if description == "" {
			description = it.Description
		}
		lines = append(lines, &orderItemRow{
			ID:                newID(),
			ProductID:         it.ProductID,
			Description:       description,
			Quantity:          l.Quantity,
			UnitPrice:         l.UnitPrice,
			DiscountPercent:   l.DiscountPercent,
			TaxRate:           it.TaxRate,
			LineTotal:         conversion.LineTotal(l.Quantity, l.UnitPrice, l.DiscountPercent, currency),
			OpportunityItemID: it.ID,
			Position:          i + 1,
		})
	}
	if len(errs) > 0 {
		return nil, &conversion.Error{Kind: conversion.KindInvalid, Detail: "the order's lines are not valid", Fields: errs}
	}
	return lines, checkRemaining(draft, byID, wanted)
}

// checkRemaining refuses lines that order more of an item than remains of it
// now: another order from the opportunity may have taken some since the
// draft was made.
func checkRemaining(draft []conversion.Line, byID map[string]conversion.Item, wanted map[string]decimal.Decimal) error {
	var errs []conversion.FieldError
	var first string
	for i, l := range draft {
		it := byID[l.OpportunityItemID]
		want, checked := wanted[it.ID]
		if !checked || want.LessThanOrEqual(it.Remaining) {
			continue
		}
		delete(wanted, it.ID) // one error per item
		if first == "" {
			first = itemName(it)
		}
		errs = append(errs, conversion.FieldError{
			Field:   fmt.Sprintf("lines[%d].quantity", i),
			Message: fmt.Sprintf("%s: %s ordered, only %s remain", itemName(it), want, it.Remaining),
		})
	}
	if len(errs) == 0 {
		return nil
	}
	return &conversion.Error{
		Kind:   conversion.KindConflict,
		Detail: fmt.Sprintf("not enough of %s remains to order: another order from the opportunity took some meanwhile", first),
		Fields: errs,
	}
}

// itemName names an opportunity item for a person: its SKU and name, else
// its description, else its id.
func itemName(it conversion.Item) string {
	switch {
	case it.SKU != "" && it.ProductName != "":
		return fmt.Sprintf("%s %q", it.SKU, it.ProductName)
	case it.Description != "":
		return fmt.Sprintf("%q", it.Description)
	default:
		return "item " + it.ID
	}
}

// maxDecimal and maxScale are what a numeric(18, 4) column holds.
var maxDecimal = decimal.New(1, 14)

const maxScale = 4

// checkDecimal says why d does not fit a numeric(18, 4) column, or "".
func checkDecimal(d decimal.Decimal) string {
	switch {
	case d.Abs().GreaterThanOrEqual(maxDecimal):
		return "too large"
	case !d.Equal(d.Truncate(maxScale)):
		return fmt.Sprintf("at most %d decimal places", maxScale)
	}
	return ""
}

// newID returns a new row id: a UUID of version 7, which sorts by creation
// time and so keeps indexes compact.
func newID() string {
	return uuid.Must(uuid.NewV7()).String()
}
