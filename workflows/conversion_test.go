package workflows

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/crmconvert/crmconvert/activities"
	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
)

func TestStraightThroughClosingTheOpportunity(t *testing.T) {
	h := newHarness(t)
	saved := crm.SavedOrder{ID: "order-1", Number: "SO-2026-000001", Created: true, MayClose: true}
	var savedWith crm.NewOrder
	h.expectSave(saved).Run(func(args mock.Arguments) { savedWith = args.Get(1).(crm.NewOrder) }).Once()
	h.env.OnActivity(h.act.CloseOpportunity, mock.Anything, mock.Anything).
		Return(crm.CloseResult{Closed: true}, nil).Once()

	h.send(UpdateOpen, OpenRequest{Actor: alice}, func(o *outcome) {
		require.NoError(t, o.err)
		require.True(t, o.open.Created)
		require.Equal(t, conversion.StepMapping, o.open.State.Step)
		require.Equal(t, alice, o.open.State.StartedBy)
		require.Contains(t, o.open.State.Mapping, conversion.Pair{Source: "opportunity.currency", Target: "order.currency"},
			"same-name fields are proposed to a user without a remembered mapping")
	})
	h.send(UpdateOpen, OpenRequest{Actor: alice}, func(o *outcome) {
		require.NoError(t, o.err)
		require.False(t, o.open.Created, "a second open resumes")
	})
	h.send(UpdateMapping, MappingRequest{Request: as(alice), Mapping: goodMapping}, func(o *outcome) {
		require.NoError(t, o.err)
		require.Equal(t, conversion.StepProducts, o.state.Step)
		require.True(t, o.state.MappingAccepted)
	})
	h.send(UpdateItems, ItemsRequest{Request: as(alice), Items: goodItems}, func(o *outcome) {
		require.NoError(t, o.err)
		require.Equal(t, conversion.StepDraft, o.state.Step)
		d := o.state.Draft
		require.Equal(t, "Globex renewal", d.Header["title"])
		require.Equal(t, "north", d.Header["custom.region"])
		require.Equal(t, "2026-12-31", d.Header["delivery_date"])
		require.Len(t, d.Lines, 2)
		require.Equal(t, "53.97", d.Lines[0].LineTotal.String()) // 3 × 19.99 less 10%
		require.Equal(t, "153.97", d.Totals.Subtotal.String())
		require.Equal(t, "17.25", d.Totals.Tax.String()) // 53.97 × 19% + 100 × 7%
		require.Equal(t, "171.22", d.Totals.Total.String())
	})
	h.send(UpdateDraft, DraftRequest{Request: as(alice), Patch: conversion.DraftPatch{
		Header: map[string]string{"notes": "deliver to dock 4", "custom.due": "2027-01-15"},
		Lines:  []conversion.LinePatch{{OpportunityItemID: "item-2", UnitPrice: ptr(dec("90")), DiscountPercent: ptr(dec("5"))}},
	}}, func(o *outcome) {
		require.NoError(t, o.err)
		require.Equal(t, "deliver to dock 4", o.state.Draft.Header["notes"])
		require.Equal(t, "85.5", o.state.Draft.Lines[1].LineTotal.String())
		require.Equal(t, "139.47", o.state.Draft.Totals.Subtotal.String())
	})
	h.send(UpdateSave, as(alice), func(o *outcome) {
		require.NoError(t, o.err)
		require.Equal(t, conversion.StepClosePrompt, o.state.Step)
		require.Equal(t, "SO-2026-000001", o.state.Order.Number)
		require.Contains(t, o.state.ClosePrompt.Question, "OPP-000001")
	})
	h.send(UpdateClose, CloseRequest{Request: as(alice), Close: true}, ok(t))

	final := h.run(Input{})
	require.Equal(t, conversion.StepCompleted, final.Step)
	require.True(t, final.ClosePrompt.Closed)
	require.True(t, *final.ClosePrompt.Answer)
	require.Equal(t, "default-test-workflow-id/default-test-run-id", savedWith.ConversionKey,
		"the key is the workflow id and its first run id")
	require.Equal(t, alice.ID, savedWith.CreatedBy)
	require.Len(t, savedWith.Draft.Lines, 2)
	h.env.AssertExpectations(t)
}

