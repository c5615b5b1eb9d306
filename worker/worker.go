// Package worker builds the Temporal worker that runs conversions: the
// conversion workflow and its activities on one task queue.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/crmconvert/crmconvert/activities"
	"github.com/crmconvert/crmconvert/workflows"
)

// DefaultTaskQueue is the task queue conversions run on unless configured otherwise.
const DefaultTaskQueue = "crm-conversion"

// New registers the conversion workflow and its activities on a worker of the
// task queue; options that name no way of polling get autoscaling Pollers.
// The caller starts it (Start or Run) and stops it.
func New(c client.Client, taskQueue string, store activities.Store, opts sdkworker.Options) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, withPollers(opts))
	w.RegisterWorkflowWithOptions(workflows.Conversion, workflow.RegisterOptions{Name: workflows.WorkflowName})
	w.RegisterActivity(&activities.Activities{Store: store})
	return w
}
