package api

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm/demo"
)

// mappingWithTitle is the proposal plus the opportunity's name as the order's title.
func mappingWithTitle(b conversionBody) map[string]any {
	pairs := append(conversion.Mapping{{Source: "opportunity.name", Target: "order.title"}}, b.Mapping.Pairs...)
	return map[string]any{"mapping": pairs}
}

func TestAWholeConversion(t *testing.T) {
	e := newEnv(t)
	path := conversionPath(demo.InitechRenewal)

	r := e.call(demo.Sam, http.MethodPost, path, nil)
	b := r.conversion(t, http.StatusCreated)
	assert.Equal(t, path, r.Header.Get("Location"))
	assert.Equal(t, conversion.StepMapping, b.Step)
	assert.Equal(t, conversion.StatusOpen, b.Status)
	assert.Equal(t, []conversion.Action{conversion.ActionMapping, conversion.ActionCancel}, b.AllowedActions)
	assert.Equal(t, ref{ID: demo.Sam, Name: "Sam Seller"}, b.StartedBy)
	assert.Equal(t, "OPP-000001", b.Opportunity.Number)
	assert.Equal(t, &ref{ID: demo.Initech, Name: "Initech"}, b.Opportunity.Customer)
	assert.False(t, b.Mapping.Accepted)
	assert.Contains(t, b.Mapping.Pairs, conversion.Pair{Source: "opportunity.customer_id", Target: "order.customer_id"})
	assert.Contains(t, b.Mapping.Targets, conversion.Field{Name: "order.custom.region", Type: conversion.TypeText})
	assert.Equal(t, "north", b.Mapping.Preview["order.custom.region"])
	require.Len(t, b.Items, 3)
	assert.Equal(t, itemBody{ID: demo.RenewalWidgets, Product: b.Items[0].Product, Description: "Widget, blue",
		Quantity: "10", RemainingQuantity: "10", UnitPrice: "19.99", DiscountPercent: "10", TaxRate: "19", PickedQuantity: "0"}, b.Items[0])
	assert.Nil(t, b.Draft, "no draft before items are picked")
	assert.Nil(t, b.Order)
	assert.Nil(t, b.ClosePrompt)

	b = e.call(demo.Sam, http.MethodPut, path+"/mapping", mappingWithTitle(b)).conversion(t, http.StatusOK)
	assert.Equal(t, conversion.StepProducts, b.Step)
	assert.True(t, b.Mapping.Accepted)
	assert.Equal(t, "Initech renewal", b.Mapping.Preview["order.title"])

	b = e.call(demo.Sam, http.MethodPut, path+"/items", map[string]any{"items": []map[string]string{
		{"opportunity_item_id": demo.RenewalWidgets, "quantity": "4"},
		{"opportunity_item_id": demo.RenewalSupport, "quantity": "5"},
	}}).conversion(t, http.StatusOK)
	assert.Equal(t, conversion.StepDraft, b.Step)
	assert.Equal(t, "4", b.Items[0].PickedQuantity)
	require.NotNil(t, b.Draft)
	assert.Equal(t, "Initech renewal", *b.Draft.Header["title"])
	assert.Equal(t, "EUR", *b.Draft.Header["currency"])
	assert.Nil(t, b.Draft.Header["delivery_date"])
	assert.Equal(t, "71.96", b.Draft.Lines[0].LineTotal, "4 × 19.99 less 10 %")

	b = e.call(demo.Sam, http.MethodPatch, path+"/draft", map[string]any{
		"title":         "Renewal 2026",
		"delivery_date": "2026-10-01",
		"custom":        map[string]any{"region": "south"},
		"lines":         []map[string]any{{"opportunity_item_id": demo.RenewalWidgets, "unit_price": "18.00", "discount_percent": "5"}},
	}, "If-Match", etag(b)).conversion(t, http.StatusOK)
	assert.Equal(t, "Renewal 2026", *b.Draft.Header["title"])
	assert.Equal(t, "south", *b.Draft.Custom["region"])
	assert.Equal(t, lineBody{OpportunityItemID: demo.RenewalWidgets, Product: b.Draft.Lines[0].Product, Description: "Widget, blue",
		Quantity: "4", RemainingQuantity: "10", UnitPrice: "18.00", DiscountPercent: "5", TaxRate: "19", LineTotal: "68.40"}, b.Draft.Lines[0])
	assert.Equal(t, totalsBody{Currency: "EUR", Subtotal: "543.40", Tax: "103.25", Total: "646.65"}, b.Draft.Totals)
	assert.Equal(t, numberRef{ID: demo.InitechRenewal, Number: "OPP-000001"}, b.Draft.Opportunity)

	b = e.call(demo.Sam, http.MethodPost, path+"/save", nil).conversion(t, http.StatusOK)
	assert.Equal(t, conversion.StepClosePrompt, b.Step)
	require.NotNil(t, b.Order)
	require.NotNil(t, b.ClosePrompt)
	assert.Equal(t, "Close opportunity OPP-000001 as won?", b.ClosePrompt.Question)
	assert.Equal(t, []conversion.Action{conversion.ActionCloseDecide}, b.AllowedActions)

	b = e.call(demo.Sam, http.MethodPost, path+"/close-decision", map[string]any{"close": true}).conversion(t, http.StatusOK)
	assert.Equal(t, conversion.StepCompleted, b.Step)
	assert.Equal(t, conversion.StatusCompleted, b.Status)
	assert.Empty(t, b.AllowedActions)
	assert.True(t, *b.ClosePrompt.Answer)
	assert.True(t, b.ClosePrompt.Closed)

	// PostgreSQL has the order, its items and totals, and the change log.
	ctx := t.Context()
	var order struct {
		Number, Title, Currency, CustomerID, OpportunityID, CreatedBy string
		Subtotal, TaxTotal, Total                                     decimal.Decimal
	}
	require.NoError(t, e.db.NewRaw(`SELECT number, title, currency, customer_id, opportunity_id, created_by,
		subtotal, tax_total, total FROM orders WHERE id = ?`, b.Order.ID).Scan(ctx, &order))
	assert.Equal(t, b.Order.Number, order.Number)
	assert.Equal(t, "Renewal 2026", order.Title)
	assert.Equal(t, demo.InitechRenewal, order.OpportunityID)
	assert.Equal(t, demo.Initech, order.CustomerID)
	assert.Equal(t, demo.Sam, order.CreatedBy)
	assert.Equal(t, "543.40 103.25 646.65", order.Subtotal.StringFixed(2)+" "+order.TaxTotal.StringFixed(2)+" "+order.Total.StringFixed(2))
	var lines []struct {
		OpportunityItemID          string
		Quantity, UnitPrice, Total decimal.Decimal
	}
	require.NoError(t, e.db.NewRaw(`SELECT opportunity_item_id, quantity, unit_price, line_total AS total
		FROM order_items WHERE order_id = ? ORDER BY position`, b.Order.ID).Scan(ctx, &lines))
	require.Len(t, lines, 2)
	assert.Equal(t, demo.RenewalWidgets, lines[0].OpportunityItemID)
	assert.Equal(t, "4 18.00 68.40", lines[0].Quantity.String()+" "+lines[0].UnitPrice.StringFixed(2)+" "+lines[0].Total.StringFixed(2))
	assert.Equal(t, "5 95.00 475.00", lines[1].Quantity.String()+" "+lines[1].UnitPrice.StringFixed(2)+" "+lines[1].Total.StringFixed(2))
	var reasons []string
	require.NoError(t, e.db.NewRaw(`SELECT reason FROM changes WHERE object_id IN (?, ?) ORDER BY id`,
		b.Order.ID, demo.InitechRenewal).Scan(ctx, &reasons))
	assert.Contains(t, reasons, "converted from OPP-000001")
	assert.Contains(t, reasons, "order "+order.Number+" created from it")
	assert.Len(t, reasons, 3, "order created, opportunity linked, opportunity closed: %v", reasons)
	var status string
	require.NoError(t, e.db.NewRaw(`SELECT status FROM opportunities WHERE id = ?`, demo.InitechRenewal).Scan(ctx, &status))
	assert.Equal(t, "won", status)

	// The conversion is over; the reads show the order.
	e.call(demo.Sam, http.MethodGet, path, nil).problem(t, http.StatusNotFound)
	var opp opportunityBody
	r = e.call(demo.Sam, http.MethodGet, "/v1/opportunities/"+demo.InitechRenewal, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.NoError(t, json.Unmarshal(r.Body, &opp))
	assert.Equal(t, "won", opp.Status)
	assert.Equal(t, "6", opp.Items[0].RemainingQuantity)
	require.Len(t, opp.Orders, 1)
	assert.Equal(t, "646.65", opp.Orders[0].Total)
	var ord orderBody
	r = e.call(demo.Sam, http.MethodGet, "/v1/orders/"+b.Order.ID, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.NoError(t, json.Unmarshal(r.Body, &ord))
	assert.Equal(t, totalsBody{Currency: "EUR", Subtotal: "543.40", Tax: "103.25", Total: "646.65"}, ord.Totals)
	assert.Equal(t, &numberNameRef{ID: demo.InitechRenewal, Number: "OPP-000001", Name: "Initech renewal"}, ord.Opportunity)
	require.Len(t, ord.Items, 2)
	assert.Equal(t, "68.40", ord.Items[0].LineTotal)
}

func TestBackKeepsWhatWasEntered(t *testing.T) {
	e := newEnv(t)
	path := conversionPath(demo.UmbrellaLab)
	b := e.call(demo.Sam, http.MethodPost, path, nil).conversion(t, http.StatusCreated)
	mapping := mappingWithTitle(b)
	e.call(demo.Sam, http.MethodPut, path+"/mapping", mapping).conversion(t, http.StatusOK)
	items := map[string]any{"items": []map[string]string{{"opportunity_item_id": b.Items[1].ID, "quantity": "1"}}}
	e.call(demo.Sam, http.MethodPut, path+"/items", items).conversion(t, http.StatusOK)
	e.call(demo.Sam, http.MethodPatch, path+"/draft", map[string]any{"notes": "deliver to lab 3"}).conversion(t, http.StatusOK)

	b = e.call(demo.Sam, http.MethodPost, path+"/back", nil).conversion(t, http.StatusOK)
	assert.Equal(t, conversion.StepProducts, b.Step)
	assert.Equal(t, "1", b.Items[1].PickedQuantity)
	require.NotNil(t, b.Draft)
	assert.Equal(t, "deliver to lab 3", *b.Draft.Header["notes"])

	b = e.call(demo.Sam, http.MethodPost, path+"/back", nil).conversion(t, http.StatusOK)
	assert.Equal(t, conversion.StepMapping, b.Step)
	assert.True(t, b.Mapping.Accepted)
	assert.Equal(t, conversion.Pair{Source: "opportunity.name", Target: "order.title"}, b.Mapping.Pairs[0])

	p := e.call(demo.Sam, http.MethodPost, path+"/back", nil).problem(t, http.StatusConflict)
	assert.Equal(t, problemBase+"wrong-step", p.Type)

	// Forward again: the items and the draft edit are still there.
	e.call(demo.Sam, http.MethodPut, path+"/mapping", mapping).conversion(t, http.StatusOK)
	b = e.call(demo.Sam, http.MethodPut, path+"/items", items).conversion(t, http.StatusOK)
	assert.Equal(t, "deliver to lab 3", *b.Draft.Header["notes"])
	assert.Equal(t, "1200.00", b.Draft.Lines[0].LineTotal)
}

func TestResumeAndAnotherUsersConversion(t *testing.T) {
	e := newEnv(t)
	path := conversionPath(demo.InitechRenewal)
	first := e.call(demo.Sam, http.MethodPost, path, nil).conversion(t, http.StatusCreated)
	e.call(demo.Sam, http.MethodPut, path+"/mapping", mappingWithTitle(first)).conversion(t, http.StatusOK)

	resumed := e.call(demo.Sam, http.MethodPost, path, nil).conversion(t, http.StatusOK)
	assert.Equal(t, first.WorkflowID, resumed.WorkflowID)
	assert.Equal(t, conversion.StepProducts, resumed.Step, "resumed where it was")
	assert.Equal(t, first.StartedAt, resumed.StartedAt)

	got := e.call(demo.Sam, http.MethodGet, path, nil).conversion(t, http.StatusOK)
	assert.Equal(t, resumed.Version, got.Version)

	p := e.call(demo.Mia, http.MethodPost, path, nil).problem(t, http.StatusConflict)
	assert.Equal(t, problemBase+"conflict", p.Type)
	assert.Contains(t, p.Detail, "Sam Seller")
	assert.Contains(t, p.Detail, "since "+first.StartedAt.UTC().Format("2006-01-02"))

	// Only the starter acts on it; an admin may read it, not step it.
	e.call(demo.Mia, http.MethodGet, path, nil).problem(t, http.StatusForbidden)
	assert.Equal(t, got.Version, e.call(demo.Ada, http.MethodGet, path, nil).conversion(t, http.StatusOK).Version)
	e.call(demo.Ada, http.MethodPost, path+"/back", nil).problem(t, http.StatusForbidden)
	e.call(demo.Mia, http.MethodPost, path+"/back", nil).problem(t, http.StatusForbidden)
}

func TestNothingLeftToConvert(t *testing.T) {
	e := newEnv(t)
	path := conversionPath(demo.InitechRefresh) // already won: no close prompt
	b := e.call(demo.Sam, http.MethodPost, path, nil).conversion(t, http.StatusCreated)
	e.call(demo.Sam, http.MethodPut, path+"/mapping", map[string]any{"mapping": b.Mapping.Pairs}).conversion(t, http.StatusOK)
	e.call(demo.Sam, http.MethodPut, path+"/items", map[string]any{"items": []map[string]string{
		{"opportunity_item_id": b.Items[0].ID, "quantity": b.Items[0].RemainingQuantity}}}).conversion(t, http.StatusOK)
	b = e.call(demo.Sam, http.MethodPost, path+"/save", nil).conversion(t, http.StatusOK)
	assert.Equal(t, conversion.StepCompleted, b.Step, "no close prompt for a won opportunity")
	assert.Nil(t, b.ClosePrompt)

	p := e.call(demo.Sam, http.MethodPost, path, nil).problem(t, http.StatusConflict)
	assert.Contains(t, p.Detail, "nothing remains")
}

func TestIdempotentSave(t *testing.T) {
	e := newEnv(t)
	path := conversionPath(demo.StarkSupport) // Ada's: Sam may convert it, not close it
	b := e.call(demo.Sam, http.MethodPost, path, nil).conversion(t, http.StatusCreated)
	e.call(demo.Sam, http.MethodPut, path+"/mapping", map[string]any{"mapping": b.Mapping.Pairs}).conversion(t, http.StatusOK)
	e.call(demo.Sam, http.MethodPut, path+"/items", map[string]any{"items": []map[string]string{
		{"opportunity_item_id": b.Items[0].ID, "quantity": "2"}}}).conversion(t, http.StatusOK)
	orders := e.count("orders")

	first := e.call(demo.Sam, http.MethodPost, path+"/save", nil, "Idempotency-Key", "save-1")
	again := e.call(demo.Sam, http.MethodPost, path+"/save", nil, "Idempotency-Key", "save-1")
	saved := first.conversion(t, http.StatusOK)
	assert.Equal(t, conversion.StepCompleted, saved.Step, "Sam may not close Ada's opportunity: no prompt")
	require.NotNil(t, saved.Order)
	assert.JSONEq(t, string(first.Body), string(again.Body), "the same key answers the same")
	assert.Equal(t, orders+1, e.count("orders"), "one order")
}

func TestCancel(t *testing.T) {
	e := newEnv(t)
	path := conversionPath(demo.InitechRenewal)
	b := e.call(demo.Sam, http.MethodPost, path, nil).conversion(t, http.StatusCreated)
	e.call(demo.Sam, http.MethodPut, path+"/mapping", mappingWithTitle(b)).conversion(t, http.StatusOK)

	e.call(demo.Mia, http.MethodDelete, path, nil).problem(t, http.StatusForbidden)
	b = e.call(demo.Sam, http.MethodDelete, path, nil).conversion(t, http.StatusOK)
	assert.Equal(t, conversion.StepCancelled, b.Step)
	assert.Equal(t, conversion.StatusCancelled, b.Status)
	e.call(demo.Sam, http.MethodGet, path, nil).problem(t, http.StatusNotFound)
	e.call(demo.Sam, http.MethodDelete, path, nil).problem(t, http.StatusNotFound)
	e.call(demo.Sam, http.MethodPut, path+"/mapping", mappingWithTitle(b)).problem(t, http.StatusNotFound)
	assert.Equal(t, 1, e.count("orders"), "only the demo's order")

	// A new conversion is a new run of the same workflow; an admin may cancel it.
	again := e.call(demo.Sam, http.MethodPost, path, nil).conversion(t, http.StatusCreated)
	assert.Equal(t, b.WorkflowID, again.WorkflowID)
	assert.Equal(t, conversion.StepMapping, again.Step)
	assert.Equal(t, conversion.StepCancelled, e.call(demo.Ada, http.MethodDelete, path, nil).conversion(t, http.StatusOK).Step)
}

func TestCancelAfterSaveIsRefused(t *testing.T) {
	e := newEnv(t)
	path := conversionPath(demo.InitechRenewal)
	b := e.call(demo.Sam, http.MethodPost, path, nil).conversion(t, http.StatusCreated)
	e.call(demo.Sam, http.MethodPut, path+"/mapping", mappingWithTitle(b)).conversion(t, http.StatusOK)
	e.call(demo.Sam, http.MethodPut, path+"/items", map[string]any{"items": []map[string]string{
		{"opportunity_item_id": demo.RenewalCable, "quantity": "10"}}}).conversion(t, http.StatusOK)
	e.call(demo.Sam, http.MethodPost, path+"/save", nil).conversion(t, http.StatusOK)

	p := e.call(demo.Sam, http.MethodDelete, path, nil).problem(t, http.StatusConflict)
	assert.Equal(t, problemBase+"wrong-step", p.Type)
	assert.Equal(t, conversion.StepClosePrompt, e.call(demo.Sam, http.MethodGet, path, nil).conversion(t, http.StatusOK).Step)
}

func TestResumeAtTheClosePromptWhenNothingRemains(t *testing.T) {
	e := newEnv(t)
	path := conversionPath(demo.StarkSupport) // Ada's own: she gets the close prompt
	b := e.call(demo.Ada, http.MethodPost, path, nil).conversion(t, http.StatusCreated)
	e.call(demo.Ada, http.MethodPut, path+"/mapping", map[string]any{"mapping": b.Mapping.Pairs}).conversion(t, http.StatusOK)
	var all []map[string]string
	for _, it := range b.Items {
		all = append(all, map[string]string{"opportunity_item_id": it.ID, "quantity": it.RemainingQuantity})
	}
	e.call(demo.Ada, http.MethodPut, path+"/items", map[string]any{"items": all}).conversion(t, http.StatusOK)
	saved := e.call(demo.Ada, http.MethodPost, path+"/save", nil).conversion(t, http.StatusOK)
	require.Equal(t, conversion.StepClosePrompt, saved.Step)

	resumed := e.call(demo.Ada, http.MethodPost, path, nil).conversion(t, http.StatusOK)
	assert.Equal(t, saved.Version, resumed.Version)
	assert.Equal(t, saved.Order, resumed.Order)
	e.call(demo.Sam, http.MethodPost, path, nil).problem(t, http.StatusConflict)

	b = e.call(demo.Ada, http.MethodPost, path+"/close-decision", map[string]any{"close": false}).conversion(t, http.StatusOK)
	assert.False(t, *b.ClosePrompt.Answer)
	assert.False(t, b.ClosePrompt.Closed)
	p := e.call(demo.Ada, http.MethodPost, path, nil).problem(t, http.StatusConflict)
	assert.Contains(t, p.Detail, "nothing remains")
}

// The mapping a user accepts is remembered before the step is answered, and
// is what their next conversion proposes.
func TestTheNextConversionProposesTheRememberedMapping(t *testing.T) {
	e := newEnv(t)
	first := conversionPath(demo.InitechRenewal)
	e.call(demo.Sam, http.MethodPost, first, nil).conversion(t, http.StatusCreated)
	chosen := conversion.Mapping{
		{Source: "opportunity.number", Target: "order.title"},
		{Source: "opportunity.customer_id", Target: "order.customer_id"},
		{Source: "opportunity.currency", Target: "order.currency"},
	}
	e.call(demo.Sam, http.MethodPut, first+"/mapping", map[string]any{"mapping": chosen}).conversion(t, http.StatusOK)

	next := e.call(demo.Sam, http.MethodPost, conversionPath(demo.UmbrellaLab), nil).conversion(t, http.StatusCreated)
	assert.Equal(t, chosen, conversion.Mapping(next.Mapping.Pairs))
	assert.False(t, next.Mapping.Accepted)
	assert.Equal(t, "OPP-000002", next.Mapping.Preview["order.title"])

	other := e.call(demo.Mia, http.MethodPost, conversionPath(demo.StarkSupport), nil).conversion(t, http.StatusCreated)
	assert.NotEqual(t, chosen, conversion.Mapping(other.Mapping.Pairs), "another user's proposal is their own")
}