func TestCompletesRightAfterSaveWhenTheUserMayNotClose(t *testing.T) {
	h := newHarness(t)
	h.expectSave(crm.SavedOrder{ID: "order-1", Number: "SO-2026-000002", MayClose: false}).Once()
	h.toDraft()
	h.send(UpdateSave, as(alice), func(o *outcome) {
		require.NoError(t, o.err)
		require.Equal(t, conversion.StepCompleted, o.state.Step)
		require.Nil(t, o.state.ClosePrompt)
	})
	final := h.run(Input{})
	require.Equal(t, conversion.StatusCompleted, final.Status())
}

func TestAnsweringNoLeavesTheOpportunityOpen(t *testing.T) {
	h := newHarness(t)
	h.expectSave(crm.SavedOrder{ID: "order-1", Number: "SO-2026-000003", MayClose: true}).Once()
	h.toDraft()
	h.send(UpdateSave, as(alice), ok(t))
	h.send(UpdateClose, CloseRequest{Request: as(alice), Close: false}, ok(t))
	final := h.run(Input{})
	require.Equal(t, conversion.StepCompleted, final.Step)
	require.False(t, *final.ClosePrompt.Answer)
	require.False(t, final.ClosePrompt.Closed)
	h.env.AssertNotCalled(t, "CloseOpportunity", mock.Anything, mock.Anything)
}

func TestBackKeepsWhatWasEntered(t *testing.T) {
	h := newHarness(t)
	h.toDraft()
	h.send(UpdateBack, as(alice), func(o *outcome) {
		require.NoError(t, o.err)
		require.Equal(t, conversion.StepProducts, o.state.Step)
		require.Equal(t, goodItems[0].Quantity.String(), o.state.Picks[0].Quantity.String())
	})
	h.send(UpdateBack, as(alice), func(o *outcome) {
		require.NoError(t, o.err)
		require.Equal(t, conversion.StepMapping, o.state.Step)
		require.Equal(t, goodMapping, o.state.Mapping)
	})
	h.send(UpdateBack, as(alice), func(o *outcome) {
		require.Equal(t, conversion.KindWrongStep, o.refusal(t).Kind)
	})
	h.signal(SignalCancel, CancelRequest{Actor: alice.ID})
	final := h.run(Input{})
	require.Equal(t, conversion.StepCancelled, final.Step)
}

func TestRejectedStepsChangeNothing(t *testing.T) {
	stale := 7
	cases := []struct {
		name   string
		update string
		arg    any
		kind   conversion.Kind
		field  string
	}{
		{"another user acts", UpdateMapping, MappingRequest{Request: as(bob), Mapping: goodMapping}, conversion.KindForbidden, ""},
		{"save before the draft", UpdateSave, as(alice), conversion.KindWrongStep, ""},
		{"items before the mapping", UpdateItems, ItemsRequest{Request: as(alice), Items: goodItems}, conversion.KindWrongStep, ""},
		{"close before save", UpdateClose, CloseRequest{Request: as(alice), Close: true}, conversion.KindWrongStep, ""},
		{"back from the first step", UpdateBack, as(alice), conversion.KindWrongStep, ""},
		{"stale If-Match", UpdateMapping, MappingRequest{Request: Request{Actor: alice.ID, IfVersion: &stale}, Mapping: goodMapping}, conversion.KindStale, ""},
		{"incompatible types", UpdateMapping, MappingRequest{Request: as(alice), Mapping: conversion.Mapping{
			{Source: "opportunity.name", Target: "order.currency"}}}, conversion.KindInvalid, "mapping[0].target"},
		{"a target twice", UpdateMapping, MappingRequest{Request: as(alice), Mapping: conversion.Mapping{
			{Source: "opportunity.name", Target: "order.title"}, {Source: "opportunity.number", Target: "order.title"}}},
			conversion.KindInvalid, "mapping[1].target"},
		{"an unknown field", UpdateMapping, MappingRequest{Request: as(alice), Mapping: conversion.Mapping{
			{Source: "opportunity.secret", Target: "order.title"}}}, conversion.KindInvalid, "mapping[0].source"},
		{"a date into money", UpdateMapping, MappingRequest{Request: as(alice), Mapping: conversion.Mapping{
			{Source: "opportunity.expected_close_date", Target: "order.custom.region"}, {Source: "opportunity.amount", Target: "order.custom.due"}}},
			conversion.KindInvalid, "mapping[1].target"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var before conversion.State
			h.send(UpdateOpen, OpenRequest{Actor: alice}, func(o *outcome) { before = o.open.State })
			h.send(tc.update, tc.arg, func(o *outcome) {
				require.True(t, o.rejected, "a validator refuses it before it reaches history")
				r := o.refusal(t)
				require.Equal(t, tc.kind, r.Kind, r.Detail)
				if tc.field != "" {
					require.Equal(t, tc.field, r.Fields[0].Field, r.Error())
				}
			})
			h.signal(SignalCancel, CancelRequest{Actor: alice.ID})
			final := h.run(Input{})
			require.Equal(t, before.Mapping, final.Mapping)
			require.Equal(t, before.Version+1, final.Version, "only the cancel counted")
		})
	}
}

