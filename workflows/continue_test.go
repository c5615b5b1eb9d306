package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/crmconvert/crmconvert/conversion"
)

// continueAsNew runs Alice's conversion through the mapping, with the
// mapping step's Update id "map-1", until Temporal suggests a new run, and
// returns what the new run is given.
func continueAsNew(t *testing.T) Input {
	h := newHarness(t)
	h.send(UpdateOpen, OpenRequest{Actor: alice}, ok(t))
	h.sendWithID(UpdateMapping, "map-1", MappingRequest{Request: as(alice), Mapping: goodMapping}, ok(t))
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() { h.env.SetContinueAsNewSuggested(true) }, h.at)
	h.execute(Input{})

	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(h.env.GetWorkflowError(), &can), "got %v", h.env.GetWorkflowError())
	require.Equal(t, WorkflowName, can.WorkflowType.Name)
	var next Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	return next
}

func TestContinueAsNewCarriesTheWholeConversion(t *testing.T) {
	next := continueAsNew(t)
	require.NotNil(t, next.State)
	require.Equal(t, conversion.StepProducts, next.State.Step)
	require.Equal(t, goodMapping, next.State.Mapping)
	require.Equal(t, alice, next.State.StartedBy)
	require.Len(t, next.Answers, 1)
	require.Nil(t, next.Snapshot, "the state holds what the snapshot gave; it is not carried twice")

	h := newHarness(t)
	h.send(UpdateItems, ItemsRequest{Request: as(alice), Items: goodItems}, func(o *outcome) {
		require.NoError(t, o.err)
		require.Equal(t, conversion.StepDraft, o.state.Step)
		require.Equal(t, next.State.Version+1, o.state.Version)
	})
	h.send(UpdateOpen, OpenRequest{Actor: alice}, func(o *outcome) {
		require.NoError(t, o.err)
		require.False(t, o.open.Created, "the new run resumes, it does not start")
	})
	h.signal(SignalCancel, CancelRequest{Actor: alice.ID})
	final := h.run(next)
	require.Equal(t, conversion.StepCancelled, final.Step)
	require.Equal(t, next.State.StartedAt, final.StartedAt)
}

func TestAStepRepeatedAfterContinueAsNewAppliesOnce(t *testing.T) {
	next := continueAsNew(t)
	first := next.Answers[0].State

	h := newHarness(t)
	other := conversion.Mapping{{Source: "opportunity.number", Target: "order.title"}}
	h.sendWithID(UpdateMapping, "map-1", MappingRequest{Request: as(alice), Mapping: other}, func(o *outcome) {
		require.NoError(t, o.err, "accepted although the step is products now: it was answered before")
		require.Equal(t, first.Version, o.state.Version, "the same answer")
		require.Equal(t, goodMapping, o.state.Mapping)
	})
	h.signal(SignalCancel, CancelRequest{Actor: alice.ID})
	final := h.run(next)
	require.Equal(t, goodMapping, final.Mapping, "applied once")
	require.Equal(t, first.Version+1, final.Version, "only the cancel counted")
}
