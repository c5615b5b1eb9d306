package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/crm"
)

// The signalled conversion does the Update-driven one's work behind the same
// steps; a step its rules refuse changes nothing, and only a query shows it.
func TestTheSignalledConversionDoesTheSameWork(t *testing.T) {
	h := newHarness(t)
	h.workflow = SignalledWorkflowName
	h.expectSave(crm.SavedOrder{ID: "order-1", Number: "SO-2026-000001", Created: true, MayClose: true}).Once()
	h.env.OnActivity(h.act.CloseOpportunity, mock.Anything, mock.Anything).
		Return(crm.CloseResult{Closed: true}, nil).Once()

	var states []conversion.State
	query := func() {
		h.env.RegisterDelayedCallback(func() {
			v, err := h.env.QueryWorkflow(QueryState)
			require.NoError(t, err)
			var st conversion.State
			require.NoError(t, v.Get(&st))
			states = append(states, st)
		}, h.at+time.Second)
	}
	query()
	h.signal(UpdateMapping, MappingRequest{Request: as(alice), Mapping: goodMapping})
	query()
	h.signal(UpdateItems, ItemsRequest{Request: as(alice), Items: []conversion.Pick{{OpportunityItemID: "item-3", Quantity: dec("1")}}})
	query()
	h.signal(UpdateItems, ItemsRequest{Request: as(alice), Items: goodItems})
	h.signal(UpdateDraft, DraftRequest{Request: as(alice), Patch: conversion.DraftPatch{Header: map[string]string{"notes": "dock 4"}}})
	h.signal(UpdateSave, as(alice))
	query()
	h.signal(UpdateClose, CloseRequest{Request: as(alice), Close: true})

	final := h.run(Input{})
	require.Len(t, states, 4)
	require.Equal(t, conversion.StepMapping, states[0].Step)
	require.Equal(t, conversion.StepProducts, states[1].Step)
	require.Equal(t, states[1], states[2], "a refused step (nothing left of item-3) changes nothing")
	require.Equal(t, conversion.StepClosePrompt, states[3].Step)
	require.Equal(t, "SO-2026-000001", states[3].Order.Number)
	require.Equal(t, "dock 4", states[3].Draft.Header["notes"])
	require.Equal(t, conversion.StepCompleted, final.Step)
	require.True(t, final.ClosePrompt.Closed)
	require.Len(t, h.remembered, 1, "the accepted mapping is remembered, as by the Update")
}