func TestProductRules(t *testing.T) {
	cases := []struct {
		name  string
		items []conversion.Pick
		field string
		msg   string
	}{
		{"nothing checked", nil, "items", "at least one item must be checked"},
		{"more than remains", []conversion.Pick{{OpportunityItemID: "item-1", Quantity: dec("5")}}, "items[0].quantity", "at most 4 remain"},
		{"a sold-out item", []conversion.Pick{{OpportunityItemID: "item-3", Quantity: dec("1")}}, "items[0].quantity", "at most 0 remain"},
		{"zero", []conversion.Pick{{OpportunityItemID: "item-1", Quantity: dec("0")}}, "items[0].quantity", "must be more than 0"},
		{"another opportunity's item", []conversion.Pick{{OpportunityItemID: "item-9", Quantity: dec("1")}}, "items[0].opportunity_item_id", "not an item"},
		{"twice", []conversion.Pick{{OpportunityItemID: "item-1", Quantity: dec("1")}, {OpportunityItemID: "item-1", Quantity: dec("1")}},
			"items[1].opportunity_item_id", "checked twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.send(UpdateOpen, OpenRequest{Actor: alice}, ok(t))
			h.send(UpdateMapping, MappingRequest{Request: as(alice), Mapping: goodMapping}, ok(t))
			h.send(UpdateItems, ItemsRequest{Request: as(alice), Items: tc.items}, func(o *outcome) {
				r := o.refusal(t)
				require.Equal(t, conversion.KindInvalid, r.Kind)
				require.Equal(t, tc.field, r.Fields[0].Field)
				require.Contains(t, r.Fields[0].Message, tc.msg)
			})
			h.signal(SignalCancel, CancelRequest{Actor: alice.ID})
			require.Equal(t, conversion.StepCancelled, h.run(Input{}).Step)
		})
	}
}

func TestDraftRules(t *testing.T) {
	cases := []struct {
		name  string
		patch conversion.DraftPatch
		field string
	}{
		{"remove every line", conversion.DraftPatch{Lines: []conversion.LinePatch{
			{OpportunityItemID: "item-1", Remove: true}, {OpportunityItemID: "item-2", Remove: true}}}, "lines"},
		{"negative price", conversion.DraftPatch{Lines: []conversion.LinePatch{{OpportunityItemID: "item-1", UnitPrice: ptr(dec("-1"))}}}, "lines[0].unit_price"},
		{"discount over 100", conversion.DraftPatch{Lines: []conversion.LinePatch{{OpportunityItemID: "item-1", DiscountPercent: ptr(dec("101"))}}}, "lines[0].discount_percent"},
		{"quantity over remaining", conversion.DraftPatch{Lines: []conversion.LinePatch{{OpportunityItemID: "item-1", Quantity: ptr(dec("4.5"))}}}, "lines[0].quantity"},
		{"not a currency", conversion.DraftPatch{Header: map[string]string{"currency": "EURO"}}, "currency"},
		{"not a date", conversion.DraftPatch{Header: map[string]string{"order_date": "31.12.2026"}}, "order_date"},
		{"not an order field", conversion.DraftPatch{Header: map[string]string{"status": "confirmed"}}, "status"},
		{"too many decimals", conversion.DraftPatch{Lines: []conversion.LinePatch{{OpportunityItemID: "item-1", UnitPrice: ptr(dec("1.00001"))}}}, "lines[0].unit_price"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.toDraft()
			h.send(UpdateDraft, DraftRequest{Request: as(alice), Patch: tc.patch}, func(o *outcome) {
				r := o.refusal(t)
				require.Equal(t, conversion.KindInvalid, r.Kind)
				require.Equal(t, tc.field, r.Fields[0].Field, r.Error())
			})
			h.signal(SignalCancel, CancelRequest{Actor: alice.ID})
			final := h.run(Input{})
			require.Len(t, final.Draft.Lines, 2, "the refused edit changed nothing")
		})
	}
}

