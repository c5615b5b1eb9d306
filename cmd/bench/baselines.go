package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/crmconvert/crmconvert/workflows"
)

// The baselines take as many round trips per conversion as ours: open,
// mapping, items, draft, save, close decision.
const stepsPerConversion = 6

// floorSteps names the floor's steps for the per-step table: the start, then
// plain Updates.
var floorSteps = []string{"start", "update"}

// floorWorkflow is the least a Temporal workflow can do per step: an Update
// answered at once, with no validation, no activity, no database.
func floorWorkflow(ctx workflow.Context) (int, error) {
	steps := 0
	if err := workflow.SetUpdateHandler(ctx, "step", func(ctx workflow.Context) (int, error) {
		steps++
		return steps, nil
	}); err != nil {
		return 0, err
	}
	err := workflow.Await(ctx, func() bool { return steps >= stepsPerConversion && workflow.AllHandlersFinished(ctx) })
	return steps, err
}

// floorUpsertWorkflow is the floor plus what SPEC 4.4 asks of every step for
// operators: the step kept current in a search attribute, which is one
// upsert, so one write to visibility, per step. It is not one of the
// issue's three modes; it shows what that requirement alone costs.
func floorUpsertWorkflow(ctx workflow.Context) (int, error) {
	steps := 0
	if err := workflow.SetUpdateHandler(ctx, "step", func(ctx workflow.Context) (int, error) {
		steps++
		return steps, workflow.UpsertTypedSearchAttributes(ctx,
			workflows.AttrStep.ValueSet(fmt.Sprint("step-", steps)),
			workflows.AttrUpdatedAt.ValueSet(workflow.Now(ctx)))
	}); err != nil {
		return 0, err
	}
	err := workflow.Await(ctx, func() bool { return steps >= stepsPerConversion && workflow.AllHandlersFinished(ctx) })
	return steps, err
}

// floorConversion drives a floor workflow: Update-With-Start, then Updates.
func floorConversion(ctx context.Context, c client.Client, queue string, wf any, rec *recorder) error {
	id := "floor-" + uuid.NewString()
	start := time.Now()
	op := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: queue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, wf)
	h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions:          client.UpdateWorkflowOptions{UpdateName: "step", WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		return err
	}
	rec.named("start", time.Since(start))
	for range stepsPerConversion - 1 {
		start := time.Now()
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: "step", WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			return err
		}
		rec.named("update", time.Since(start))
	}
	return nil
}

// emptyPollWorkflow is the signal-and-poll pattern with nothing behind
// it: a step is a signal, counted, and the client polls a query until the
// count shows it. It is to signal+poll what the floor is to ours.
func emptyPollWorkflow(ctx workflow.Context) (int, error) {
	steps := 0
	if err := workflow.SetQueryHandler(ctx, "state", func() (int, error) { return steps, nil }); err != nil {
		return 0, err
	}
	ch := workflow.GetSignalChannel(ctx, "step")
	for steps < stepsPerConversion {
		ch.Receive(ctx, nil)
		steps++
	}
	return steps, nil
}

func emptyPollConversion(ctx context.Context, c client.Client, queue string, rec *recorder) error {
	id := "poll-" + uuid.NewString()
	for step := 1; step <= stepsPerConversion; step++ {
		start := time.Now()
		var err error
		if step == 1 {
			_, err = c.SignalWithStartWorkflow(ctx, id, "step", nil, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, emptyPollWorkflow)
		} else {
			err = c.SignalWorkflow(ctx, id, "", "step", nil)
		}
		if err != nil {
			return err
		}
		if _, err := poll(ctx, c, id, "state", func(seen int) bool { return seen >= step }); err != nil {
			return err
		}
		rec.step(time.Since(start))
	}
	return nil
}
