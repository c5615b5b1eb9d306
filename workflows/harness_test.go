package workflows

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/crmconvert/crmconvert/activities"
	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
)

// The people and the opportunity of the unit tests.
var (
	alice = conversion.User{ID: "11111111-1111-1111-1111-111111111111", Name: "Alice"}
	bob   = conversion.User{ID: "22222222-2222-2222-2222-222222222222", Name: "Bob"}
)

const customerID = "33333333-3333-3333-3333-333333333333"

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func testOpportunity() *conversion.Opportunity {
	amount := dec("250.00")
	return &conversion.Opportunity{
		ID: "opp-1", OrganizationID: "org-1", Number: "OPP-000001", Name: "Globex renewal",
		CustomerID: customerID, CustomerName: "Globex", ContactName: "Hank", OwnerID: alice.ID,
		Status: "open", Currency: "EUR", ExpectedCloseDate: "2026-12-31", Amount: &amount,
		PaymentTerms: "30 days", Custom: map[string]any{"region": "north", "budget": "900.50"},
		Items: []conversion.Item{
			{ID: "item-1", ProductID: "p-1", Description: "Widget", Quantity: dec("10"), UnitPrice: dec("19.99"),
				DiscountPercent: dec("10"), TaxRate: dec("19"), Remaining: dec("4")},
			{ID: "item-2", ProductID: "p-2", Description: "Gadget", Quantity: dec("1"), UnitPrice: dec("100"),
				DiscountPercent: dec("0"), TaxRate: dec("7"), Remaining: dec("1")},
			{ID: "item-3", ProductID: "p-3", Description: "Sold out", Quantity: dec("2"), UnitPrice: dec("5"),
				DiscountPercent: dec("0"), TaxRate: dec("19"), Remaining: dec("0")},
		},
	}
}

func testSnapshot() conversion.Snapshot {
	return conversion.Snapshot{
		Opportunity: testOpportunity(),
		CustomFields: []conversion.CustomField{
			{Object: "opportunity", Name: "region", Type: conversion.TypeText},
			{Object: "opportunity", Name: "budget", Type: conversion.TypeMoney},
			{Object: "order", Name: "region", Type: conversion.TypeText},
			{Object: "order", Name: "due", Type: conversion.TypeDate},
		},
	}
}

// harness runs one conversion in Temporal's test environment, with the
// activities mocked, and sends it steps one simulated minute apart.
type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment
	act *activities.Activities
	at  time.Duration
	// snapshot is what the conversion starts from: given in its input, as
	// the API starts it, or, when bare, returned by LoadSnapshot.
	snapshot conversion.Snapshot
	bare     bool
	// workflow is the workflow type run: WorkflowName unless set.
	workflow string
	// reads counts the LoadSnapshot calls; remembered are the mappings
	// RememberMapping was given.
	reads      int
	remembered []activities.RememberInput
}

func newHarness(t *testing.T) *harness {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(Conversion, workflow.RegisterOptions{Name: WorkflowName})
	env.RegisterWorkflowWithOptions(SignalledConversion, workflow.RegisterOptions{Name: SignalledWorkflowName})
	act := &activities.Activities{}
	env.RegisterActivity(act)
	h := &harness{t: t, env: env, act: act, snapshot: testSnapshot()}
	env.OnActivity(act.RememberMapping, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		h.remembered = append(h.remembered, args.Get(1).(activities.RememberInput))
	}).Return(nil).Maybe()
	return h
}

// outcome is what an Update answered.
type outcome struct {
	state    conversion.State
	open     OpenResult
	rejected bool
	err      error
}

// refusal is the conversion.Error an Update failed with.
func (o *outcome) refusal(t *testing.T) *conversion.Error {
	t.Helper()
	require.Error(t, o.err)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(o.err, &appErr), "not an application error: %v", o.err)
	var r conversion.Error
	require.NoError(t, appErr.Details(&r))
	require.Equal(t, string(r.Kind), appErr.Type())
	return &r
}

// send schedules an Update a minute after the previous one; check runs on its answer.
func (h *harness) send(name string, arg any, check func(*outcome)) {
	h.sendWithID(name, "", arg, check)
}

// sendWithID is send with the Update id a client's Idempotency-Key makes.
func (h *harness) sendWithID(name, id string, arg any, check func(*outcome)) {
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() {
		o := &outcome{}
		h.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnReject: func(err error) { o.rejected, o.err = true, err; check(o) },
			OnAccept: func() {},
			OnComplete: func(result any, err error) {
				o.err = err
				if err == nil {
					target := any(&o.state)
					if name == UpdateOpen {
						target = &o.open
					}
					raw, mErr := json.Marshal(result)
					require.NoError(h.t, mErr)
					require.NoError(h.t, json.Unmarshal(raw, target))
				}
				check(o)
			},
		}, arg)
	}, h.at)
}

// signal schedules a signal a minute after the previous step.
func (h *harness) signal(name string, arg any) {
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() { h.env.SignalWorkflow(name, arg) }, h.at)
}

// execute runs the conversion until it ends; an empty input starts Alice's
// conversion of opp-1 as the API does, with the snapshot, unless bare.
func (h *harness) execute(in Input) {
	if in.OrganizationID == "" {
		in = Input{OrganizationID: "org-1", OpportunityID: "opp-1", StartedBy: alice}
		if !h.bare {
			snap := h.snapshot
			in.Snapshot = &snap
		}
	}
	h.env.OnActivity(h.act.LoadSnapshot, mock.Anything, mock.Anything).Return(h.snapshot, nil).
		Run(func(mock.Arguments) { h.reads++ }).Maybe()
	name := h.workflow
	if name == "" {
		name = WorkflowName
	}
	h.env.ExecuteWorkflow(name, in)
}

// run executes the conversion and returns its final state.
func (h *harness) run(in Input) conversion.State {
	h.execute(in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var final conversion.State
	require.NoError(h.t, h.env.GetWorkflowResult(&final))
	return final
}

func as(u conversion.User) Request { return Request{Actor: u.ID} }

// The steps of a straight conversion, with what they send.
var (
	goodMapping = conversion.Mapping{
		{Source: "opportunity.name", Target: "order.title"},
		{Source: "opportunity.customer_id", Target: "order.customer_id"},
		{Source: "opportunity.currency", Target: "order.currency"},
		{Source: "opportunity.custom.region", Target: "order.custom.region"},
		{Source: "opportunity.expected_close_date", Target: "order.delivery_date"},
	}
	goodItems = []conversion.Pick{{OpportunityItemID: "item-1", Quantity: dec("3")}, {OpportunityItemID: "item-2", Quantity: dec("1")}}
)

func (h *harness) expectSave(saved crm.SavedOrder) *testsuite.MockCallWrapper {
	return h.env.OnActivity(h.act.SaveOrder, mock.Anything, mock.Anything).Return(saved, nil)
}

func ok(t *testing.T) func(*outcome) {
	return func(o *outcome) { t.Helper(); require.NoError(t, o.err) }
}

// toDraft schedules Alice's way to the draft: open, the good mapping, the good items.
func (h *harness) toDraft() {
	h.send(UpdateOpen, OpenRequest{Actor: alice}, ok(h.t))
	h.send(UpdateMapping, MappingRequest{Request: as(alice), Mapping: goodMapping}, ok(h.t))
	h.send(UpdateItems, ItemsRequest{Request: as(alice), Items: goodItems}, ok(h.t))
}