func TestSaveNeedsCustomerAndCurrency(t *testing.T) {
	h := newHarness(t)
	h.send(UpdateOpen, OpenRequest{Actor: alice}, ok(t))
	h.send(UpdateMapping, MappingRequest{Request: as(alice), Mapping: conversion.Mapping{{Source: "opportunity.name", Target: "order.title"}}}, ok(t))
	h.send(UpdateItems, ItemsRequest{Request: as(alice), Items: goodItems}, ok(t))
	h.send(UpdateSave, as(alice), func(o *outcome) {
		r := o.refusal(t)
		require.Equal(t, conversion.KindInvalid, r.Kind)
		require.ElementsMatch(t, []string{"customer_id", "currency"}, []string{r.Fields[0].Field, r.Fields[1].Field})
	})
	h.send(UpdateDraft, DraftRequest{Request: as(alice), Patch: conversion.DraftPatch{
		Header: map[string]string{"customer_id": customerID, "currency": "JPY"}}}, func(o *outcome) {
		require.NoError(t, o.err)
		require.Equal(t, "54", o.state.Draft.Lines[0].LineTotal.String(), "yen have no minor unit")
	})
	h.expectSave(crm.SavedOrder{ID: "o", Number: "SO-2026-000004"}).Once()
	h.send(UpdateSave, as(alice), ok(t))
	require.Equal(t, conversion.StepCompleted, h.run(Input{}).Step)
}

func TestARetriedSaveMakesOneOrder(t *testing.T) {
	h := newHarness(t)
	calls := 0
	h.env.OnActivity(h.act.SaveOrder, mock.Anything, mock.Anything).Return(
		func(_ context.Context, o crm.NewOrder) (crm.SavedOrder, error) {
			calls++
			if calls == 1 {
				return crm.SavedOrder{}, errors.New("connection reset")
			}
			return crm.SavedOrder{ID: "o", Number: "SO-2026-000005", Created: true}, nil
		})
	h.toDraft()
	h.send(UpdateSave, as(alice), func(o *outcome) {
		require.NoError(t, o.err)
		require.Equal(t, "SO-2026-000005", o.state.Order.Number)
	})
	require.Equal(t, conversion.StepCompleted, h.run(Input{}).Step)
	require.Equal(t, 2, calls, "the failed attempt was retried")
}

func TestASaveRefusedByTheDatabaseStaysAtTheDraft(t *testing.T) {
	h := newHarness(t)
	refusal := conversion.Refuse(conversion.KindConflict, "item Widget: only 1 remains")
	h.env.OnActivity(h.act.SaveOrder, mock.Anything, mock.Anything).Return(
		func(_ context.Context, o crm.NewOrder) (crm.SavedOrder, error) {
			// What activities.SaveOrder makes of a refusal from the store.
			return crm.SavedOrder{}, temporal.NewNonRetryableApplicationError(refusal.Detail, string(refusal.Kind), nil, *refusal)
		})
	h.toDraft()
	h.send(UpdateSave, as(alice), func(o *outcome) {
		require.False(t, o.rejected, "accepted, then refused by the activity")
		r := o.refusal(t)
		require.Equal(t, conversion.KindConflict, r.Kind)
	})
	h.send(UpdateDraft, DraftRequest{Request: as(alice), Patch: conversion.DraftPatch{Header: map[string]string{"title": "again"}}}, func(o *outcome) {
		require.NoError(t, o.err, "the draft can still be edited")
		require.False(t, o.state.Saving)
	})
	h.signal(SignalCancel, CancelRequest{Actor: alice.ID})
	require.Equal(t, conversion.StepCancelled, h.run(Input{}).Step)
}

func TestAnotherUserCannotResume(t *testing.T) {
	h := newHarness(t)
	h.send(UpdateOpen, OpenRequest{Actor: alice}, ok(t))
	h.send(UpdateOpen, OpenRequest{Actor: bob}, func(o *outcome) {
		r := o.refusal(t)
		require.Equal(t, conversion.KindConflict, r.Kind)
		require.Contains(t, r.Detail, "Alice")
	})
	h.signal(SignalCancel, CancelRequest{Actor: alice.ID})
	require.Equal(t, conversion.StepCancelled, h.run(Input{}).Step)
}

func TestIdleConversionExpires(t *testing.T) {
	h := newHarness(t)
	h.send(UpdateOpen, OpenRequest{Actor: alice}, ok(t))
	h.send(UpdateMapping, MappingRequest{Request: as(alice), Mapping: goodMapping}, ok(t))
	final := h.run(Input{OrganizationID: "org-1", OpportunityID: "opp-1", StartedBy: alice, IdleTimeout: time.Hour})
	require.Equal(t, conversion.StepExpired, final.Step)
	require.Equal(t, conversion.StatusExpired, final.Status())
	require.WithinDuration(t, final.StartedAt.Add(2*time.Minute+time.Hour), final.UpdatedAt, time.Second,
		"it expires an idle hour after the last step")
}

func TestAnOpportunityWithoutItemsCannotBeConverted(t *testing.T) {
	h := newHarness(t)
	h.snapshot.Opportunity.Items = nil
	h.send(UpdateOpen, OpenRequest{Actor: alice}, func(o *outcome) {
		r := o.refusal(t)
		require.Equal(t, conversion.KindInvalid, r.Kind)
		require.Contains(t, r.Detail, "complete the data first")
	})
	h.execute(Input{})
	require.Error(t, h.env.GetWorkflowError())
}

func ptr[T any](v T) *T { return &v }

// A conversion started by the API is given its snapshot and does not read
// it again; one started bare, by a tool or before the API gave it, reads it.
// Either way the accepted mapping is remembered for the user.
func TestTheSnapshotIsReadOnlyWhenTheStartDidNotGiveIt(t *testing.T) {
	for _, bare := range []bool{false, true} {
		t.Run(fmt.Sprintf("bare=%v", bare), func(t *testing.T) {
			h := newHarness(t)
			h.bare = bare
			h.send(UpdateOpen, OpenRequest{Actor: alice}, func(o *outcome) {
				require.NoError(t, o.err)
				require.Equal(t, "OPP-000001", o.open.State.Opportunity.Number)
			})
			h.send(UpdateMapping, MappingRequest{Request: as(alice), Mapping: goodMapping}, ok(t))
			h.signal(SignalCancel, CancelRequest{Actor: alice.ID})
			h.run(Input{})

			require.Equal(t, map[bool]int{false: 0, true: 1}[bare], h.reads)
			require.Equal(t, []activities.RememberInput{{UserID: alice.ID, Mapping: goodMapping}}, h.remembered)
		})
	}
}

// A save that fails for longer than the local tries goes on as an ordinary
// activity, retried until the database takes it, with the workflow task free
// (queries answer) meanwhile.
func TestASaveThatKeepsFailingGoesOnAsAnActivity(t *testing.T) {
	h := newHarness(t)
	calls := 0
	h.env.OnActivity(h.act.SaveOrder, mock.Anything, mock.Anything).Return(
		func(_ context.Context, o crm.NewOrder) (crm.SavedOrder, error) {
			calls++
			if calls <= 12 {
				return crm.SavedOrder{}, errors.New("connection refused")
			}
			return crm.SavedOrder{ID: "o", Number: "SO-2026-000009", Created: true}, nil
		})
	h.toDraft()
	h.send(UpdateSave, as(alice), func(o *outcome) {
		require.NoError(t, o.err)
		require.Equal(t, "SO-2026-000009", o.state.Order.Number)
	})
	require.Equal(t, conversion.StepCompleted, h.run(Input{}).Step)
	require.Equal(t, 13, calls)
}
